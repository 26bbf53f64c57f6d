import { Cron } from 'croner';
import type { BackupRow } from '../store/backups.js';
import type { Store } from '../store/index.js';

/** Cron patterns of five fields, or six with seconds first; in the server's time zone. */
export const CRON_MODE = '5-or-6-parts' as const;

/** Why a schedule is not a cron pattern, or null. */
export function cronProblem(pattern: string): string | null {
  try {
    new Cron(pattern, { mode: CRON_MODE, paused: true }).stop();
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
}

/** Scheduled times after `since` and before `now`: at most `cap` of them are counted. */
export function dueTimes(pattern: string, since: Date, now: Date, cap = 1000): Date[] {
  const cron = new Cron(pattern, { mode: CRON_MODE, paused: true });
  const out: Date[] = [];
  for (let t = cron.nextRun(since); t && t < now && out.length < cap; t = cron.nextRun(t)) out.push(t);
  cron.stop();
  return out;
}

export interface SchedulerDeps {
  store: Store;
  run: (b: BackupRow, scheduledFor: string) => Promise<unknown>;
  log: (line: string) => void;
}

/** One timer per enabled backup; a run still going when its next time comes is not started twice. */
export function createScheduler(deps: SchedulerDeps) {
  const jobs = new Map<string, { schedule: string; cron: Cron }>();

  /** Matches the timers to the enabled backups (a changed schedule gets a new timer). */
  function sync(): void {
    const enabled = new Map(deps.store.backups.enabled().map((b) => [b.backupId, b]));
    for (const [id, job] of jobs) {
      if (enabled.get(id)?.schedule === job.schedule) continue;
      job.cron.stop();
      jobs.delete(id);
    }
    for (const b of enabled.values()) {
      if (jobs.has(b.backupId)) continue;
      const cron = new Cron(b.schedule, { mode: CRON_MODE, protect: (self) => deps.log(`backup ${b.appName}: the run due at ${self.currentRun()?.toISOString()} is skipped, the previous one is still going`), unref: true }, async (self: Cron) => {
        const at = (self.currentRun() ?? new Date()).toISOString();
        // read again: the row may have changed since the timer was set
        const now = deps.store.backups.enabled().find((x) => x.backupId === b.backupId);
        if (now) await deps.run(now, at);
      });
      jobs.set(b.backupId, { schedule: b.schedule, cron });
    }
  }

  /** Scheduled times that passed while Berth was down: one `missed` record per backup, and a log line. */
  function reportMissed(now = new Date()): void {
    for (const b of deps.store.backups.enabled()) {
      const last = deps.store.backups.lastScheduledFor(b.backupId);
      const since = new Date(last && last > b.scheduledSince ? last : b.scheduledSince);
      // a time this close to the start is still run by its timer
      const missed = dueTimes(b.schedule, since, new Date(now.getTime() - 1000));
      if (!missed.length) continue;
      const [first, latest] = [missed[0].toISOString(), missed.at(-1)!.toISOString()];
      const what = missed.length === 1 ? `the run due at ${first}` : `${missed.length}${missed.length === 1000 ? '+' : ''} runs due from ${first} to ${latest}`;
      const message = `missed ${what}: Berth was not running`;
      deps.store.backups.recordMissed(b.backupId, latest, message);
      deps.log(`backup ${b.appName} ${message}`);
    }
  }

  return {
    sync,
    reportMissed,
    stop(): void {
      for (const job of jobs.values()) job.cron.stop();
      jobs.clear();
    },
    /** Backups with a timer (for tests and health). */
    scheduled: () => [...jobs.keys()],
  };
}
