import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import Database from 'better-sqlite3';
import { lastAppliedMigration } from '../store/migrations.js';
import { nativeBinding } from '../store/native-binding.js';
import { encryptingStream } from './encryption.js';
import { copyTree, describeFiles, exists } from './files.js';
import { DATABASE, MANIFEST, SECRET_KEY, type Manifest } from './manifest.js';

/** Folders of the data directory that go into an archive besides the database and key (DESIGN §6). */
export const ARCHIVED_FOLDERS = [
  'traefik', // dynamic files (some edited by hand through the API) and acme/ (certificates)
  'files', // the applications' file mounts
  'uploads/latest', // each drop-source application's latest archive, which a redeploy builds
] as const;

export interface ArchiveOptions {
  dataDir: string;
  /** The file to write; it must not exist. */
  out: string;
  /** Set: the archive is encrypted with it. */
  passphrase?: string;
  includeSecretKey: boolean;
  berthVersion: string;
}

/**
 * Writes one archive of a data directory, also while Berth runs on it: the database through
 * SQLite's online backup (a consistent state, never a torn copy of a file being written), the
 * key, the folders above and `manifest.json` with every file's checksum, as a .tar.gz,
 * encrypted when a passphrase is given. Staged in a private temporary folder, removed after.
 */
export async function createArchive(o: ArchiveOptions): Promise<{ sizeBytes: number; manifest: Manifest }> {
  const source = path.join(o.dataDir, DATABASE);
  if (!(await exists(source))) throw new Error(`no Berth data in ${o.dataDir} (no ${DATABASE})`);
  const stage = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-backup-'));
  try {
    const db = new Database(source, { readonly: true, fileMustExist: true, nativeBinding });
    try {
      await db.backup(path.join(stage, DATABASE));
    } finally {
      db.close();
    }
    // one self-contained file: the copy leaves WAL mode (Berth turns it back on when it opens it)
    const copy = new Database(path.join(stage, DATABASE), { nativeBinding });
    let schema: Manifest['schema'];
    try {
      copy.pragma('journal_mode = DELETE');
      const m = lastAppliedMigration(copy);
      schema = { migration: m.tag, when: m.when };
    } finally {
      copy.close();
    }
    if (o.includeSecretKey) await fs.copyFile(path.join(o.dataDir, SECRET_KEY), path.join(stage, SECRET_KEY));
    for (const folder of ARCHIVED_FOLDERS) {
      const from = path.join(o.dataDir, folder);
      if (await exists(from)) await copyTree(from, path.join(stage, folder));
    }
    const files = await describeFiles(stage);
    const manifest: Manifest = {
      format: 'berth-backup',
      formatVersion: 1,
      berthVersion: o.berthVersion,
      schema,
      createdAt: new Date().toISOString(),
      includesSecretKey: o.includeSecretKey,
      files,
    };
    await fs.writeFile(path.join(stage, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');

    const tar = await import('tar');
    const packed = tar.c({ gzip: true, cwd: stage, portable: true }, [MANIFEST, ...files.map((f) => f.path)]);
    const encrypt: Transform[] = o.passphrase ? [await encryptingStream(o.passphrase)] : [];
    try {
      await pipeline([packed as unknown as NodeJS.ReadableStream, ...encrypt, createWriteStream(o.out, { flags: 'wx', mode: 0o600 })]);
    } catch (err) {
      await fs.rm(o.out, { force: true });
      throw err;
    }
    return { sizeBytes: (await fs.stat(o.out)).size, manifest };
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}

/** The first bytes of an archive file (to tell an encrypted one from a plain .tar.gz). */
export async function headOf(file: string, bytes = 64): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(file, { start: 0, end: bytes - 1 })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
