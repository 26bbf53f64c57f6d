import * as m from '../model/project.js';
import { group, mutation, query } from './procedure.js';
import { envFor } from './redact.js';

export default group('environment', {
  create: mutation({
    summary: 'Create an environment in a project',
    output: 'environment',
    input: m.environmentCreate,
    handler: (input, { store }) => store.projects.createEnvironment(input),
  }),
  one: query({
    summary: 'One environment with its applications and project',
    output: 'environmentOne',
    input: m.environmentId,
    handler: ({ environmentId }, { store, caller }) => {
      const e = store.projects.environmentWithServices(environmentId);
      return { ...envFor(caller, e), project: envFor(caller, e.project) };
    },
  }),
  byProjectId: query({
    summary: "A project's environments with their applications",
    output: 'environments',
    input: m.projectId,
    handler: ({ projectId }, { store, caller }) => store.projects.environmentsByProject(projectId).map((e) => envFor(caller, e)),
  }),
  update: mutation({
    summary: 'Update an environment',
    output: 'environment',
    input: m.environmentUpdate,
    description: 'Updates name, description or env. The default environment cannot be renamed.',
    handler: (input, { store }) => store.projects.updateEnvironment(input),
  }),
  remove: mutation({
    summary: 'Remove an empty environment',
    output: 'environment',
    input: m.environmentId,
    description: 'Removes an environment: 400 for the default one, 409 while it holds applications.',
    handler: ({ environmentId }, { store }) => store.projects.removeEnvironment(environmentId),
  }),
  duplicate: mutation({
    summary: "Copy an environment's env into a new one",
    output: 'environment',
    input: m.environmentDuplicate,
    description: 'A new environment in the same project with the same env text; services are not copied.',
    handler: (input, { store }) => store.projects.duplicateEnvironment(input),
  }),
  search: query({
    summary: 'Search environments',
    output: 'environmentPage',
    input: m.environmentSearch,
    handler: (input, { store, caller }) => {
      const r = store.projects.searchEnvironments(input);
      return { ...r, items: r.items.map((e) => envFor(caller, e)) };
    },
  }),
});
