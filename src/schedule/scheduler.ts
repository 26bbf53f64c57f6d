import fs from 'node:fs';
import path from 'node:path';
import { execIn, killMarked, runningTaskContainer } from '../docker/container-exec.js';
import type { Engine } from '../docker/engine.js';
import type { NodeEngines } from '../docker/nodes.js';
import { createExec, killLeftoverGroup, lineSplitter } from '../deploy/exec.js';
import { DeploymentLog } from '../deploy/log.js';
import { redactorFor } from '../deploy/redact.js';
import { parseDotenv } from '../model/dotenv.js';
import { conflict } from '../model/errors.js';
import { hostScript, runsOnHost } from '../model/schedule.js';
import { Redactor } from '../secrets/redact.js';
import type { Store } from '../store/index.js';
import type { RunEnd } from '../store/schedules.js';
import type { ScheduleRow, ScheduleRunRow } from '../store/schema.js';
import { cronOf, type NextDue } from './cron.js';
import { planDue, sleepUntil, type Missed } from './plan.js';

/** What a run that was going when the server stopped ends with (as deployments). */
export const INTERRUPTED = 'interrupted by server restart';
/** The environment variable that marks a run's processes, in a container and on the host. */
const MARKER = 'BERTH_SCHEDULE_RUN';
/** After a kill, how long the output may take to end before Berth stops waiting for it. */
const KILL_GRACE_MS = 10_000;

/** Where a run's log goes: beside the deployment logs, one folder per schedule. */
export const runLogPath = (dataDir: string, scheduleId: string, runId: string) => path.join(dataDir, 'schedule-logs', safe(scheduleId), `${safe(runId)}.log`);
const safe = (s: string) => {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new Error(`invalid id for a log path: "${s}"`);
  return s;
};

export interface SchedulerDeps {
  store: Store;
  dataDir: string;
  engine: Engine;
  engines: NodeEngines;
  /** A run's time limit when its schedule sets none, and how many runs each schedule keeps. */
  settings: { timeoutMs: number; keepRuns: number };
  warn(message: string, err?: unknown): void;
  /** Told of each run that did not end `done` (error, timeout, missed; not skipped): for the notifications, wired by the lead. Never throws, never blocks. */
  notify?: (event: ScheduleFailedEvent) => void;
}

/** A schedule run that failed, timed out or was missed (Dokploy sends nothing: #4210). */
export interface ScheduleFailedEvent {
  type: 'schedule.failed';
  scheduleId: string;
  deploymentId: string;
  applicationId: string | null;
  status: 'error' | 'timeout' | 'missed';
  error: string;
  at: string;
}

class Timeout extends Error {}
class Stopped extends Error {}

interface Going {
  runId: string;
  abort: AbortController;
  done: Promise<ScheduleRunRow>;
}

/**
 * Runs the enabled schedules on time: one timer to the earliest next due time (none at all
 * when nothing is enabled), state in SQLite (each schedule's last handled due time), one
 * run per schedule at a time, each with its own log and record.
 */
export class Scheduler {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly going = new Map<string, Going>();
  private readonly crons = new Map<string, { key: string; next: NextDue }>();
  /** Schedules whose stored expression no longer parses, reported once. */
  private readonly broken = new Set<string>();

  constructor(private readonly deps: SchedulerDeps) {}

  /** Ends the runs a crash left open, then deals with what fell due meanwhile (missed) and arms the timer. */
  start(): void {
    this.endInterrupted();
    this.tick();
  }

  /** After a schedule was created, changed or deleted: a deleted schedule's run in progress is killed. */
  reload(): void {
    if (this.stopped) return;
    for (const [scheduleId, going] of this.going) if (!this.deps.store.schedules.exists(scheduleId)) going.abort.abort(new Stopped('the schedule was deleted'));
    this.tick();
  }

  /** Stops the timer; runs in progress are killed and end `error` (interrupted). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const going = [...this.going.values()];
    for (const g of going) g.abort.abort(new Stopped(INTERRUPTED));
    await Promise.allSettled(going.map((g) => g.done));
  }

  /** `runManually`: runs now and resolves with the ended run (its timeout bounds the wait); 409 while a run of it goes on. */
  runNow(scheduleId: string): Promise<ScheduleRunRow> {
    const schedule = this.deps.store.schedules.get(scheduleId);
    if (this.stopped) throw conflict('Berth is stopping: no new runs');
    const going = this.going.get(scheduleId);
    if (going) throw conflict(`Schedule "${schedule.name}" is running (run ${going.runId}): runs of a schedule never overlap`);
    return this.begin(schedule, 'manual', null);
  }

  private tick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const { store } = this.deps;
    const now = new Date();
    const upcoming: (Date | null)[] = [];
    const enabled = store.schedules.enabled();
    for (const id of this.crons.keys()) if (!enabled.some((s) => s.scheduleId === id)) this.crons.delete(id);
    for (const s of enabled) {
      const next = this.cronOf(s);
      if (!next) continue;
      try {
        const plan = planDue(next, new Date(s.lastDueAt ?? s.createdAt), now, { running: this.going.has(s.scheduleId) });
        if (plan.missed || plan.skip || plan.run) store.schedules.setLastDue(s.scheduleId, now.toISOString());
        if (plan.missed) this.recordMissed(s, plan.missed);
        if (plan.skip) this.recordSkipped(s, plan.skip);
        if (plan.run) this.begin(s, 'cron', plan.run).catch((err) => this.deps.warn(`schedule ${s.scheduleId} could not run`, err));
      } catch (err) {
        // one schedule's failure (a full disk for its log) must not stop the others, nor the timer
        this.deps.warn(`schedule ${s.scheduleId}`, err);
      }
      upcoming.push(next(now));
    }
    const delay = sleepUntil(upcoming, Date.now());
    // a few ms past the due time: a timer's clock and Date.now() can differ by a millisecond
    if (delay !== undefined) this.timer = setTimeout(() => this.tick(), delay + 5).unref();
  }

  private cronOf(s: ScheduleRow): NextDue | undefined {
    const key = `${s.cronExpression}\n${s.timezone ?? ''}`;
    const cached = this.crons.get(s.scheduleId);
    if (cached?.key === key) return cached.next;
    try {
      const next = cronOf(s.cronExpression, s.timezone);
      this.crons.set(s.scheduleId, { key, next });
      this.broken.delete(s.scheduleId);
      return next;
    } catch (err) {
      // checked by the API on every write: only a row written otherwise gets here
      if (!this.broken.has(s.scheduleId)) this.deps.warn(`schedule ${s.scheduleId} is not run`, err);
      this.broken.add(s.scheduleId);
      return undefined;
    }
  }

  private logPathOf(scheduleId: string) {
    return (runId: string) => runLogPath(this.deps.dataDir, scheduleId, runId);
  }

  /** An ended record with a one-line log (skipped, missed). */
  private record(s: ScheduleRow, scheduledFor: Date, end: RunEnd, line: string): ScheduleRunRow {
    const { store } = this.deps;
    const row = store.schedules.addRun({ scheduleId: s.scheduleId, title: 'Schedule', description: line, trigger: 'cron', scheduledFor: scheduledFor.toISOString() }, this.logPathOf(s.scheduleId), end);
    const log = new DeploymentLog(row.logPath, new Redactor());
    log.line(line);
    log.end(end.status);
    this.prune(s.scheduleId);
    return row;
  }

  private failed(s: ScheduleRow, deploymentId: string, status: ScheduleFailedEvent['status'], error: string): void {
    this.deps.notify?.({ type: 'schedule.failed', scheduleId: s.scheduleId, deploymentId, applicationId: s.applicationId, status, error, at: new Date().toISOString() });
  }

  private recordMissed(s: ScheduleRow, missed: Missed): void {
    const count = missed.capped ? `More than ${missed.count} runs` : missed.count === 1 ? '1 run' : `${missed.count} runs`;
    const span = missed.count === 1 ? `due at ${missed.first.toISOString()}` : `due from ${missed.first.toISOString()} to ${missed.last.toISOString()}`;
    const line = `${count} ${span} did not run: Berth was not running (or was too busy) when ${missed.count === 1 ? 'it was' : 'they were'} due. Missed runs are reported, not caught up.`;
    const row = this.record(s, missed.first, { status: 'missed', errorMessage: line }, line);
    this.failed(s, row.deploymentId, 'missed', line);
  }

  private recordSkipped(s: ScheduleRow, due: Date): void {
    const going = this.going.get(s.scheduleId);
    const line = `Skipped the run due at ${due.toISOString()}: the previous run${going ? ` (${going.runId})` : ''} is still going, and runs of a schedule never overlap.`;
    this.record(s, due, { status: 'skipped', errorMessage: line }, line);
  }

  /** Starts a run and resolves with its record once it has ended. */
  private async begin(s: ScheduleRow, trigger: 'cron' | 'manual', due: Date | null): Promise<ScheduleRunRow> {
    const { store, settings } = this.deps;
    const redactor = this.redactorOf(s);
    const row = store.schedules.addRun(
      { scheduleId: s.scheduleId, title: 'Schedule', description: trigger === 'manual' ? 'Run manually' : `Due at ${due!.toISOString()}`, trigger, scheduledFor: due?.toISOString() ?? null },
      this.logPathOf(s.scheduleId),
    );
    const log = new DeploymentLog(row.logPath, redactor);
    const abort = new AbortController();
    const timeoutMs = s.timeoutSeconds ? s.timeoutSeconds * 1000 : settings.timeoutMs;
    const timer = setTimeout(() => abort.abort(new Timeout(`timed out after ${timeoutMs / 1000} s: the command was killed`)), timeoutMs);
    const done = (async () => {
      let end: RunEnd;
      let exitCode: number | null = null;
      try {
        exitCode = runsOnHost(s.scheduleType) ? await this.onHost(s, row, log, abort.signal) : await this.inContainer(s, row, log, abort.signal);
        abort.signal.throwIfAborted();
        end = exitCode === 0 ? { status: 'done', exitCode } : { status: 'error', exitCode, errorMessage: `The command exited with ${exitCode ?? 'no exit code'}` };
      } catch (err) {
        const reason = abort.signal.reason;
        exitCode = (err as { exitCode?: number | null }).exitCode ?? exitCode;
        if (reason instanceof Timeout) end = { status: 'timeout', exitCode, errorMessage: `The run ${reason.message}` };
        else if (reason instanceof Stopped) end = { status: 'error', exitCode, errorMessage: reason.message };
        else end = { status: 'error', exitCode, errorMessage: (err as Error).message };
      } finally {
        clearTimeout(timer);
      }
      log.line(end.status === 'done' ? '✅ Done (exit code 0)' : `❌ ${end.errorMessage}`);
      log.end(end.status);
      this.going.delete(s.scheduleId);
      if (end.status === 'error' || end.status === 'timeout') this.failed(s, row.deploymentId, end.status, end.errorMessage ?? '');
      try {
        const ended = store.schedules.endRun(row.deploymentId, end);
        this.prune(s.scheduleId);
        return ended;
      } catch {
        // the schedule was deleted while it ran (its runs with it)
        return { ...row, ...end, exitCode: end.exitCode ?? null, errorMessage: end.errorMessage ?? null };
      }
    })();
    this.going.set(s.scheduleId, { runId: row.deploymentId, abort, done });
    return done;
  }

  /** The script as one argument to the shell (never a command line of Berth's making), in a clean environment, from `/`. */
  private async onHost(s: ScheduleRow, row: ScheduleRunRow, log: DeploymentLog, signal: AbortSignal): Promise<number> {
    log.line(`Running the script on the Berth server with ${s.shellType}`);
    const exec = createExec({ log, signal, owner: row.deploymentId, onSpawn: (pgid) => this.deps.store.schedules.setPid(row.deploymentId, pgid) });
    await exec([s.shellType, '-c', hostScript(s)], { cwd: '/' });
    return 0;
  }

  /** `docker exec` in the newest running task of the application's service, on its node. */
  private async inContainer(s: ScheduleRow, row: ScheduleRunRow, log: DeploymentLog, signal: AbortSignal): Promise<number | null> {
    const app = this.deps.store.applications.one(s.applicationId!);
    const target = await runningTaskContainer(this.deps.engine, this.deps.engines, app.appName, signal);
    if (!target) throw new Error(`No task of ${app.appName} is running: there is no container to run the command in`);
    log.line(`Running the command in container ${target.containerId.slice(0, 12)}${target.nodeId ? ` (node ${target.nodeId.slice(0, 12)})` : ''} with ${s.shellType}`);
    const marker = `${MARKER}=${row.deploymentId}`;
    // the kill runs when the run is aborted (timeout, stop); the output is awaited a while longer
    const waited = new AbortController();
    const onAbort = () => {
      killMarked(target, s.shellType, marker).catch((err) => log.line(`Could not stop the command in the container: ${(err as Error).message}`));
      setTimeout(() => waited.abort(), KILL_GRACE_MS).unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const out = lineSplitter((l) => log.line(l));
    const err = lineSplitter((l) => log.line(l));
    try {
      const { exitCode } = await execIn(target, [s.shellType, '-c', s.command], {
        env: [marker],
        onOutput: (text, stream) => (stream === 'stdout' ? out : err).push(text),
        signal: waited.signal,
      });
      out.flush();
      err.flush();
      if (signal.aborted) throw Object.assign(new Error('aborted'), { exitCode });
      return exitCode;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** What the run's log must never show: the application's secrets (as its deployment logs); a host run's log hides credentials in URLs and headers only. */
  private redactorOf(s: ScheduleRow): Redactor {
    if (!s.applicationId) return new Redactor();
    const app = this.deps.store.applications.one(s.applicationId);
    const shared = [app.environment.env, app.environment.project.env].flatMap((text) => Object.values(parseDotenv(text)));
    return redactorFor(app, shared);
  }

  private prune(scheduleId: string): void {
    for (const file of this.deps.store.schedules.prune(scheduleId, this.deps.settings.keepRuns)) fs.rmSync(file, { force: true });
  }

  /** Runs still marked running from before this start: their processes are killed (host runs) and they end `error`. */
  private endInterrupted(): void {
    const { store } = this.deps;
    for (const run of store.schedules.openRuns()) {
      if (run.pid) killLeftoverGroup(Number(run.pid), run.deploymentId);
      const log = new DeploymentLog(run.logPath, new Redactor());
      log.line(`❌ Error: ${INTERRUPTED}`);
      log.end('error');
      store.schedules.endRun(run.deploymentId, { status: 'error', errorMessage: INTERRUPTED });
    }
  }
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  return new Scheduler(deps);
}
