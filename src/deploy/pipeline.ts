import fs from 'node:fs/promises';
import path from 'node:path';
import type { EndpointMode } from '../docker/endpoint-mode.js';
import type { Engine, RegistryAuth, Rollout } from '../docker/engine.js';
import { serviceSpec } from '../docker/service-spec.js';
import type { DeploymentStage } from '../model/deployment.js';
import { parseDotenv } from '../model/dotenv.js';
import type { JobEnd } from '../store/deployments.js';
import type { Store } from '../store/index.js';
import type { JobRow } from '../store/schema.js';
import { builderFor } from './builders/index.js';
import { createExec } from './exec.js';
import { filesDirOf, imageTagOf, uploadFor, workDirOf } from './layout.js';
import type { DeploymentLogs } from './log.js';
import { humanDuration, JobAbort, type JobRunner } from './queue.js';
import { redactorFor } from './redact.js';
import { credentialsFor } from './sources/docker.js';
import { parseImageRef } from './sources/image-ref.js';
import { sourceFor, type SourceOptions } from './sources/index.js';
import type { ProviderRow } from './sources/provider-access.js';
import type { DeployableApplication, JobContext } from './types.js';

export interface PipelineDeps {
  store: Store;
  logs: DeploymentLogs;
  engine: Engine;
  dataDir: string;
  /** The docker CLI that pulls and builds. */
  docker: string;
  endpointMode: EndpointMode;
  /** The overlay network applications join. */
  network: string;
  rolloutTimeoutMs: number;
  /** Most bytes an uploaded archive may expand to. */
  maxArchiveBytes: number;
}

type Loaded = DeployableApplication & ReturnType<Store['applications']['one']>;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A signal that a `cancelled` abort does not fire: once the service is being changed, only a timeout, a shutdown or a deletion stops the job. */
function hardSignal(signal: AbortSignal): AbortSignal {
  const hard = new AbortController();
  const follow = () => {
    if (!(signal.reason instanceof JobAbort && signal.reason.kind === 'cancelled')) hard.abort(signal.reason);
  };
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  return hard.signal;
}

/**
 * What every job runs: deploy/redeploy go from the source to a running Swarm service
 * (fetch → build → release → verify), start/stop/reload change the service only. Each
 * records its own end (deployment status, application status) before it resolves; the
 * log gets a line per stage and, last, its end marker.
 */
export function createPipeline(deps: PipelineDeps): JobRunner {
  const { store, engine } = deps;

  function load(applicationId: string): Loaded {
    return store.applications.one(applicationId) as Loaded;
  }

  /** Secrets a job's log must hide besides the application's own: environment and project env values, registry passwords. */
  function secretsAround(app: Loaded): string[] {
    const envs = [app.environment.env, app.environment.project.env].flatMap((text) => Object.values(parseDotenv(text)));
    const registries = [app.registryId, app.buildRegistryId, app.rollbackRegistryId].flatMap((id) => (id ? [store.registries.get(id).password] : []));
    return [...envs, ...registries];
  }

  const sourceOptions: SourceOptions = {
    docker: deps.docker,
    gitInputs: ({ app }) => ({
      provider: providerOf(app),
      sshKey: app.sourceType === 'git' && app.customGitSSHKeyId ? store.sshKeys.get(app.customGitSSHKeyId) : null,
    }),
    drop: { archive: (ctx) => uploadFor(deps.dataDir, ctx.deploymentId), maxBytes: deps.maxArchiveBytes },
  };

  function providerOf(app: DeployableApplication): ProviderRow | null {
    const { gitProviders } = store;
    switch (app.sourceType) {
      case 'github':
        return app.githubId ? { type: 'github', row: gitProviders.get('github', app.githubId) } : null;
      case 'gitlab':
        return app.gitlabId ? { type: 'gitlab', row: gitProviders.get('gitlab', app.gitlabId) } : null;
      case 'bitbucket':
        return app.bitbucketId ? { type: 'bitbucket', row: gitProviders.get('bitbucket', app.bitbucketId) } : null;
      case 'gitea':
        return app.giteaId ? { type: 'gitea', row: gitProviders.get('gitea', app.giteaId) } : null;
      default:
        return null;
    }
  }

  /** The pull credentials of a docker-source image, for the nodes that run it. */
  function registryAuth(app: DeployableApplication, image: string): RegistryAuth | undefined {
    if (app.sourceType !== 'docker' || !image.includes('@')) return undefined;
    const ref = parseImageRef(image);
    const creds = credentialsFor(ref, app);
    return creds && { ...creds, serveraddress: ref.domain };
  }

  /** Writes the file mounts' contents, then creates or updates the service. */
  async function release(app: DeployableApplication, image: string, signal: AbortSignal, deploymentId?: string): Promise<Rollout> {
    const filesDir = filesDirOf(deps.dataDir, app.appName);
    for (const m of app.mounts) {
      if (m.type !== 'file' || !m.filePath) continue;
      const file = path.join(filesDir, m.filePath);
      if (!file.startsWith(filesDir + path.sep)) throw new Error(`The file mount at ${m.mountPath} points outside the application's files folder`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, m.content ?? '');
    }
    const spec = serviceSpec(app, {
      image,
      endpointMode: deps.endpointMode,
      network: deps.network,
      filesDir,
      labels: deploymentId ? { 'berth.deploymentId': deploymentId } : undefined,
    });
    return engine.applyService(spec, { signal, auth: registryAuth(app, image) });
  }

  const verify = (app: DeployableApplication, rollout: Rollout, signal: AbortSignal, log: (line: string) => void) =>
    engine.waitForRollout(app.appName, rollout, { timeoutMs: deps.rolloutTimeoutMs, signal, log });

  /** What the app's status is after a cancelled deployment: what its service is doing. */
  async function serviceStatus(app: DeployableApplication): Promise<'done' | 'idle'> {
    const service = await engine.inspectService(app.appName).catch(() => undefined);
    return service && service.Spec?.Mode?.Replicated?.Replicas !== 0 ? 'done' : 'idle';
  }

  async function deploy(job: JobRow, signal: AbortSignal): Promise<void> {
    const deploymentId = job.deploymentId!;
    const app = load(job.applicationId);
    // Opened before anything awaits: a follower of a starting job finds it live.
    const log = deps.logs.open(app.appName, deploymentId, redactorFor(app, secretsAround(app)));
    const workDir = workDirOf(deps.dataDir, deploymentId);
    let stage = 'queued' as DeploymentStage;
    const enter = (next: DeploymentStage, line: string) => {
      stage = next;
      store.deployments.setStage(deploymentId, next);
      log.line(line);
    };
    let built: string | undefined;
    let end: JobEnd;
    try {
      await fs.mkdir(workDir, { recursive: true, mode: 0o700 });
      const ctx: JobContext = { deploymentId, app, workDir, log, signal, exec: createExec({ log, signal }) };
      enter('cloning', `Fetching the ${app.sourceType} source of ${app.appName}`);
      const fetched = await sourceFor(app.sourceType, sourceOptions).fetch(ctx);
      let image: string;
      if (fetched.kind === 'code') {
        if (fetched.commit) store.deployments.describe(deploymentId, { ...(fetched.message ? { title: fetched.message } : {}), description: `Commit: ${fetched.commit}` });
        built = imageTagOf(app.appName, deploymentId);
        enter('building', `Building ${built} (${app.buildType})`);
        await builderFor(app.buildType, { docker: deps.docker }).build(ctx, fetched.dir, built);
        store.deployments.describe(deploymentId, { image: built });
        image = await engine.pinnedImage(built);
      } else {
        image = fetched.image;
        store.deployments.describe(deploymentId, { image });
      }
      // The last point a cancel stops the deployment: from here on the service changes.
      signal.throwIfAborted();
      const hard = hardSignal(signal);
      enter('releasing', `Updating service ${app.appName} to ${image}`);
      const rollout = await release(app, image, hard, deploymentId);
      enter('verifying', `Waiting up to ${humanDuration(deps.rolloutTimeoutMs)} for the new tasks to run`);
      await verify(app, rollout, hard, (line) => log.line(line));
      log.line('Deployment done: the new tasks are running');
      end = { status: 'done', applicationStatus: 'done' };
    } catch (err) {
      const reason = signal.aborted ? signal.reason : undefined;
      if (reason instanceof JobAbort && reason.kind === 'cancelled' && (stage === 'queued' || stage === 'cloning' || stage === 'building')) {
        log.line(`Deployment cancelled (${reason.message}); the service was not changed`);
        end = { status: 'cancelled', errorMessage: reason.message, applicationStatus: await serviceStatus(app) };
      } else {
        const why = reason instanceof JobAbort && reason.kind !== 'cancelled' ? reason.message : message(err);
        log.line(`Deployment failed while ${stage}: ${why}`);
        end = { status: 'error', errorMessage: why, applicationStatus: 'error' };
      }
    } finally {
      await fs.rm(workDir, { recursive: true, force: true });
      await fs.rm(uploadFor(deps.dataDir, deploymentId), { force: true });
    }
    // An image that never reached the service is of no use.
    if (end.status !== 'done' && built && stage === 'building') await engine.removeImage(built).catch(() => undefined);
    store.deployments.endJob(job.jobId, end);
    log.end(end.status);
  }

  /** start/stop/reload: the app's status after each, once its service got there. */
  const lifecycle: Record<'start' | 'stop' | 'reload', (app: Loaded, signal: AbortSignal) => Promise<'done' | 'idle'>> = {
    async stop(app, signal) {
      if (!(await engine.inspectService(app.appName, signal))) return 'idle';
      await verify(app, await engine.scaleService(app.appName, 0, signal), signal, () => {});
      return 'idle';
    },
    async start(app, signal) {
      if (!(await engine.inspectService(app.appName, signal))) throw new Error(`${app.appName} has not been deployed yet: deploy it first`);
      // The configured replicas (Dokploy starts 1 whatever the setting).
      await verify(app, await engine.scaleService(app.appName, app.replicas, signal), signal, () => {});
      return app.replicas > 0 ? 'done' : 'idle';
    },
    async reload(app, signal) {
      const current = store.deployments.currentImage(app.applicationId);
      if (!current) throw new Error(`${app.appName} has not been deployed yet: deploy it first`);
      await verify(app, await release(app, await engine.pinnedImage(current), signal), signal, () => {});
      return 'done';
    },
  };

  async function change(job: JobRow, signal: AbortSignal): Promise<void> {
    let end: JobEnd;
    try {
      const status = await lifecycle[job.type as keyof typeof lifecycle](load(job.applicationId), signal);
      end = { status: 'done', applicationStatus: status };
    } catch (err) {
      const reason = signal.aborted ? signal.reason : undefined;
      end = { status: 'error', errorMessage: reason instanceof JobAbort ? reason.message : message(err), applicationStatus: 'error' };
    }
    store.deployments.endJob(job.jobId, end);
  }

  return { run: (job, signal) => (job.deploymentId ? deploy(job, signal) : change(job, signal)) };
}
