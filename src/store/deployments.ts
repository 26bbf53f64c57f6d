import { and, asc, desc, eq, getTableColumns, inArray, isNull, ne, notInArray, sql } from 'drizzle-orm';
import { customAlphabet } from 'nanoid';
import { deploymentTypes, stageDurations, type DeploymentStage, type DeploymentType } from '../model/deployment.js';
import type { applicationStatuses } from '../model/enums.js';
import { badRequest, notFound } from '../model/errors.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import type { outboxStore } from './outbox.js';
import { application, deployment, environment, job, previewDeployment, project, rollback, type DeploymentRow, type JobRow } from './schema.js';

/** A deployment id is also an image tag (`<appName>:<deploymentId>`), which may not start with "-": none has one. */
const newDeploymentId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_', 21);

type Outbox = ReturnType<typeof outboxStore>;

/** How many deployment rows an application keeps (Dokploy's retention): older finished ones go. */
const KEPT_DEPLOYMENTS = 10;

type ApplicationStatus = (typeof applicationStatuses)[number];
export type FinalStatus = 'done' | 'error' | 'cancelled';

export interface JobEnd {
  /** The deployment's final status (ignored for jobs without one). */
  status: FinalStatus;
  errorMessage?: string | null;
  /** The application's status after the job; undefined leaves it as it is. */
  applicationStatus?: ApplicationStatus;
  /** The (redacted) last lines of a failed deployment's log, for its notification. */
  logTail?: string[];
}

/** A deployment row as the API shows it: with its duration (ms) once it has started, and each stage's. */
export type ListedDeployment = DeploymentRow & { durationMs: number | null; stageDurations: Partial<Record<DeploymentStage, number>> };

const durationOf = (d: DeploymentRow): number | null =>
  d.startedAt ? (d.finishedAt ? Date.parse(d.finishedAt) : Date.now()) - Date.parse(d.startedAt) : null;
export const listed = (d: DeploymentRow): ListedDeployment => ({ ...d, durationMs: durationOf(d), stageDurations: stageDurations(d.stageTimes, d.finishedAt) });

/** The rowid orders jobs as they were queued (a new row always gets a larger one). */
const fifo = sql`${job}.rowid`;
/** The columns that say a deployment entered `stage` at `at`. */
const reached = (stage: DeploymentStage, at: string) => ({
  stage,
  stageTimes: sql`json_set(coalesce(${deployment.stageTimes}, '{}'), ${'$.' + stage}, ${at})`,
});
/** Rollback rows as deployment lists show them: the snapshot carries credentials. */
const { fullContext: _snapshot, ...rollbackShown } = getTableColumns(rollback);

/**
 * Deployments and the durable queue behind them. Every change that ends a job ends its
 * deployment in the same transaction, so no deployment is `running` without a queued or
 * running job behind it.
 */
export function deploymentStore(db: DB, outbox: Pick<Outbox, 'enqueue'>) {
  // On every application.one: plain SQLite, without Drizzle's per-call mapping.
  const deployedAppName = db.$client
    .prepare('SELECT a."appName" FROM "deployment" d JOIN "application" a ON a."applicationId" = d."applicationId" WHERE d."applicationId" = ? LIMIT 1')
    .pluck();
  const jobById = (jobId: string) => db.select().from(job).where(eq(job.jobId, jobId)).get();

  function get(deploymentId: string): DeploymentRow {
    const row = db.select().from(deployment).where(eq(deployment.deploymentId, deploymentId)).get();
    if (!row) throw notFound('Deployment', deploymentId);
    return row;
  }

  function assertApplication(applicationId: string) {
    const app = db.select({ id: application.applicationId }).from(application).where(eq(application.applicationId, applicationId)).get();
    if (!app) throw notFound('Application', applicationId);
  }

  /** A preview's job sets the preview's status; every other job, its application's. */
  function setOwnerStatus(row: JobRow, status: ApplicationStatus) {
    const preview = row.deploymentId ? get(row.deploymentId).previewDeploymentId : null;
    if (preview) db.update(previewDeployment).set({ previewStatus: status }).where(eq(previewDeployment.previewDeploymentId, preview)).run();
    else db.update(application).set({ applicationStatus: status }).where(eq(application.applicationId, row.applicationId)).run();
  }

  /** Ends a job (and its deployment, and sets the app's status) in one transaction; false if it had already ended. */
  function endJob(jobId: string, end: JobEnd): boolean {
    return db.transaction(() => {
      const row = jobById(jobId);
      if (!row || row.state === 'finished') return false;
      const at = now();
      db.update(job).set({ state: 'finished', finishedAt: at, errorMessage: end.errorMessage ?? null }).where(eq(job.jobId, jobId)).run();
      if (row.deploymentId)
        db.update(deployment)
          .set({ status: end.status, errorMessage: end.errorMessage ?? null, finishedAt: at, ...(end.status === 'done' ? reached('finished', at) : {}) })
          .where(eq(deployment.deploymentId, row.deploymentId))
          .run();
      if (end.applicationStatus) setOwnerStatus(row, end.applicationStatus);
      // the deployment's message commits with its end: never lost, never sent for an end that rolled back
      if (row.deploymentId && end.status !== 'cancelled') {
        const ids = { deploymentId: row.deploymentId, applicationId: row.applicationId, at };
        try {
          outbox.enqueue(
            end.status === 'done' ? { type: 'deployment.done', ...ids } : { type: 'deployment.failed', ...ids, error: end.errorMessage ?? 'failed', logTail: end.logTail ?? [] },
          );
        } catch {
          // its own savepoint rolled back: a message that cannot be queued never undoes the deployment's end
        }
      }
      return true;
    });
  }

  /**
   * Finished deployments of an app beyond the newest `keep`, sparing the newest `done` one
   * (it is what runs) and kept releases (their rollback rows have a retention of their own).
   */
  function stale(applicationId: string, keep: number): DeploymentRow[] {
    const rows = db.select().from(deployment).where(eq(deployment.applicationId, applicationId)).orderBy(desc(deployment.createdAt), desc(sql`rowid`)).all();
    const current = rows.find((d) => d.status === 'done');
    const release = (d: DeploymentRow) => d.rollbackId !== null && d.type !== 'rollback';
    return rows.slice(keep).filter((d) => d.status !== 'running' && d !== current && !release(d));
  }

  function removeRows(rows: DeploymentRow[]) {
    if (rows.length) db.delete(deployment).where(inArray(deployment.deploymentId, rows.map((d) => d.deploymentId))).run();
  }

  return {
    get,
    jobById,

    /**
     * `deploy`/`redeploy`: the deployment row (`running`, stage `queued`) and its job, in one
     * transaction. An older deploy of the app that is still only queued is superseded
     * (`cancelled`); rows beyond the retention are dropped. Returns the new row, the
     * superseded ones and the dropped ones (whose logs and images the caller removes).
     */
    enqueueDeploy(input: { applicationId: string; type: DeploymentType; title: string; description: string | null; logPath: (deploymentId: string) => string; rollbackId?: string; commitHash?: string; previewDeploymentId?: string }) {
      return db.transaction(() => {
        assertApplication(input.applicationId);
        const deploymentId = newDeploymentId();
        const at = now();
        const preview = input.previewDeploymentId ?? null;
        // Only a deploy of the same service (the application's, or one preview's) supersedes.
        const waiting = db
          .select({ job })
          .from(job)
          .innerJoin(deployment, eq(deployment.deploymentId, job.deploymentId))
          .where(and(eq(job.applicationId, input.applicationId), eq(job.state, 'queued'), inArray(job.type, [...deploymentTypes]), preview ? eq(deployment.previewDeploymentId, preview) : isNull(deployment.previewDeploymentId)))
          .all()
          .map((r) => r.job);
        const superseded = waiting.map((w) => {
          endJob(w.jobId, { status: 'cancelled', errorMessage: `superseded by ${deploymentId}` });
          return get(w.deploymentId!);
        });
        const dropped = preview ? [] : stale(input.applicationId, KEPT_DEPLOYMENTS - 1);
        removeRows(dropped);
        db.insert(deployment)
          .values({
            deploymentId,
            title: input.title,
            description: input.description,
            status: 'running',
            stage: 'queued',
            stageTimes: { queued: at },
            logPath: input.logPath(deploymentId),
            // a preview's deployment is the preview's (its job stays on the application's queue)
            applicationId: preview ? null : input.applicationId,
            previewDeploymentId: preview,
            isPreviewDeployment: preview !== null,
            type: input.type,
            rollbackId: input.rollbackId ?? null,
            commitHash: input.commitHash ?? null,
            createdAt: at,
          })
          .run();
        db.insert(job).values({ jobId: newId(), type: input.type, applicationId: input.applicationId, deploymentId, createdAt: at }).run();
        return { deployment: get(deploymentId), superseded, dropped };
      });
    },

    /** `start`/`stop`/`reload`: a job without a deployment row. */
    enqueueLifecycle(applicationId: string, type: 'start' | 'stop' | 'reload'): JobRow {
      return db.transaction(() => {
        assertApplication(applicationId);
        const jobId = newId();
        db.insert(job).values({ jobId, type, applicationId, createdAt: now() }).run();
        return jobById(jobId)!;
      });
    },

    /** Queued jobs, oldest first. */
    queued(): JobRow[] {
      return db.select().from(job).where(eq(job.state, 'queued')).orderBy(fifo).all();
    },

    /** Queued and running jobs, oldest first, with their application's name and deployment title. */
    pending() {
      return db
        .select({ job, name: application.name, appName: application.appName, title: deployment.title, description: deployment.description })
        .from(job)
        .innerJoin(application, eq(application.applicationId, job.applicationId))
        .leftJoin(deployment, eq(deployment.deploymentId, job.deploymentId))
        .where(ne(job.state, 'finished'))
        .orderBy(fifo)
        .all();
    },

    /** Marks a queued job running (its deployment started, the app `running`); false if it is no longer queued. */
    startJob(jobId: string): boolean {
      return db.transaction(() => {
        const row = jobById(jobId);
        if (!row || row.state !== 'queued') return false;
        const at = now();
        db.update(job).set({ state: 'running', startedAt: at }).where(eq(job.jobId, jobId)).run();
        if (row.deploymentId) db.update(deployment).set({ startedAt: at }).where(eq(deployment.deploymentId, row.deploymentId)).run();
        setOwnerStatus(row, 'running');
        return true;
      });
    },

    endJob,

    /** Records that a deployment entered a stage (and when). */
    setStage(deploymentId: string, stage: DeploymentStage) {
      db.update(deployment).set(reached(stage, now())).where(eq(deployment.deploymentId, deploymentId)).run();
    },

    /** What a deployment learnt on the way: the commit it built, the image it released. */
    describe(deploymentId: string, changes: Partial<Pick<DeploymentRow, 'title' | 'description' | 'image' | 'commitHash'>>) {
      db.update(deployment).set(changes).where(eq(deployment.deploymentId, deploymentId)).run();
    },

    /** Jobs that were running when the server stopped: ended `error`, their apps `error`. Returns them with their deployments. */
    recoverInterrupted(message: string) {
      return db.transaction(() => {
        const running = db.select().from(job).where(eq(job.state, 'running')).orderBy(fifo).all();
        return running.map((r) => {
          endJob(r.jobId, { status: 'error', errorMessage: message, applicationStatus: 'error' });
          return { job: r, deployment: r.deploymentId ? get(r.deploymentId) : undefined };
        });
      });
    },

    /** Ends an app's queued jobs (`cancelled`); returns their deployments. */
    cancelQueued(applicationId: string, reason: string): DeploymentRow[] {
      return db.transaction(() => {
        const waiting = db.select().from(job).where(and(eq(job.applicationId, applicationId), eq(job.state, 'queued'))).orderBy(fifo).all();
        for (const w of waiting) endJob(w.jobId, { status: 'cancelled', errorMessage: reason });
        return waiting.filter((w) => w.deploymentId).map((w) => get(w.deploymentId!));
      });
    },

    /** The job behind a deployment, if it is still queued or running. */
    liveJobOf(deploymentId: string): JobRow | undefined {
      return db
        .select()
        .from(job)
        .where(and(eq(job.deploymentId, deploymentId), ne(job.state, 'finished')))
        .get();
    },

    /** The app's queued or running deploy/redeploy/rollback jobs, oldest first. */
    liveDeploymentJobs(applicationId: string): JobRow[] {
      return db
        .select()
        .from(job)
        .where(and(eq(job.applicationId, applicationId), ne(job.state, 'finished'), inArray(job.type, [...deploymentTypes])))
        .orderBy(fifo)
        .all();
    },

    /** An app's deployments, newest first, with durations. */
    list(applicationId: string): ListedDeployment[] {
      assertApplication(applicationId);
      return db.select().from(deployment).where(eq(deployment.applicationId, applicationId)).orderBy(desc(deployment.createdAt), desc(sql`rowid`)).all().map(listed);
    },

    /** Every application's deployments, newest first, each with its application, environment and project (`deployment.allCentralized`). */
    listAll() {
      return db
        .select({
          deployment,
          application: { applicationId: application.applicationId, name: application.name, appName: application.appName, icon: application.icon },
          environment: { environmentId: environment.environmentId, name: environment.name },
          project: { projectId: project.projectId, name: project.name },
        })
        .from(deployment)
        .innerJoin(application, eq(application.applicationId, deployment.applicationId))
        .innerJoin(environment, eq(environment.environmentId, application.environmentId))
        .innerJoin(project, eq(project.projectId, environment.projectId))
        .orderBy(desc(deployment.createdAt), desc(sql`${deployment}.rowid`))
        .all()
        .map((r) => ({
          ...listed(r.deployment),
          application: { ...r.application, environment: { ...r.environment, project: r.project }, server: null, buildServer: null },
          compose: null,
          server: null,
          buildServer: null,
        }));
    },

    /** `deployment.allByType`: deployments of an application or a preview, each with its rollback row (without the snapshot). */
    listByOwner(type: 'application' | 'previewDeployment', id: string) {
      const owner = type === 'application' ? deployment.applicationId : deployment.previewDeploymentId;
      return db
        .select({ deployment, rollback: rollbackShown })
        .from(deployment)
        .leftJoin(rollback, eq(rollback.rollbackId, deployment.rollbackId))
        .where(eq(owner, id))
        .orderBy(desc(deployment.createdAt), desc(sql`${deployment}.rowid`))
        .all()
        .map((r) => ({ ...listed(r.deployment), rollback: r.rollback?.rollbackId ? r.rollback : null }));
    },

    /** Deletes a finished deployment row; a running one must be cancelled first. */
    remove(deploymentId: string): DeploymentRow {
      return db.transaction(() => {
        const row = get(deploymentId);
        if (row.status === 'running') throw badRequest('The deployment is still running; cancel it first');
        db.delete(deployment).where(eq(deployment.deploymentId, deploymentId)).run();
        return row;
      });
    },

    /** Deletes an app's finished deployments, sparing the one that runs; returns them (their logs go too). */
    clearFinished(applicationId: string): DeploymentRow[] {
      return db.transaction(() => {
        assertApplication(applicationId);
        const rows = stale(applicationId, 0);
        removeRows(rows);
        return rows;
      });
    },

    /** The app's current release: its newest successful deployment (what `reload` re-applies, the revision `redeploy` rebuilds). */
    current(applicationId: string): DeploymentRow | undefined {
      return db
        .select()
        .from(deployment)
        .where(and(eq(deployment.applicationId, applicationId), eq(deployment.status, 'done')))
        .orderBy(desc(deployment.finishedAt), desc(sql`rowid`))
        .limit(1)
        .get();
    },

    /** Images in use: every application's current release and what running deployments build or release. */
    liveImages(): string[] {
      const newest = sql`(select max(d2.finishedAt) from ${deployment} d2 where d2.applicationId = ${deployment.applicationId} and d2.status = 'done')`;
      return db
        .select({ image: deployment.image })
        .from(deployment)
        .where(and(sql`${deployment.image} is not null`, sql`(${deployment.status} = 'running' or (${deployment.status} = 'done' and ${deployment.finishedAt} = ${newest}))`))
        .all()
        .map((r) => r.image!);
    },

    /** The app's name when it has any deployment row; undefined when it never had a service. */
    deployedAppName(applicationId: string): string | undefined {
      return deployedAppName.get(applicationId) as string | undefined;
    },

    /** Every deployment of an app (for `application.delete`'s clean-up). */
    allOf(applicationId: string): DeploymentRow[] {
      return db.select().from(deployment).where(eq(deployment.applicationId, applicationId)).orderBy(asc(deployment.createdAt)).all();
    },

    /** Deployments marked `running` whose job is not queued or running: must always be empty. */
    orphans(): DeploymentRow[] {
      const live = db.select({ id: job.deploymentId }).from(job).where(and(ne(job.state, 'finished'), sql`${job.deploymentId} is not null`));
      return db.select().from(deployment).where(and(eq(deployment.status, 'running'), notInArray(deployment.deploymentId, live))).all();
    },

    /** Records the process group the deployment's job runs a program in (what a restart kills if a crash left it). */
    setPid(deploymentId: string, pid: number): void {
      db.update(deployment).set({ pid: String(pid) }).where(eq(deployment.deploymentId, deploymentId)).run();
    },
  };
}

export type DeploymentStore = ReturnType<typeof deploymentStore>;
