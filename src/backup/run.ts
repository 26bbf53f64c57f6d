import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { normalizePrefix } from '../model/backup.js';
import type { BackupRow, BackupRunRow } from '../store/backups.js';
import type { Store } from '../store/index.js';
import { createArchive } from './archive.js';
import { openDestination } from './destination.js';
import type { BackupNotify } from './events.js';
import { archiveName, keyOf } from './naming.js';
import { keysToDelete } from './retention.js';

export interface RunDeps {
  dataDir: string;
  /** BERTH_BACKUP_PASSPHRASE: set, every archive is encrypted with it. */
  passphrase?: string;
  version: string;
  store: Store;
  notify?: BackupNotify;
  log: (line: string) => void;
}

/**
 * One run of a web-server backup: the archive, its upload to the backup's destination, then
 * retention (only after a successful upload, only Berth's archives in this backup's folder).
 * The run's record says how it ended; `notify` hears backup.done or backup.failed.
 */
export async function runBackup(deps: RunDeps, b: BackupRow, trigger: BackupRunRow['trigger'], scheduledFor: string | null = null): Promise<BackupRunRow> {
  const { store } = deps;
  const run = store.backups.startRun(b.backupId, trigger, scheduledFor);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-archive-'));
  try {
    const name = archiveName(new Date(), !!deps.passphrase);
    const file = path.join(tmp, name);
    const { sizeBytes } = await createArchive({ dataDir: deps.dataDir, out: file, passphrase: deps.passphrase, includeSecretKey: b.includeEncryptionKey, berthVersion: deps.version });
    const destination = await openDestination(store.destinations.get(b.destinationId));
    const folder = normalizePrefix(b.prefix);
    const key = keyOf(folder, name);
    await destination.put(key, file);

    let warning: string | null = null;
    try {
      const doomed = keysToDelete((await destination.list(folder)).files.map((f) => f.key), folder, b.keepLatestCount);
      for (const k of doomed) await destination.remove(k);
    } catch (err) {
      warning = `stored, but removing older archives failed: ${(err as Error).message}`;
      deps.log(`backup ${b.appName}: ${warning}`);
    }
    const done = store.backups.finishRun(run.runId, { status: 'done', file: key, sizeBytes, warning });
    deps.notify?.({ type: 'backup.done', backupId: b.backupId, destinationId: b.destinationId, file: key, sizeBytes, at: done.finishedAt! });
    return done;
  } catch (err) {
    const error = (err as Error).message;
    deps.log(`backup ${b.appName} failed: ${error}`);
    const failed = store.backups.finishRun(run.runId, { status: 'error', error });
    deps.notify?.({ type: 'backup.failed', backupId: b.backupId, destinationId: b.destinationId, error, at: failed.finishedAt! });
    return failed;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
