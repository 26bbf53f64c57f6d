import { and, desc, eq, notInArray, sql } from 'drizzle-orm';
import { customAlphabet } from 'nanoid';
import { normalizePrefix, type BackupCreate, type BackupUpdate } from '../model/backup.js';
import { conflict, notFound } from '../model/errors.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { backup, backupRun, destination } from './schema.js';

export type BackupRow = typeof backup.$inferSelect;
export type BackupRunRow = typeof backupRun.$inferSelect;
type RunEnd = Pick<BackupRunRow, 'status'> & Partial<Pick<BackupRunRow, 'file' | 'sizeBytes' | 'error' | 'warning'>>;

/** Runs kept per backup (newest); older ones are deleted as new ones start. */
const RUNS_KEPT = 50;

const suffix = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 6);

/** Web-server backups and their run history. */
export function backupStore(db: DB) {
  function get(backupId: string): BackupRow {
    const row = db.select().from(backup).where(eq(backup.backupId, backupId)).get();
    if (!row) throw notFound('Backup', backupId);
    return row;
  }

  function assertDestination(destinationId: string) {
    if (!db.select({ id: destination.destinationId }).from(destination).where(eq(destination.destinationId, destinationId)).get()) throw notFound('Destination', destinationId);
  }

  /** Two backups writing one folder would each count the other's archives in their retention. */
  function assertFolderFree(destinationId: string, prefix: string, exceptId?: string) {
    const folder = normalizePrefix(prefix);
    const clash = db
      .select()
      .from(backup)
      .where(eq(backup.destinationId, destinationId))
      .all()
      .find((b) => b.backupId !== exceptId && normalizePrefix(b.prefix) === folder);
    if (clash) throw conflict(`The backup ${clash.appName} already writes to "${folder || '/'}" at this destination: give this one another prefix`);
  }

  return {
    get,

    create(input: Omit<BackupCreate, 'mariadbId' | 'mysqlId' | 'postgresId' | 'mongoId' | 'libsqlId' | 'composeId'>): BackupRow {
      return db.transaction(() => {
        assertDestination(input.destinationId);
        assertFolderFree(input.destinationId, input.prefix);
        const row: BackupRow = {
          backupId: newId(),
          appName: `backup-${suffix()}`,
          schedule: input.schedule,
          enabled: input.enabled ?? null,
          database: input.database,
          prefix: input.prefix,
          serviceName: input.serviceName ?? null,
          destinationId: input.destinationId,
          keepLatestCount: input.keepLatestCount ?? null,
          backupType: input.backupType ?? 'database',
          databaseType: input.databaseType,
          includeEncryptionKey: input.includeEncryptionKey ?? true,
          metadata: input.metadata ?? null,
          userId: input.userId ?? null,
          createdAt: now(),
          scheduledSince: now(),
        };
        db.insert(backup).values(row).run();
        return row;
      });
    },

    /** A changed schedule or switch starts counting due runs from now. */
    update({ backupId, ...set }: BackupUpdate): BackupRow {
      return db.transaction(() => {
        const row = get(backupId);
        if (set.destinationId !== undefined) assertDestination(set.destinationId);
        assertFolderFree(set.destinationId ?? row.destinationId, set.prefix ?? row.prefix, backupId);
        const rescheduled = (set.schedule !== undefined && set.schedule !== row.schedule) || (set.enabled !== undefined && set.enabled !== row.enabled);
        db.update(backup)
          .set({ ...set, metadata: set.metadata === undefined ? undefined : (set.metadata ?? null), ...(rescheduled && { scheduledSince: now() }) })
          .where(eq(backup.backupId, backupId))
          .run();
        return get(backupId);
      });
    },

    remove(backupId: string): BackupRow {
      const row = get(backupId);
      db.delete(backup).where(eq(backup.backupId, backupId)).run();
      return row;
    },

    /** Every enabled backup (what the scheduler runs). */
    enabled: (): BackupRow[] => db.select().from(backup).where(eq(backup.enabled, true)).all(),

    startRun(backupId: string, trigger: BackupRunRow['trigger'], scheduledFor: string | null = null): BackupRunRow {
      return db.transaction(() => {
        const row: BackupRunRow = { runId: newId(), backupId, trigger, status: 'running', scheduledFor, file: null, sizeBytes: null, error: null, warning: null, startedAt: now(), finishedAt: null };
        db.insert(backupRun).values(row).run();
        const kept = db.select({ runId: backupRun.runId }).from(backupRun).where(eq(backupRun.backupId, backupId)).orderBy(desc(backupRun.startedAt), desc(sql`rowid`)).limit(RUNS_KEPT);
        db.delete(backupRun).where(and(eq(backupRun.backupId, backupId), notInArray(backupRun.runId, kept))).run();
        return row;
      });
    },

    finishRun(runId: string, end: RunEnd): BackupRunRow {
      return db.update(backupRun).set({ ...end, finishedAt: now() }).where(eq(backupRun.runId, runId)).returning().get();
    },

    /** A scheduled time that passed while Berth was not running. */
    recordMissed(backupId: string, scheduledFor: string, error: string): BackupRunRow {
      const at = now();
      const row: BackupRunRow = { runId: newId(), backupId, trigger: 'schedule', status: 'missed', scheduledFor, file: null, sizeBytes: null, error, warning: null, startedAt: at, finishedAt: at };
      db.insert(backupRun).values(row).run();
      return row;
    },

    /** Newest first. */
    runs: (backupId: string, limit = 20): BackupRunRow[] =>
      db.select().from(backupRun).where(eq(backupRun.backupId, backupId)).orderBy(desc(backupRun.startedAt), desc(sql`rowid`)).limit(limit).all(),

    isRunning: (backupId: string): boolean => !!db.select({ runId: backupRun.runId }).from(backupRun).where(and(eq(backupRun.backupId, backupId), eq(backupRun.status, 'running'))).get(),

    /** The latest scheduled time that was run or reported missed. */
    lastScheduledFor(backupId: string): string | null {
      const row = db
        .select({ at: sql<string | null>`max(${backupRun.scheduledFor})` })
        .from(backupRun)
        .where(eq(backupRun.backupId, backupId))
        .get();
      return row?.at ?? null;
    },

    /** Runs a stop cut short end `error`: no run stays `running` with nothing behind it. */
    endInterrupted(): number {
      return db.update(backupRun).set({ status: 'error', error: 'interrupted: Berth stopped during the run', finishedAt: now() }).where(eq(backupRun.status, 'running')).run().changes;
    },
  };
}
