import type { NextDue } from './cron.js';

/**
 * What the scheduler does with a schedule at a moment (pure): the due time that has just
 * come runs, or is skipped while the previous run of the schedule still goes on (runs never
 * overlap and never queue up); due times that passed unnoticed (Berth was not running, or
 * its timer came late) are reported as missed, never run in a burst.
 */

/** How late a due time may be noticed and still run: timers fire a few ms late, a busy event loop more. */
export const ON_TIME_MS = 1000;
/** Most due times counted one by one in a gap (a per-second schedule down for a day has 86,400). */
export const MISSED_CAP = 10_000;

export interface Missed {
  count: number;
  /** More than `count` were due: counting stopped at MISSED_CAP. */
  capped: boolean;
  first: Date;
  last: Date;
}

export interface DuePlan {
  run?: Date;
  skip?: Date;
  missed?: Missed;
}

/** The due times in (after, until], counted up to `cap`; undefined when there are none. */
export function dueBetween(next: NextDue, after: Date, until: Date, cap = MISSED_CAP): Missed | undefined {
  let first: Date | undefined;
  let last: Date | undefined;
  let count = 0;
  for (let d = next(after); d && d.getTime() <= until.getTime(); d = next(d)) {
    if (count === cap) return { count, capped: true, first: first!, last: last! };
    first ??= d;
    last = d;
    count++;
  }
  return first && last ? { count, capped: false, first, last } : undefined;
}

/**
 * The plan for one schedule whose due times up to `cursor` were dealt with: the latest due
 * time of the last ON_TIME_MS runs (or is skipped when `running`); every other due time
 * since the cursor is missed.
 */
export function planDue(next: NextDue, cursor: Date, now: Date, opts: { running: boolean; onTimeMs?: number; cap?: number }): DuePlan {
  const onTimeFrom = new Date(Math.max(cursor.getTime(), now.getTime() - (opts.onTimeMs ?? ON_TIME_MS)));
  const recent = dueBetween(next, onTimeFrom, now);
  const late = dueBetween(next, cursor, onTimeFrom, opts.cap);
  const plan: DuePlan = {};
  if (recent) plan[opts.running ? 'skip' : 'run'] = recent.last;
  // two due times within ON_TIME_MS (a per-second schedule noticed late): only the last runs
  const extra = recent && recent.count > 1 ? recent.count - 1 : 0;
  if (late || extra) {
    const first = late?.first ?? recent!.first;
    const last = extra ? lastBefore(next, recent!.first, recent!.last) : late!.last;
    plan.missed = { count: (late?.count ?? 0) + extra, capped: late?.capped ?? false, first, last };
  }
  return plan;
}

/** The latest due time strictly before `before`, searching from `from` (which is due). */
function lastBefore(next: NextDue, from: Date, before: Date): Date {
  let last = from;
  for (let d = next(from); d && d.getTime() < before.getTime(); d = next(d)) last = d;
  return last;
}

/** Longest delay setTimeout takes (about 24.8 days); a later due time is waited for in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long to sleep until the earliest of the due times (undefined: none, no timer at all). */
export function sleepUntil(dues: (Date | null)[], now: number): number | undefined {
  const times = dues.filter((d): d is Date => d !== null).map((d) => d.getTime());
  if (!times.length) return undefined;
  return Math.min(MAX_TIMER_MS, Math.max(0, Math.min(...times) - now));
}
