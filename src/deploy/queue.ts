import { buildJobTypes } from '../model/deployment.js';
import type { DeploymentStore } from '../store/deployments.js';
import type { JobRow } from '../store/schema.js';

/**
 * Why a running job was aborted: the runner reads it from `signal.reason`. A `cancelled`
 * job stops before its service is touched; the others stop whatever it is doing.
 */
export class JobAbort extends Error {
  constructor(
    readonly kind: 'cancelled' | 'timeout' | 'shutdown' | 'deleted',
    message: string,
  ) {
    super(message);
  }
}

export interface JobRunner {
  /** Runs one started job to its end and records the end (`store.endJob`) before resolving. */
  run(job: JobRow, signal: AbortSignal): Promise<void>;
}

export interface QueueOptions {
  /** Deploy/redeploy jobs running at once, over all applications. */
  buildConcurrency: number;
  jobTimeoutMs: number;
  /** Told about a runner that failed without recording its job's end. */
  onRunnerError(job: JobRow, err: unknown): void;
}

interface Running {
  job: JobRow;
  controller: AbortController;
  done: Promise<void>;
}

/** "30 min", "90 s", "1500 ms": how long a timeout was, for its error message. */
export function humanDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

const isBuild = (job: JobRow) => buildJobTypes.includes(job.type);

/**
 * The durable queue's scheduler. Jobs live in SQLite (the store); this picks the next
 * runnable ones: FIFO, one job at a time per application (a later job of an app never
 * overtakes an earlier one), at most `buildConcurrency` deploy/redeploy jobs overall.
 * Start/stop/reload take no build slot: they wait only for their own application.
 * Every running job has an AbortController and a timeout.
 */
export class JobQueue {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(
    private readonly store: DeploymentStore,
    private readonly runner: JobRunner,
    private readonly opts: QueueOptions,
  ) {}

  /** Starts whatever can run now. Called after every enqueue and every job end. */
  kick(): void {
    if (this.stopping) return;
    const blocked = new Set([...this.running.values()].map((r) => r.job.applicationId));
    let builds = [...this.running.values()].filter((r) => isBuild(r.job)).length;
    for (const job of this.store.queued()) {
      const free = !blocked.has(job.applicationId) && (!isBuild(job) || builds < this.opts.buildConcurrency);
      // A job that cannot start holds back its application's later jobs.
      blocked.add(job.applicationId);
      if (!free) continue;
      if (this.launch(job) && isBuild(job)) builds++;
    }
  }

  private launch(job: JobRow): boolean {
    if (!this.store.startJob(job.jobId)) return false;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new JobAbort('timeout', `timed out after ${humanDuration(this.opts.jobTimeoutMs)}`)),
      this.opts.jobTimeoutMs,
    );
    timer.unref(); // a job's deadline alone does not keep the server alive
    const done = this.runner
      .run(job, controller.signal)
      .catch((err) => {
        this.opts.onRunnerError(job, err);
        this.store.endJob(job.jobId, { status: 'error', errorMessage: err instanceof Error ? err.message : String(err), applicationStatus: 'error' });
      })
      .finally(() => {
        clearTimeout(timer);
        this.running.delete(job.jobId);
        this.kick();
      });
    this.running.set(job.jobId, { job, controller, done });
    return true;
  }

  /** The running job of an application, if any. */
  runningFor(applicationId: string): JobRow | undefined {
    for (const r of this.running.values()) if (r.job.applicationId === applicationId) return r.job;
    return undefined;
  }

  /** Aborts a running job and waits for it to record its end; false if it is not running here. */
  async abort(jobId: string, reason: JobAbort): Promise<boolean> {
    const r = this.running.get(jobId);
    if (!r) return false;
    r.controller.abort(reason);
    await r.done;
    return true;
  }

  /** Stops taking jobs and aborts the running ones; waits up to `graceMs` for them to record their end. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort(new JobAbort('shutdown', 'interrupted by server restart'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(all.map((r) => r.done)), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }
}
