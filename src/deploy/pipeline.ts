import fs from 'node:fs/promises';
import path from 'node:path';
import type { EndpointMode } from '../docker/endpoint-mode.js';
import type { Engine, RegistryAuth, Rollout } from '../docker/engine.js';
import { serviceSpec } from '../docker/service-spec.js';
import type { DeploymentStage } from '../model/deployment.js';
import { parseDotenv } from '../model/dotenv.js';
import { interpolateEnv } from '../model/env-interpolation.js';
import type { JobEnd } from '../store/deployments.js';
import type { Store } from '../store/index.js';
import type { JobRow, PreviewDeploymentRow } from '../store/schema.js';
import { previewApplication, previewUrl } from './preview-app.js';
import { builderFor } from './builders/index.js';
import { cancelOutcome, type CancelFacts } from './cancel-outcome.js';
import { createExec } from './exec.js';
import { isIn, needsNodeCount, pullAuthFor, pushPlan, type ClusterRegistry, type PushRegistry } from './image-distribution.js';
import { filesDirOf, imageTagOf, uploadFor, workDirOf } from './layout.js';
import { readTail, type DeploymentLogs } from './log.js';
import { humanDuration, JobAbort, type JobRunner } from './queue.js';
import { redactorFor } from './redact.js';
import { pullImage, pushImage, registryImageOf } from './push.js';
import { pruneReleases } from './retention.js';
import { snapshotOf, type ReleaseSnapshot } from './snapshot.js';
import { sourceFor, type SourceOptions } from './sources/index.js';
import { providerOf } from './sources/provider-access.js';
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
  /** Successful releases kept per application (rollback targets). */
  keepReleases: number;
  /** Where builds go when an application has no registry (BERTH_REGISTRY_*), so every node can pull them. */
  clusterRegistry?: ClusterRegistry;
  /** The fetch Berth's own registry calls use (trusting BERTH_REGISTRY_CA_FILE's CAs). */
  registryFetch?: typeof fetch;
  warn(message: string, err?: unknown): void;
}

type Loaded = DeployableApplication & ReturnType<Store['applications']['one']>;

/** How many of a failed deployment's last log lines its notification carries. */
const NOTIFIED_LOG_LINES = 20;
/** The log's last lines without their timestamps (already redacted: the log writes nothing else). */
const logTail = (file: string) =>
  readTail(file, NOTIFIED_LOG_LINES)
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\S+ /, ''));

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

  /** Registries that refused to delete a manifest: told once (retention.ts). */
  const refusedDeletes = new Set<string>();

  function load(applicationId: string): Loaded {
    return store.applications.one(applicationId) as Loaded;
  }

  /** The application as its preview's job builds and runs it (webhooks/preview.ts). */
  function previewOf(app: Loaded, preview: PreviewDeploymentRow): Loaded {
    const host = store.previews.domainOf(preview)?.host;
    return previewApplication(app, preview, host ? previewUrl(app, host) : '');
  }

  /** Secrets a job's log must hide besides the application's own: environment and project env values, registry passwords. */
  function secretsAround(app: Loaded): string[] {
    const envs = [app.environment.env, app.environment.project.env].flatMap((text) => Object.values(parseDotenv(text)));
    const registries = [app.registryId, app.buildRegistryId, app.rollbackRegistryId].flatMap((id) => (id ? [store.registries.get(id).password] : []));
    return [...envs, ...registries, ...(deps.clusterRegistry ? [deps.clusterRegistry.password] : [])];
  }

  const sourceOptions: SourceOptions = {
    docker: deps.docker,
    fetch: deps.registryFetch,
    imageExists: (ref) => engine.imageExists(ref),
    gitInputs: ({ app, commit }) => ({
      provider: providerOf(app, store.gitProviders),
      sshKey: app.sourceType === 'git' && app.customGitSSHKeyId ? store.sshKeys.get(app.customGitSSHKeyId) : null,
      commit,
    }),
    drop: { archive: (ctx) => uploadFor(deps.dataDir, ctx.deploymentId), maxBytes: deps.maxArchiveBytes },
  };

  /** The registries the application's images may be in (its own, its rollback one, the cluster's), decrypted. */
  function registriesOf(app: DeployableApplication): PushRegistry[] {
    const own = [app.registryId, app.rollbackRegistryId].flatMap((id) => (id ? [store.registries.get(id)] : []));
    return deps.clusterRegistry ? [...own, deps.clusterRegistry] : own;
  }

  /** The pull credentials of an image for the nodes that run it: the docker source's, or the registry Berth pushed it to. */
  const registryAuth = (app: DeployableApplication, image: string): RegistryAuth | undefined =>
    pullAuthFor(image, { source: app.sourceType === 'docker' ? app : undefined, registries: registriesOf(app) });

  /** Where a build of `app` is pushed before release (see image-distribution.ts). */
  async function pushPlanOf(app: DeployableApplication, signal: AbortSignal) {
    const appRegistry = app.registryId ? store.registries.get(app.registryId) : undefined;
    const cluster = deps.clusterRegistry;
    return pushPlan({ appRegistry, cluster, nodes: needsNodeCount({ appRegistry, cluster }) ? await engine.swarmNodeCount(signal) : 1 });
  }

  /** Writes the file mounts' contents, then creates or updates the service as `snapshot` says. */
  async function release(app: DeployableApplication, snapshot: ReleaseSnapshot, image: string, signal: AbortSignal, deploymentId?: string): Promise<Rollout> {
    const source = snapshot.app;
    const filesDir = filesDirOf(deps.dataDir, app.appName);
    for (const m of source.mounts) {
      if (m.type !== 'file' || !m.filePath) continue;
      const file = path.join(filesDir, m.filePath);
      if (!file.startsWith(filesDir + path.sep)) throw new Error(`The file mount at ${m.mountPath} points outside the application's files folder`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, m.content ?? '');
    }
    const spec = serviceSpec(source, {
      image,
      env: snapshot.env,
      endpointMode: deps.endpointMode,
      network: deps.network,
      filesDir,
      labels: deploymentId ? { 'berth.deploymentId': deploymentId } : undefined,
      // mounted data is on this machine: such a service runs on its node
      dataNode: source.mounts.length ? await engine.nodeId(signal) : undefined,
    });
    return engine.applyService(spec, { signal, auth: registryAuth(app, image) });
  }

  /** `${{project.KEY}}`, `${{environment.KEY}}` and `${{KEY}}` resolved in a dotenv text of the app (an unknown one fails the job). */
  const resolve = (app: Loaded, text: string | null, label?: string) =>
    interpolateEnv(parseDotenv(text), parseDotenv(app.environment.env), parseDotenv(app.environment.project.env), label);
  /** The environment the service gets. */
  const resolvedEnv = (app: Loaded) => resolve(app, app.env);

  const verify = (app: DeployableApplication, rollout: Rollout, signal: AbortSignal, log: (line: string) => void) =>
    engine.waitForRollout(app.appName, rollout, { timeoutMs: deps.rolloutTimeoutMs, signal, log });

  /**
   * What a deploy or redeploy releases: fetched (a redeploy fetches the current release's
   * revision again), built and pushed where the app says. Returns the image to run and,
   * for the rollback row, where the release is kept.
   */
  async function produce(ctx: JobContext, enter: (stage: DeploymentStage, line: string) => void, built: (tag: string) => void) {
    const { app, deploymentId } = ctx;
    enter('cloning', `Fetching the ${app.sourceType} source of ${app.appName}${ctx.commit ? ` at commit ${ctx.commit}` : ''}`);
    const fetched = await sourceFor(app.sourceType, sourceOptions).fetch(ctx);
    if (fetched.kind === 'image') {
      store.deployments.describe(deploymentId, { image: fetched.image });
      return { image: fetched.image, kept: fetched.image };
    }
    if (fetched.commit) store.deployments.describe(deploymentId, { ...(fetched.message ? { title: fetched.message } : {}), description: `Commit: ${fetched.commit}`, commitHash: fetched.commit });
    const tag = imageTagOf(app.appName, deploymentId);
    built(tag);
    enter('building', `Building ${tag} (${app.buildType})`);
    await builderFor(app.buildType, { docker: deps.docker }).build(ctx, fetched.dir, tag);
    let image = tag;
    let kept = tag;
    const plan = await pushPlanOf(app, ctx.signal);
    const rollbackRegistry = app.rollbackActive && app.rollbackRegistryId ? store.registries.get(app.rollbackRegistryId) : undefined;
    if (plan.registry || rollbackRegistry) enter('pushing', plan.registry ? plan.line : 'Pushing the image to the rollback registry');
    else if (plan.line) ctx.log.line(plan.line);
    if (plan.registry) {
      // The service runs the registry's copy, so any node can pull it; a push that fails fails the deploy before the service is touched.
      image = kept = registryImageOf(plan.registry, app.appName, deploymentId);
      await pushImage(ctx, deps.docker, plan.registry, tag, image);
    }
    if (rollbackRegistry) {
      kept = registryImageOf(rollbackRegistry, app.appName, deploymentId);
      if (kept !== image) await pushImage(ctx, deps.docker, rollbackRegistry, tag, kept);
    }
    store.deployments.describe(deploymentId, { image });
    return { image, kept };
  }

  /** A rollback releases a kept release: its image (pulled back from the rollback registry if it is gone here) and its configuration. */
  async function restore(ctx: JobContext, rollbackId: string, enter: (stage: DeploymentStage, line: string) => void) {
    const target = store.rollbacks.get(rollbackId);
    const snapshot = store.rollbacks.snapshot<ReleaseSnapshot | null>(rollbackId);
    if (!target.image || snapshot?.version !== 1) throw new Error(`Rollback ${rollbackId} has no image to release`);
    enter('releasing', `Rolling back ${ctx.app.appName} to version ${target.version} (deployment ${target.deploymentId}, ${target.image})`);
    store.deployments.describe(ctx.deploymentId, { image: target.image, commitHash: target.deployment.commitHash });
    const registry = registriesOf(ctx.app).find((r) => isIn(target.image!, r));
    // A pushed release must run by its registry digest (other nodes cannot pull an image ID): pulled again when this server lost the image or its digest.
    const usable = (await engine.imageExists(target.image)) && (!registry || (await engine.pinnedImage(target.image)).includes('@'));
    if (!usable) {
      if (!registry) throw new Error(`The image ${target.image} of version ${target.version} is no longer on this server and no registry holds it`);
      await pullImage(ctx, deps.docker, registry, target.image);
    }
    // A release built when nothing was pushed (one node then) goes to the registry first if the swarm needs it now.
    if (target.image === imageTagOf(ctx.app.appName, target.deploymentId)) {
      const plan = await pushPlanOf(ctx.app, ctx.signal);
      if (plan.line) ctx.log.line(plan.line);
      if (plan.registry) {
        const remote = registryImageOf(plan.registry, ctx.app.appName, target.deploymentId);
        await pushImage(ctx, deps.docker, plan.registry, target.image, remote);
        return { image: remote, snapshot };
      }
    }
    return { image: target.image, snapshot };
  }

  /** A cancel: a service change already made is undone first; `cancelOutcome` decides the end from what happened. */
  async function cancel(app: DeployableApplication, rollout: Rollout | undefined, why: string, signal: AbortSignal, log: (line: string) => void): Promise<JobEnd> {
    let revertError: string | undefined;
    if (rollout) {
      log(`Cancelling (${why}): returning the service to its previous version`);
      await engine.revertService(app.appName, rollout, { timeoutMs: deps.rolloutTimeoutMs, signal }).catch((err) => (revertError = message(err)));
    }
    const change: CancelFacts['change'] = rollout ? { made: true, created: rollout.created, revertError } : { made: false };
    const service = revertError === undefined ? await engine.inspectService(app.appName).catch(() => undefined) : undefined;
    const { end, line } = cancelOutcome({ why, change, service: service && { replicas: service.Spec?.Mode?.Replicated?.Replicas } });
    log(line);
    return end;
  }

  async function deploy(job: JobRow, signal: AbortSignal): Promise<void> {
    const deploymentId = job.deploymentId!;
    const row = store.deployments.get(deploymentId);
    const preview = row.previewDeploymentId ? store.previews.get(row.previewDeploymentId) : undefined;
    const app = preview ? previewOf(load(job.applicationId), preview) : load(job.applicationId);
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
    let rollout: Rollout | undefined;
    let end: JobEnd;
    try {
      await fs.mkdir(workDir, { recursive: true, mode: 0o700 });
      // Before anything is fetched: a reference that resolves to nothing fails at once.
      const vars = job.type === 'rollback' ? { env: {}, buildArgs: {} } : { env: resolvedEnv(app), buildArgs: resolve(app, app.buildArgs, 'build arguments') };
      // A redeploy rebuilds the current release's commit; a webhook's deploy (and a preview's), the pushed one.
      const commit = (job.type === 'redeploy' && !preview ? store.deployments.current(app.applicationId)?.commitHash : row.commitHash) ?? undefined;
      const ctx: JobContext = { deploymentId, app, workDir, log, signal, exec: createExec({ log, signal, owner: deploymentId, onSpawn: (pid) => store.deployments.setPid(deploymentId, pid) }), commit, vars };
      // What to release: a kept release (rollback), or what the source gives (built, pushed).
      let next: { image: string; snapshot: ReleaseSnapshot; kept?: string };
      if (job.type === 'rollback') {
        next = await restore(ctx, store.deployments.get(deploymentId).rollbackId!, enter);
      } else {
        const made = await produce(ctx, enter, (tag) => (built = tag));
        next = { image: made.image, kept: made.kept, snapshot: snapshotOf(app, vars.env) };
      }
      signal.throwIfAborted();
      const image = next.image.includes('@') ? next.image : await engine.pinnedImage(next.image);
      if (stage !== 'releasing') enter('releasing', `Updating service ${app.appName} to ${image}`);
      // The service update itself is never cut short; a cancel during it or after it reverts it.
      rollout = await release(app, next.snapshot, image, hardSignal(signal), deploymentId);
      signal.throwIfAborted();
      enter('verifying', `Waiting up to ${humanDuration(deps.rolloutTimeoutMs)} for the new tasks to run`);
      await verify(app, rollout, signal, (line) => log.line(line));
      log.line('Deployment done: the new tasks are running');
      // Previews are never rolled back to.
      if (next.kept && !preview) store.rollbacks.create({ deploymentId, image: next.kept, snapshot: next.snapshot });
      end = { status: 'done', applicationStatus: 'done' };
    } catch (err) {
      const reason = signal.aborted ? signal.reason : undefined;
      if (reason instanceof JobAbort && reason.kind === 'cancelled') {
        end = await cancel(app, rollout, reason.message, hardSignal(signal), (line) => log.line(line));
      } else {
        const why = log.redact(reason instanceof JobAbort && reason.kind !== 'cancelled' ? reason.message : message(err));
        log.line(`Deployment failed while ${stage}: ${why}`);
        end = { status: 'error', errorMessage: why, applicationStatus: 'error', logTail: logTail(log.path) };
      }
    } finally {
      await fs.rm(workDir, { recursive: true, force: true });
      await fs.rm(uploadFor(deps.dataDir, deploymentId), { force: true });
    }
    // An image that never reached the service is of no use.
    if (end.status !== 'done' && built && (stage === 'building' || stage === 'pushing')) await engine.removeImage(built).catch(() => undefined);
    store.deployments.endJob(job.jobId, end);
    log.end(end.status);
    // A preview's releases are no rollback targets and never leave its registry here.
    const registry = preview
      ? undefined
      : { registries: registriesOf(app), fetch: deps.registryFetch, refused: refusedDeletes, appName: app.appName, unreleased: end.status === 'done' ? undefined : (store.deployments.get(deploymentId).image ?? undefined) };
    await pruneReleases({ store, engine, keep: deps.keepReleases, warn: deps.warn, registry }, app.applicationId);
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
      const current = store.deployments.current(app.applicationId)?.image;
      if (!current) throw new Error(`${app.appName} has not been deployed yet: deploy it first`);
      const image = current.includes('@') ? current : await engine.pinnedImage(current);
      await verify(app, await release(app, snapshotOf(app, resolvedEnv(app)), image, signal), signal, () => {});
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
