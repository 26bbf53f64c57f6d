import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Engine } from '../docker/engine.js';
import { defaultTitle, type DeploymentType } from '../model/deployment.js';
import { BerthError, badRequest, conflict } from '../model/errors.js';
import { Redactor } from '../secrets/redact.js';
import { newId } from '../store/ids.js';
import type { Store } from '../store/index.js';
import type { DeploymentRow, JobRow } from '../store/schema.js';
import { filesDirOf, imageTagOf, incomingUploadsOf, latestUploadOf, uploadFor, workDirOf } from './layout.js';
import { removeTraefikFile } from '../routing/files.js';
import { writePreviewFile, type RoutingConfig } from '../routing/sync.js';
import { killLeftoverGroup } from './exec.js';
import { DeploymentLog, readTail, type DeploymentLogs, type LogListener } from './log.js';
import { JobAbort, JobQueue, type JobRunner } from './queue.js';

/** What a job that was running when the server stopped ends with. */
export const INTERRUPTED = 'interrupted by server restart';

const buildStages = new Set(['cloning', 'building', 'pushing']);

/** What a deploy is asked for with: its title and description, a kept release (rollback), a commit (webhook push). */
export interface DeployRequest {
  title?: string;
  description?: string;
  rollbackId?: string;
  /** The commit a git source builds instead of its branch tip. */
  commitHash?: string;
  /** Deploys this preview of the application (its own service) instead of the application. */
  previewDeploymentId?: string;
}

export interface DeployerDeps {
  store: Store;
  dataDir: string;
  settings: Pick<Config['deploy'], 'buildConcurrency' | 'jobTimeoutMs' | 'previewExpiryHours'>;
  /** Where previews' Traefik files go and the HTTPS port they redirect to. */
  routing: RoutingConfig;
  logs: DeploymentLogs;
  engine: Pick<Engine, 'removeService' | 'removeImage'>;
  runner: JobRunner;
  /** Where clean-up failures are reported (they never fail the request that caused them). */
  warn(message: string, err?: unknown): void;
}

/**
 * What the API may ask of the deploy engine (DESIGN §2: enqueue and cancel): queue jobs,
 * cancel them, read and follow their logs, and tear an application down. The queue
 * decides when jobs run, the runner (pipeline.ts) what they do.
 */
export class Deployer {
  private readonly queue: JobQueue;
  /** Applications being deleted: nothing new is queued or started for them. */
  private readonly deleting = new Set<string>();
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DeployerDeps) {
    this.queue = new JobQueue(deps.store.deployments, deps.runner, {
      buildConcurrency: deps.settings.buildConcurrency,
      jobTimeoutMs: deps.settings.jobTimeoutMs,
      onRunnerError: (job, err) => deps.warn(`deploy job ${job.jobId} (${job.type}) failed without recording its end`, err),
    });
  }

  /** Ends what the previous run left mid-flight (`error`, "interrupted by server restart"), then runs what is queued. */
  start(): void {
    fs.rmSync(incomingUploadsOf(this.deps.dataDir), { recursive: true, force: true });
    const hours = this.deps.settings.previewExpiryHours;
    // Checked four times per expiry period (at most every 10 minutes).
    if (hours > 0) this.expiryTimer = setInterval(() => void this.removeExpiredPreviews(), Math.min(hours * 900_000, 600_000)).unref();
    for (const { deployment } of this.deps.store.deployments.recoverInterrupted(INTERRUPTED)) {
      if (!deployment) continue;
      if (deployment.pid) killLeftoverGroup(Number(deployment.pid), deployment.deploymentId);
      // Its image stays: the service may already run it if the crash came after the release.
      this.closeLog(deployment, `Error: ${INTERRUPTED}`, 'error');
      this.discardFiles(deployment);
    }
    this.queue.kick();
  }

  /** Aborts running jobs (they end `error`, "interrupted by server restart") and stops taking new ones. */
  stop(): Promise<void> {
    clearInterval(this.expiryTimer);
    return this.queue.stop();
  }

  /**
   * `deploy`/`redeploy`: the deployment row and its job in one transaction, answered at
   * once. A still-queued older deploy of the app is superseded (`cancelled`).
   */
  enqueueDeploy(applicationId: string, type: DeploymentType, request: DeployRequest = {}): DeploymentRow {
    const { title, description, rollbackId, commitHash, previewDeploymentId } = request;
    const app = this.available(applicationId);
    const { dataDir, store } = this.deps;
    const builds = type !== 'rollback';
    if (builds && app.sourceType === 'drop' && !fs.existsSync(latestUploadOf(dataDir, app.appName)))
      throw badRequest('No archive has been uploaded for this application: send one with application.dropDeployment');
    const { deployment, superseded, dropped } = store.deployments.enqueueDeploy({
      applicationId,
      type,
      title: title || defaultTitle[type],
      description: description ?? null,
      logPath: (id) => this.deps.logs.pathFor(previewDeploymentId ? store.previews.get(previewDeploymentId).appName : app.appName, id),
      rollbackId,
      commitHash,
      previewDeploymentId,
    });
    // Each deployment builds the archive that was the latest when it was asked for.
    if (builds && app.sourceType === 'drop') {
      fs.mkdirSync(path.dirname(uploadFor(dataDir, deployment.deploymentId)), { recursive: true, mode: 0o700 });
      fs.linkSync(latestUploadOf(dataDir, app.appName), uploadFor(dataDir, deployment.deploymentId));
    }
    for (const old of superseded) this.endQueued(old);
    for (const old of dropped) this.discard(old);
    this.queue.kick();
    return store.deployments.get(deployment.deploymentId);
  }

  /**
   * `rollback.rollback`: a deployment of its own (type `rollback`) that releases a kept
   * release's image and configuration without building; it ends like a deploy.
   */
  enqueueRollback(rollbackId: string): DeploymentRow {
    const target = this.deps.store.rollbacks.get(rollbackId);
    const applicationId = target.deployment.applicationId;
    if (!applicationId) throw badRequest('Only application deployments can be rolled back to');
    if (!target.image) throw badRequest(`Rollback ${rollbackId} recorded no image`);
    return this.enqueueDeploy(applicationId, 'rollback', {
      title: `Rollback to version ${target.version}`,
      description: `Release of deployment ${target.deploymentId}: ${target.image}`,
      rollbackId,
    });
  }

  /** `rollback.delete`: the row and its local image; the release the service runs cannot be deleted. */
  async removeRollback(rollbackId: string) {
    const { store } = this.deps;
    const target = store.rollbacks.get(rollbackId);
    if (target.image && store.deployments.liveImages().includes(target.image))
      throw conflict(`Version ${target.version} is what the application runs (or is deploying) now; roll back or deploy another version first`);
    const removed = store.rollbacks.removeOne(rollbackId);
    if (removed.image) await this.removeImage(removed.image);
    return removed;
  }

  /** A new path under the uploads folder to receive an archive at (then handed to `enqueueDrop`). */
  uploadTarget(): string {
    const incoming = incomingUploadsOf(this.deps.dataDir);
    fs.mkdirSync(incoming, { recursive: true, mode: 0o700 });
    return path.join(incoming, newId());
  }

  /** `dropDeployment`: `archive` (from `uploadTarget`) becomes the app's latest upload, then a deploy is queued. */
  enqueueDrop(applicationId: string, archive: string, dropBuildPath: string | undefined): DeploymentRow {
    const app = this.available(applicationId);
    const latest = latestUploadOf(this.deps.dataDir, app.appName);
    fs.mkdirSync(path.dirname(latest), { recursive: true, mode: 0o700 });
    fs.renameSync(archive, latest);
    this.deps.store.applications.update(applicationId, { sourceType: 'drop', dropBuildPath });
    return this.enqueueDeploy(applicationId, 'deploy');
  }

  /** `start`/`stop`/`reload`: a job on the same queue, so it never races a deploy of the app. */
  enqueueLifecycle(applicationId: string, type: 'start' | 'stop' | 'reload'): JobRow {
    this.available(applicationId);
    const job = this.deps.store.deployments.enqueueLifecycle(applicationId, type);
    this.queue.kick();
    return job;
  }

  /** `cancelDeployment`: the app's running deployment, else its queued one, ends `cancelled`. */
  async cancelApplication(applicationId: string): Promise<DeploymentRow> {
    this.deps.store.applications.get(applicationId);
    const live = this.deps.store.deployments.liveDeploymentJobs(applicationId);
    const job = live.find((j) => j.state === 'running') ?? live[0];
    if (!job) throw badRequest('No deployment of this application is queued or running');
    return this.cancelJob(job, 'cancelled on request');
  }

  /** `deployment.killProcess`: that deployment ends `cancelled`, whether queued or running. */
  async cancelDeployment(deploymentId: string): Promise<DeploymentRow> {
    const { store } = this.deps;
    store.deployments.get(deploymentId);
    const job = store.deployments.liveJobOf(deploymentId);
    if (!job) throw badRequest('Deployment is not running');
    return this.cancelJob(job, 'cancelled on request');
  }

  /** `killBuild`: kills the app's running build (clone, build or push); the service is untouched. */
  async killBuild(applicationId: string): Promise<DeploymentRow> {
    this.deps.store.applications.get(applicationId);
    const job = this.queue.runningFor(applicationId);
    const deployment = job?.deploymentId ? this.deps.store.deployments.get(job.deploymentId) : undefined;
    if (!job || !deployment || !buildStages.has(deployment.stage)) throw badRequest('No build of this application is running');
    return this.cancelJob(job, 'build killed on request');
  }

  /** `cleanQueues`: the app's queued jobs are dropped (their deployments `cancelled`); the running one goes on. */
  cleanQueues(applicationId: string): DeploymentRow[] {
    this.deps.store.applications.get(applicationId);
    const ended = this.deps.store.deployments.cancelQueued(applicationId, 'removed from the queue');
    for (const d of ended) this.endQueued(d);
    return ended;
  }

  /** `clearDeployments`: finished deployments (but the one that runs) go, with their logs and images. */
  clearDeployments(applicationId: string): DeploymentRow[] {
    const rows = this.deps.store.deployments.clearFinished(applicationId);
    for (const d of rows) this.discard(d);
    return rows;
  }

  /** `deployment.removeDeployment`: a finished deployment, its log and its image. */
  removeDeployment(deploymentId: string): DeploymentRow {
    const row = this.deps.store.deployments.remove(deploymentId);
    this.discard(row);
    return row;
  }

  /**
   * Everything `application.delete` removes besides the rows: queued jobs, the running
   * one, the Swarm service, built images, work trees, uploads, file mounts and logs.
   * The service must go (else it would be orphaned); the rest is best effort.
   */
  async removeApplication(applicationId: string) {
    const { store, engine, dataDir } = this.deps;
    const app = store.applications.get(applicationId);
    if (this.deleting.has(applicationId)) throw conflict('The application is already being deleted');
    this.deleting.add(applicationId);
    try {
      for (const d of store.deployments.cancelQueued(applicationId, 'application deleted')) this.endQueued(d);
      const running = this.queue.runningFor(applicationId);
      if (running) await this.queue.abort(running.jobId, new JobAbort('deleted', 'application deleted'));
      for (const p of store.previews.forApplication(applicationId)) await this.removePreview(p.previewDeploymentId);
      try {
        await engine.removeService(app.appName);
      } catch (err) {
        throw new BerthError('INTERNAL_SERVER_ERROR', `Could not remove the service ${app.appName} (${(err as Error).message}); the application was kept, try again`);
      }
      // Every tag a build of the app may have left, also of deployments interrupted mid-build.
      const deployments = store.deployments.allOf(applicationId);
      await Promise.all(deployments.map((d) => this.removeImage(imageTagOf(app.appName, d.deploymentId))));
      for (const d of deployments) this.discardFiles(d);
      for (const leftover of [path.dirname(this.deps.logs.pathFor(app.appName, 'any')), latestUploadOf(dataDir, app.appName), filesDirOf(dataDir, app.appName)])
        fs.rmSync(leftover, { recursive: true, force: true });
      return store.applications.remove(applicationId);
    } finally {
      this.deleting.delete(applicationId);
    }
  }

  /**
   * A preview deployment (webhook or `previewDeployment.redeploy`): the preview's Traefik
   * file is written from its domain first, so the host routes as soon as the service runs.
   */
  enqueuePreview(previewDeploymentId: string, request: Omit<DeployRequest, 'previewDeploymentId' | 'rollbackId'>, type: 'deploy' | 'redeploy' = 'deploy'): DeploymentRow {
    const preview = this.deps.store.previews.get(previewDeploymentId);
    const domain = this.deps.store.previews.domainOf(preview);
    if (domain) writePreviewFile(this.deps.routing, preview.appName, domain);
    const deployment = this.enqueueDeploy(preview.applicationId, type, { ...request, previewDeploymentId });
    const hours = this.deps.settings.previewExpiryHours;
    if (hours > 0) this.deps.store.previews.update(previewDeploymentId, { expiresAt: new Date(Date.now() + hours * 3600_000).toISOString() });
    return deployment;
  }

  /** Removes the previews whose expiry passed (BERTH_PREVIEW_EXPIRY_HOURS since their last deployment was asked for), unless one is deploying. */
  private async removeExpiredPreviews() {
    const { store } = this.deps;
    for (const p of store.previews.expired(new Date().toISOString())) {
      if (store.previews.deploymentsOf(p.previewDeploymentId).some((d) => store.deployments.liveJobOf(d.deploymentId))) continue;
      await this.removePreview(p.previewDeploymentId).catch((err) => this.deps.warn(`could not remove the expired preview ${p.appName}`, err));
    }
  }

  /**
   * A preview gone with its pull request (or deleted): its jobs, Swarm service, built
   * images, work trees and logs; the caller removes its routing file. The rows go last.
   */
  async removePreview(previewDeploymentId: string) {
    const { store, engine } = this.deps;
    const preview = store.previews.get(previewDeploymentId);
    const deployments = store.previews.deploymentsOf(previewDeploymentId);
    for (const d of deployments) {
      const job = store.deployments.liveJobOf(d.deploymentId);
      if (job) await this.cancelJob(job, 'preview removed').catch(() => undefined);
    }
    await engine.removeService(preview.appName);
    await Promise.all(deployments.map((d) => this.removeImage(imageTagOf(preview.appName, d.deploymentId))));
    for (const d of deployments) this.discardFiles(d);
    fs.rmSync(path.dirname(this.deps.logs.pathFor(preview.appName, 'any')), { recursive: true, force: true });
    fs.rmSync(filesDirOf(this.deps.dataDir, preview.appName), { recursive: true, force: true });
    removeTraefikFile(this.deps.dataDir, preview.appName);
    return store.previews.remove(previewDeploymentId);
  }

  /** `deployment.readLogs`: the last `tail` lines ("" before the job started). */
  readLogs(deploymentId: string, tail: number): string {
    const row = this.deps.store.deployments.get(deploymentId);
    return row.logPath ? readTail(row.logPath, tail) : '';
  }

  /**
   * Every line of a deployment's log, then each new one until its end marker; a queued
   * deployment is waited for. Returns a function that stops following.
   */
  follow(deploymentId: string, onEvent: LogListener): () => void {
    const { store, logs } = this.deps;
    const row = store.deployments.get(deploymentId);
    let stop = () => {};
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const attach = () => {
      if (stopped) return;
      // Queued: its log opens when the job starts.
      if (!logs.get(deploymentId) && store.deployments.liveJobOf(deploymentId)?.state === 'queued') {
        timer = setTimeout(attach, 200);
        return;
      }
      stop = logs.follow(deploymentId, row.logPath, onEvent);
    };
    attach();
    return () => {
      stopped = true;
      clearTimeout(timer);
      stop();
    };
  }

  private available(applicationId: string) {
    const app = this.deps.store.applications.get(applicationId);
    if (this.deleting.has(applicationId)) throw conflict('The application is being deleted');
    return app;
  }

  private async cancelJob(job: JobRow, reason: string): Promise<DeploymentRow> {
    const { store } = this.deps;
    const deploymentId = job.deploymentId!;
    if (job.state === 'queued') {
      store.deployments.endJob(job.jobId, { status: 'cancelled', errorMessage: reason });
      this.endQueued(store.deployments.get(deploymentId));
      return store.deployments.get(deploymentId);
    }
    // Once the service is being changed, the job undoes that change before it ends.
    await this.queue.abort(job.jobId, new JobAbort('cancelled', reason));
    return store.deployments.get(deploymentId);
  }

  /** A deployment that ended before its job started: why, in its log, and the end marker. */
  private endQueued(d: DeploymentRow) {
    this.closeLog(d, `Cancelled: ${d.errorMessage}`, 'cancelled');
    this.discardFiles(d);
  }

  private closeLog(d: DeploymentRow, line: string, status: string) {
    if (!d.logPath) return;
    try {
      const log = new DeploymentLog(d.logPath, new Redactor());
      log.line(line);
      log.end(status);
    } catch (err) {
      this.deps.warn(`could not write the log of deployment ${d.deploymentId}`, err);
    }
  }

  /** A deployment row that is gone: its log, files and image. */
  private discard(d: DeploymentRow) {
    if (d.logPath) fs.rmSync(d.logPath, { force: true });
    this.discardFiles(d);
    void this.removeBuiltImage(d);
  }

  /** A job's work tree and upload link (normally removed by the job itself). */
  private discardFiles(d: DeploymentRow) {
    fs.rmSync(workDirOf(this.deps.dataDir, d.deploymentId), { recursive: true, force: true });
    fs.rmSync(uploadFor(this.deps.dataDir, d.deploymentId), { force: true });
  }

  /** Removes the image a deployment built (`<appName>:<deploymentId>`); pulled images may be shared and stay. */
  private async removeBuiltImage(d: DeploymentRow): Promise<void> {
    if (d.image?.endsWith(`:${d.deploymentId}`)) await this.removeImage(d.image);
  }

  private async removeImage(tag: string): Promise<void> {
    try {
      await this.deps.engine.removeImage(tag);
    } catch (err) {
      this.deps.warn(`could not remove image ${tag}`, err);
    }
  }
}
