import type { z } from 'zod';
import { buildAppName, generateAppName } from '../model/app-name.js';
import * as m from '../model/application.js';
import { appHealth } from '../model/app-health.js';
import * as d from '../model/deployment.js';
import { MASK } from '../model/dotenv.js';
import type { sourceTypes } from '../model/enums.js';
import type { ApplicationChanges } from '../store/applications.js';
import { withoutTraefikFile } from './application-traefik.js';
import { removeRunLogs, runLogsOfApplication } from './schedule.js';
import { group, mutation, query, type Context } from './procedure.js';
import { envFor } from './redact.js';
import { redactApplication } from './redact-application.js';

type SourceType = (typeof sourceTypes)[number];

/**
 * Writes columns and answers `true`, as every save* does. A password equal to the mask
 * is what a client read back: it keeps the stored secret instead of overwriting it.
 */
function save(ctx: Context, applicationId: string, changes: ApplicationChanges): true {
  const { password, ...rest } = changes;
  ctx.store.applications.update(applicationId, password === MASK ? rest : changes);
  return true;
}

/** Queues start/stop and answers the application as it was (Dokploy answers the snapshot read before the change). */
function lifecycle(ctx: Context, applicationId: string, type: 'start' | 'stop') {
  const before = redactApplication(ctx.caller, ctx.store.applications.get(applicationId));
  ctx.deploy.enqueueLifecycle(applicationId, type);
  return before;
}

/** A save*Provider procedure: the saved source becomes the app's source, and the app waits for its next deploy. */
const saveSource = <I extends z.ZodType<{ applicationId: string } & ApplicationChanges>>(input: I, sourceType: Exclude<SourceType, 'drop'>, summary: string, description?: string) =>
  mutation({
    input,
    summary,
    output: 'ok',
    description,
    handler: ({ applicationId, ...changes }: z.output<I>, ctx) => save(ctx, applicationId, { ...changes, sourceType, applicationStatus: 'idle' }),
  });

export default group('application', {
  create: mutation({
    summary: 'Create an application in an environment',
    output: 'application',
    input: m.applicationCreate,
    description:
      'Creates an application in an environment. `appName` becomes `<slug>-<6 random chars>` (lower-case, a valid Swarm service name); omitted, Berth picks `app-<verb>-<adjective>-<noun>-<6 chars>`. 409 when the name is taken. `serverId` must be null: remote servers are not supported yet.',
    handler: ({ appName, serverId: _local, ...input }, { store, caller }) =>
      redactApplication(caller, store.applications.create({ ...input, appName: appName ? buildAppName(appName) : generateAppName() })),
  }),
  one: query({
    summary: 'One application with its relations, release and health',
    output: 'applicationOne',
    cached: true,
    input: m.applicationId,
    description:
      'The application with its environment (and project), domains, deployments, mounts, redirects, basic-auth users, ports, previews, providers and registries. Nested rows carry no secrets; env texts show values to admins only; the docker password is never shown. Berth adds `release` (the current release: its deployment, image, commit and rollback row, or null) and `health` (what Swarm runs now: status not deployed|stopped|running|starting|failing|unknown, desired and running tasks, and why the last task ended — an error, an exit code or an out-of-memory kill).',
    handler: ({ applicationId }, { store, caller }) => {
      const app = redactApplication(caller, store.applications.one(applicationId));
      const env = envFor(caller, app.environment);
      app.environment = { ...env, project: envFor(caller, env.project) };
      const current = store.deployments.current(applicationId);
      const release = current && {
        deploymentId: current.deploymentId,
        type: current.type,
        title: current.title,
        image: current.image,
        commitHash: current.commitHash,
        rollbackId: current.rollbackId,
        finishedAt: current.finishedAt,
      };
      return { ...app, release: release ?? null };
    },
    live: async ({ applicationId }, { store, containers }) => {
      // Never deployed: no service to ask Docker about.
      const appName = store.deployments.deployedAppName(applicationId);
      return { health: appName ? await containers.health(appName) : appHealth(undefined, []) };
    },
  }),
  update: mutation({
    summary: "Write an application's settings",
    output: 'ok',
    input: m.applicationUpdate,
    description:
      'Writes exactly the given columns (no redeploy). `appName` and `createdAt` are accepted and ignored; `serverId`/`buildServerId` accept only null. Referenced environment, registries, providers and SSH key must exist (404).',
    handler: ({ applicationId, appName: _fixed, createdAt: _created, serverId: _local, ...changes }, ctx) => save(ctx, applicationId, changes),
  }),
  delete: mutation({
    summary: 'Delete an application with its service, images and logs',
    output: 'application',
    input: m.applicationId,
    description:
      'Deletes the application with its domains, mounts, ports, redirects, basic-auth users, previews, deployments and schedules, after removing its Swarm service, built images, queued and running jobs, uploads, work trees and logs (schedule runs in progress are killed); returns the row as it was.',
    handler: async ({ applicationId }, ctx) => {
      const scheduleLogs = runLogsOfApplication(ctx, applicationId);
      const removed = await ctx.deploy.removeApplication(applicationId);
      removeRunLogs(scheduleLogs);
      await ctx.schedules.changed(false);
      return redactApplication(ctx.caller, withoutTraefikFile(ctx, removed));
    },
  }),
  move: mutation({
    summary: 'Move an application to another environment',
    output: 'application',
    input: m.applicationMove,
    handler: ({ applicationId, targetEnvironmentId }, { store, caller }) =>
      redactApplication(caller, store.applications.move(applicationId, targetEnvironmentId)),
  }),
  search: query({
    summary: 'Search applications',
    output: 'applicationPage',
    cached: true,
    input: m.applicationSearch,
    description: 'Case-insensitive substring search, newest first. `q` matches name, appName, description, repository, owner or dockerImage.',
    handler: (input, { store }) => store.applications.search(input),
  }),
  saveEnvironment: mutation({
    summary: 'Set env, build args and build secrets',
    output: 'ok',
    input: m.saveEnvironment,
    handler: ({ applicationId, ...changes }, ctx) => save(ctx, applicationId, changes),
  }),
  saveBuildType: mutation({
    summary: 'Set how the application is built',
    output: 'ok',
    input: m.saveBuildType,
    handler: ({ applicationId, ...changes }, ctx) => save(ctx, applicationId, changes),
  }),
  saveGithubProvider: saveSource(m.saveGithubProvider, 'github', 'Use a GitHub repository as the source'),
  saveGitlabProvider: saveSource(m.saveGitlabProvider, 'gitlab', 'Use a GitLab repository as the source'),
  saveBitbucketProvider: saveSource(m.saveBitbucketProvider, 'bitbucket', 'Use a Bitbucket repository as the source'),
  saveGiteaProvider: saveSource(m.saveGiteaProvider, 'gitea', 'Use a Gitea repository as the source'),
  saveGitProvider: saveSource(m.saveGitProvider, 'git', 'Use any Git URL as the source'),
  saveDockerProvider: saveSource(
    m.saveDockerProvider,
    'docker',
    'Use a prebuilt Docker image as the source',
    'Sets the image and pull credentials. The password is stored encrypted and never returned; sending back the mask keeps it.',
  ),
  disconnectGitProvider: mutation({
    summary: 'Clear the git source fields',
    output: 'ok',
    input: m.applicationId,
    description: 'Clears every git source field (GitHub, GitLab, Bitbucket, Gitea, Git URL); docker and drop fields stay.',
    handler: ({ applicationId }, ctx) => save(ctx, applicationId, m.disconnectedSource),
  }),
  markRunning: mutation({
    summary: 'Set the application status to running',
    output: 'nothing',
    input: m.applicationId,
    access: 'deploy',
    handler: ({ applicationId }, ctx) => {
      save(ctx, applicationId, { applicationStatus: 'running' });
    },
  }),
  refreshToken: mutation({
    summary: 'Replace the deploy webhook token',
    output: 'ok',
    input: m.applicationId,
    description: 'Replaces the token of the deploy webhook URL; the old URL stops working.',
    handler: ({ applicationId }, { store }) => {
      store.applications.refreshToken(applicationId);
      return true;
    },
  }),
  deploy: mutation({
    summary: 'Queue a deployment (fetch, build, release)',
    output: 'deployment',
    input: d.deployInput,
    access: 'deploy',
    description:
      'Queues a deployment (fetch, build, release, verify) and answers at once with its row (`status` running, `stage` queued; Dokploy answers nothing). A still-queued older deployment of the app is cancelled ("superseded by <id>"). Follow it with deployment.readLogs or GET /api/deployment.stream.',
    handler: ({ applicationId, title, description }, { deploy }) => deploy.enqueueDeploy(applicationId, 'deploy', { title, description }),
  }),
  redeploy: mutation({
    summary: "Queue a rebuild of the current release's revision",
    output: 'deployment',
    input: d.deployInput,
    access: 'deploy',
    description:
      'As deploy, titled "Rebuild deployment", but it rebuilds the revision of the current release: a git source fetches that exact commit again (Berth keeps no checkout between deployments), a docker source resolves its tag again (a moved `:latest` is picked up), a drop source builds its latest archive. The build cache is used unless the application has `cleanCache` (then `--no-cache` and a fresh pull of base images).',
    handler: ({ applicationId, title, description }, { deploy }) => deploy.enqueueDeploy(applicationId, 'redeploy', { title, description }),
  }),
  start: mutation({
    summary: 'Queue a start (scale to the configured replicas)',
    output: 'application',
    input: m.applicationId,
    access: 'deploy',
    description: "Queues a start: the service is scaled to the configured `replicas` (Dokploy uses 1), then the app is `done`. Answers the application as it was before.",
    handler: ({ applicationId }, ctx) => lifecycle(ctx, applicationId, 'start'),
  }),
  stop: mutation({
    summary: 'Queue a stop (scale to 0)',
    output: 'application',
    input: m.applicationId,
    access: 'deploy',
    description: 'Queues a stop: the service is scaled to 0, then the app is `idle`. Answers the application as it was before.',
    handler: ({ applicationId }, ctx) => lifecycle(ctx, applicationId, 'stop'),
  }),
  reload: mutation({
    summary: 'Queue a service update from the current settings, no build',
    output: 'ok',
    input: d.reloadInput,
    access: 'deploy',
    description: 'Queues a reload: the service is updated from the current settings (env, ports, mounts, resources…) with the image of the last successful deployment, no build. `appName` is required and ignored.',
    handler: ({ applicationId }, { deploy }) => {
      deploy.enqueueLifecycle(applicationId, 'reload');
      return true;
    },
  }),
  cancelDeployment: mutation({
    summary: "Cancel the application's running or queued deployment",
    output: 'success',
    input: m.applicationId,
    access: 'deploy',
    description:
      "Cancels the app's running deployment (else its queued one): it ends `cancelled` and its processes are killed. Before the release the service is left as it was; during the release or its verification the service goes back to its previous version (a first deployment's new service is removed). 400 when none is queued or running.",
    handler: async ({ applicationId }, { deploy }) => {
      const cancelled = await deploy.cancelApplication(applicationId);
      return { success: true, message: `Deployment ${cancelled.deploymentId} cancelled` };
    },
  }),
  killBuild: mutation({
    summary: "Kill the application's running build",
    output: 'nothing',
    input: m.applicationId,
    access: 'deploy',
    description: "Kills this application's running build (clone, build or push) only; its deployment ends `cancelled`. 400 when none runs.",
    handler: async ({ applicationId }, { deploy }) => {
      await deploy.killBuild(applicationId);
    },
  }),
  cleanQueues: mutation({
    summary: "Drop the application's queued jobs",
    output: 'nothing',
    input: m.applicationId,
    access: 'deploy',
    description: "Drops the app's queued jobs (their deployments end `cancelled`); the running one goes on.",
    handler: ({ applicationId }, { deploy }) => {
      deploy.cleanQueues(applicationId);
    },
  }),
  clearDeployments: mutation({
    summary: "Delete the application's finished deployments",
    output: 'ok',
    input: m.applicationId,
    access: 'deploy',
    description: "Deletes the app's finished deployments with their logs and images, except the one whose version runs.",
    handler: ({ applicationId }, { deploy }) => {
      deploy.clearDeployments(applicationId);
      return true;
    },
  }),
});
