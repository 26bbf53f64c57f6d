import { z } from 'zod';
import * as m from '../model/project.js';
import { group, mutation, query } from './procedure.js';
import { envFor } from './redact.js';

export default group('project', {
  create: mutation({
    summary: 'Create a project with its production environment',
    output: 'projectCreated',
    input: m.projectCreate,
    description: 'Creates a project and its default `production` environment.',
    handler: (input, { store }) => store.projects.createProject(input),
  }),
  one: query({
    summary: 'One project with its environments and applications',
    output: 'projectOne',
    input: m.projectId,
    handler: ({ projectId }, { store, caller }) => {
      const p = store.projects.projectWithServices(projectId);
      return { ...envFor(caller, p), environments: p.environments.map((e) => envFor(caller, e)) };
    },
  }),
  all: query({
    summary: 'Every project with environments and application summaries',
    output: 'projectAll',
    input: z.object({}),
    description: 'Every project, newest first, with environments and application summaries.',
    cached: true,
    handler: (_, { store, caller }) => store.projects.allProjects().map((p) => envFor(caller, p)),
  }),
  allForPermissions: query({
    summary: 'Projects, environments and applications by name',
    output: 'projectsForPermissions',
    input: z.object({}),
    cached: true,
    handler: (_, { store }) =>
      store.projects.allProjects().map((p) => ({
        projectId: p.projectId,
        name: p.name,
        environments: p.environments.map((e) => ({ environmentId: e.environmentId, name: e.name, isDefault: e.isDefault, applications: e.applications })),
      })),
  }),
  homeStats: query({
    summary: 'Counts of projects, environments and applications',
    output: 'homeStats',
    input: z.object({}),
    cached: true,
    handler: (_, { store }) => store.projects.homeStats(),
  }),
  search: query({
    summary: 'Search projects',
    output: 'projectPage',
    input: m.projectSearch,
    handler: (input, { store, caller }) => {
      const r = store.projects.searchProjects(input);
      return { ...r, items: r.items.map((p) => envFor(caller, p)) };
    },
  }),
  update: mutation({
    summary: 'Update a project',
    output: 'project',
    input: m.projectUpdate,
    description: 'Updates name, description or env. `createdAt` and `organizationId` are accepted and ignored.',
    handler: (input, { store }) => store.projects.updateProject(input),
  }),
  remove: mutation({
    summary: 'Remove a project with no applications',
    output: 'project',
    input: m.projectId,
    description: 'Removes the project and its environments. Refused (409) while it holds applications: delete them first, so no service is left running without a record.',
    handler: ({ projectId }, { store }) => store.projects.removeProject(projectId),
  }),
  duplicate: mutation({
    summary: "Copy an environment's applications",
    output: 'environment',
    input: m.projectDuplicate,
    description:
      'Copies the applications of `sourceEnvironmentId` (all, or the `selectedServices`; other service types are a 400) into a new project named `name` (its default environment), or beside the originals with the suffix " (copy)" when `duplicateInSameProject` (`name` and `description` then unused). Each copy gets a new appName suffix and webhook token, status idle, and copies of its ports, mounts, redirects, basic-auth users and domains; copied domains start disabled, so the copy never takes the original\'s traffic until a host is changed and the domain enabled. Deployments and previews are not copied. Returns the target environment.',
    handler: (input, { store, caller }) => envFor(caller, store.applications.duplicate(input)),
  }),
});
