import { normalizePrefix } from '../model/backup.js';
import { badRequest, conflict } from '../model/errors.js';
import type { BackupRunRow } from '../store/backups.js';
import type { DestinationValues } from './destination.js';
import type { RunDeps } from './run.js';
import type { createScheduler } from './scheduler.js';

export type BackupsDeps = RunDeps;

/** What `backup.listBackupFiles` answers per entry (Dokploy's rclone lsjson shape). */
export interface BackupFile {
  Path: string;
  Name: string;
  Size: number;
  IsDir: boolean;
}

/**
 * The backup room's face to the server and the API. Loads nothing until used: with no
 * enabled backup, start() reads one query and sets no timer.
 */
export function createBackups(deps: BackupsDeps) {
  let scheduler: ReturnType<typeof createScheduler> | undefined;
  let stopped = false;
  const running = new Set<Promise<unknown>>();

  const run = async (backupId: string, trigger: BackupRunRow['trigger'], scheduledFor?: string) => {
    const { runBackup } = await import('./run.js');
    const b = deps.store.backups.get(backupId);
    const p = runBackup(deps, b, trigger, scheduledFor ?? null);
    running.add(p);
    try {
      return await p;
    } finally {
      running.delete(p);
    }
  };

  async function reschedule(): Promise<void> {
    if (stopped || (!scheduler && deps.store.backups.enabled().length === 0)) return;
    scheduler ??= (await import('./scheduler.js')).createScheduler({ store: deps.store, log: deps.log, run: (b, at) => run(b.backupId, 'schedule', at) });
    scheduler.sync();
  }

  return {
    /** Ends runs a stop cut short, reports scheduled times missed while down, sets the timers. */
    async start(): Promise<void> {
      const interrupted = deps.store.backups.endInterrupted();
      if (interrupted) deps.log(`${interrupted} backup run(s) were cut short by the last stop and are marked error`);
      if (deps.store.backups.enabled().length === 0) return;
      await reschedule();
      scheduler!.reportMissed();
    },

    /** After a backup is created, changed or removed. */
    reschedule,

    /** `backup.manualBackupWebServer`: runs now, resolves when it has ended (one run of a backup at a time). */
    async runNow(backupId: string): Promise<BackupRunRow> {
      deps.store.backups.get(backupId);
      if (deps.store.backups.isRunning(backupId)) throw conflict('This backup is running now: wait for it to end');
      return run(backupId, 'manual');
    },

    /** A cron pattern's problem (five fields, or six with seconds), or null. */
    async cronProblem(pattern: string): Promise<string | null> {
      return (await import('./scheduler.js')).cronProblem(pattern);
    },

    /** Writes and deletes a small object; 400 with the provider's words if that fails. */
    async testDestination(values: DestinationValues): Promise<void> {
      const { openDestination, testDestination } = await import('./destination.js');
      try {
        await testDestination(await openDestination(values));
      } catch (err) {
        throw badRequest(`Connection test failed: ${(err as Error).message}`);
      }
    },

    /** Dokploy's search: the text up to its last "/" is the folder listed (one level), the rest filters names (case-insensitive); at most 100. */
    async listFiles(values: DestinationValues, search: string): Promise<BackupFile[]> {
      const { openDestination } = await import('./destination.js');
      const cut = search.lastIndexOf('/');
      const folder = normalizePrefix(cut < 0 ? '' : search.slice(0, cut));
      const needle = search.slice(cut + 1).toLowerCase();
      let listing;
      try {
        listing = await (await openDestination(values)).list(folder);
      } catch (err) {
        throw badRequest(`Listing the destination failed: ${(err as Error).message}`);
      }
      const base = (key: string) => key.replace(/\/$/, '').split('/').at(-1)!;
      return [
        ...listing.folders.map((f) => ({ Path: f, Name: base(f), Size: 0, IsDir: true })),
        ...listing.files.map((f) => ({ Path: f.key, Name: base(f.key), Size: f.size, IsDir: false })),
      ]
        .filter((e) => e.Name.toLowerCase().includes(needle))
        .slice(0, 100);
    },

    /** Stops the timers and waits for runs under way. */
    async stop(): Promise<void> {
      stopped = true;
      scheduler?.stop();
      await Promise.allSettled(running);
    },
  };
}

export type Backups = ReturnType<typeof createBackups>;
