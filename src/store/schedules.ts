import { and, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { ORGANIZATION_ID } from '../model/common.js';
import { notFound } from '../model/errors.js';
import type { ScheduleRunStatus, ScheduleType } from '../model/schedule.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { schedule, scheduleRun, type ScheduleRow, type ScheduleRunRow } from './schema.js';

export type ScheduleValues = Omit<ScheduleRow, 'scheduleId' | 'createdAt' | 'organizationId' | 'lastDueAt'>;

/** A run's end: its status and what the command said of itself. */
export interface RunEnd {
  status: Exclude<ScheduleRunStatus, 'running'>;
  exitCode?: number | null;
  errorMessage?: string | null;
}

/** Schedules and their runs (newest first). */
export function scheduleStore(db: DB) {
  function get(scheduleId: string): ScheduleRow {
    const row = db.select().from(schedule).where(eq(schedule.scheduleId, scheduleId)).get();
    if (!row) throw notFound('Schedule', scheduleId);
    return row;
  }

  function run(deploymentId: string): ScheduleRunRow {
    const row = db.select().from(scheduleRun).where(eq(scheduleRun.deploymentId, deploymentId)).get();
    if (!row) throw notFound('Schedule run', deploymentId);
    return row;
  }

  const runs = (scheduleId: string): ScheduleRunRow[] =>
    db.select().from(scheduleRun).where(eq(scheduleRun.scheduleId, scheduleId)).orderBy(desc(scheduleRun.createdAt), desc(sql`rowid`)).all();

  return {
    get,
    run,
    runs,

    /** `lastDueAt` starts now: due times before a schedule existed (or was enabled) were never missed. */
    create(values: ScheduleValues): ScheduleRow {
      const at = now();
      const row: ScheduleRow = { ...values, scheduleId: newId(), organizationId: ORGANIZATION_ID, createdAt: at, lastDueAt: at };
      db.insert(schedule).values(row).run();
      return row;
    },

    /** A change of when it runs (cron, time zone, enabled) counts due times from now on. */
    update(scheduleId: string, set: Partial<ScheduleValues>, timingChanged: boolean): ScheduleRow {
      return db.transaction(() => {
        get(scheduleId);
        const values = { ...set, ...(timingChanged && { lastDueAt: now() }) };
        if (Object.values(values).some((v) => v !== undefined)) db.update(schedule).set(values).where(eq(schedule.scheduleId, scheduleId)).run();
        return get(scheduleId);
      });
    },

    /** Deletes the schedule and its runs; answers the runs' log files, for the caller to remove. */
    remove(scheduleId: string): { row: ScheduleRow; logPaths: string[] } {
      return db.transaction(() => {
        const row = get(scheduleId);
        const logPaths = runs(scheduleId).map((r) => r.logPath);
        db.delete(schedule).where(eq(schedule.scheduleId, scheduleId)).run();
        return { row, logPaths };
      });
    },

    exists(scheduleId: string): boolean {
      return !!db.select({ n: sql<number>`1` }).from(schedule).where(eq(schedule.scheduleId, scheduleId)).get();
    },

    ofApplication(applicationId: string): ScheduleRow[] {
      return db.select().from(schedule).where(eq(schedule.applicationId, applicationId)).orderBy(desc(schedule.createdAt)).all();
    },

    ofType(type: ScheduleType): ScheduleRow[] {
      return db.select().from(schedule).where(eq(schedule.scheduleType, type)).orderBy(desc(schedule.createdAt)).all();
    },

    enabled(): ScheduleRow[] {
      return db.select().from(schedule).where(eq(schedule.enabled, true)).all();
    },

    /** Whether the scheduler has anything to do at start: an enabled schedule, or a run a crash left open. */
    needsScheduler(): boolean {
      const open = db.select({ n: sql<number>`1` }).from(scheduleRun).where(eq(scheduleRun.status, 'running')).limit(1).get();
      const on = db.select({ n: sql<number>`1` }).from(schedule).where(eq(schedule.enabled, true)).limit(1).get();
      return !!(open || on);
    },

    setLastDue(scheduleId: string, at: string): void {
      db.update(schedule).set({ lastDueAt: at }).where(eq(schedule.scheduleId, scheduleId)).run();
    },

    /** A run row: `running` from now, or already ended (skipped, missed) with `end`. */
    addRun(values: Pick<ScheduleRunRow, 'scheduleId' | 'title' | 'description' | 'trigger' | 'scheduledFor'>, logPath: (deploymentId: string) => string, end?: RunEnd): ScheduleRunRow {
      const deploymentId = newId();
      const at = now();
      const row: ScheduleRunRow = {
        ...values,
        deploymentId,
        status: end?.status ?? 'running',
        logPath: logPath(deploymentId),
        pid: null,
        exitCode: end?.exitCode ?? null,
        errorMessage: end?.errorMessage ?? null,
        createdAt: at,
        startedAt: at,
        finishedAt: end ? at : null,
        durationMs: end ? 0 : null,
      };
      db.insert(scheduleRun).values(row).run();
      return row;
    },

    setPid(deploymentId: string, pid: number): void {
      db.update(scheduleRun).set({ pid: String(pid) }).where(eq(scheduleRun.deploymentId, deploymentId)).run();
    },

    /** Ends a running run; a run already ended stays as it is. */
    endRun(deploymentId: string, end: RunEnd): ScheduleRunRow {
      const row = run(deploymentId);
      if (row.status !== 'running') return row;
      const at = new Date();
      const set = { status: end.status, exitCode: end.exitCode ?? null, errorMessage: end.errorMessage ?? null, finishedAt: at.toISOString(), durationMs: Math.max(0, at.getTime() - Date.parse(row.startedAt ?? row.createdAt)) };
      db.update(scheduleRun).set(set).where(eq(scheduleRun.deploymentId, deploymentId)).run();
      return { ...row, ...set };
    },

    /** Runs still marked running (a crash left them so). */
    openRuns(): ScheduleRunRow[] {
      return db.select().from(scheduleRun).where(eq(scheduleRun.status, 'running')).all();
    },

    /** Deletes the schedule's ended runs beyond the newest `keep`; answers their log files. */
    prune(scheduleId: string, keep: number): string[] {
      return db.transaction(() => {
        const kept = runs(scheduleId).slice(0, keep).map((r) => r.deploymentId);
        const old = db
          .select({ id: scheduleRun.deploymentId, logPath: scheduleRun.logPath })
          .from(scheduleRun)
          .where(and(eq(scheduleRun.scheduleId, scheduleId), notInArray(scheduleRun.deploymentId, kept.length ? kept : ['']), sql`${scheduleRun.status} <> 'running'`))
          .all();
        if (old.length) db.delete(scheduleRun).where(inArray(scheduleRun.deploymentId, old.map((o) => o.id))).run();
        return old.map((o) => o.logPath);
      });
    },
  };
}
