import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { lockHolder, LOCK_FILE } from '../store/data-dir-lock.js';
import { knownMigrations } from '../store/migrations.js';
import { headOf } from './archive.js';
import { decryptingStream, isEncrypted } from './encryption.js';
import { describeFiles, exists } from './files.js';
import { fileProblems, MANIFEST, parseManifest, schemaRefusal, SECRET_KEY, type Manifest } from './manifest.js';

export interface RestoreOptions {
  archive: string;
  dataDir: string;
  passphrase?: string;
  berthVersion: string;
}

/** A restore that cannot go ahead, for a reason the operator can act on. */
export class RestoreRefused extends Error {}

/** Refuses a data directory that a Berth runs on, or that holds anything. */
async function assertFresh(dataDir: string): Promise<void> {
  const holder = lockHolder(dataDir);
  if (holder !== null) throw new RestoreRefused(`${dataDir} is in use by a running Berth (process ${holder}): stop it, and restore into a new, empty directory`);
  if (!(await exists(dataDir))) return;
  const stat = await fs.stat(dataDir);
  if (!stat.isDirectory()) throw new RestoreRefused(`${dataDir} exists and is not a directory`);
  const entries = await fs.readdir(dataDir);
  if (entries.length)
    throw new RestoreRefused(`${dataDir} is not empty (${entries.includes(LOCK_FILE) || entries.includes('berth.db') ? 'it holds Berth data' : `${entries.length} entries`}): restore only into a new or empty directory, never over data`);
}

/**
 * Restores an archive into a new data directory: unpacked (and decrypted) into a staging
 * folder beside it, checked against its manifest (schema this code knows, every file's
 * checksum, nothing extra), then moved into place in one rename. Anything that fails leaves
 * the target as it was.
 */
export async function restoreArchive(o: RestoreOptions): Promise<Manifest> {
  const dataDir = path.resolve(o.dataDir);
  await assertFresh(dataDir);
  const encrypted = isEncrypted(await headOf(o.archive));
  if (encrypted && !o.passphrase) throw new RestoreRefused('the archive is encrypted: give its passphrase (--passphrase-file FILE, or BERTH_BACKUP_PASSPHRASE)');

  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  const stage = path.join(path.dirname(dataDir), `.${path.basename(dataDir)}.restore-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(stage, { mode: 0o700 });
  try {
    const tar = await import('tar');
    const unpack = tar.x({
      cwd: stage,
      strict: true,
      // regular files and folders only: a link or device in an archive is never written
      filter: (_p, entry) => 'type' in entry && (entry.type === 'File' || entry.type === 'Directory'),
    });
    try {
      await pipeline([createReadStream(o.archive), ...(encrypted ? [decryptingStream(o.passphrase!)] : []), unpack as unknown as NodeJS.WritableStream]);
    } catch (err) {
      const message = (err as Error).message;
      throw new RestoreRefused(encrypted ? message : `cannot unpack the archive (not a Berth backup, or damaged): ${message}`);
    }
    const manifestFile = path.join(stage, MANIFEST);
    if (!(await exists(manifestFile))) throw new RestoreRefused('the archive has no manifest.json: not a Berth backup');
    const manifest = parseManifest(await fs.readFile(manifestFile, 'utf8'));
    const refusal = schemaRefusal(manifest.schema, knownMigrations(), o.berthVersion);
    if (refusal) throw new RestoreRefused(refusal);
    const problems = fileProblems(manifest, await describeFiles(stage, [MANIFEST]));
    if (problems.length) throw new RestoreRefused(`the archive does not match its manifest: ${problems.join('; ')}`);
    await fs.rm(manifestFile);
    if (manifest.includesSecretKey) await fs.chmod(path.join(stage, SECRET_KEY), 0o600);

    await assertFresh(dataDir); // again: nothing may have started there meanwhile
    // rename(2) replaces an empty directory and fails on a non-empty one: never over data
    await fs.rename(stage, dataDir);
    return manifest;
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}
