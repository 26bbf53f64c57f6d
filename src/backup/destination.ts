import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { LOCAL_PROVIDER } from '../model/backup.js';

/** Where archives go: a local folder or an S3-compatible bucket (one interface, one file each). */
export interface Destination {
  /** Uploads a local file as `key`. */
  put(key: string, file: string): Promise<void>;
  get(key: string): Promise<Readable>;
  /** The files and folders directly under `folder` ("" = the top), keys relative to the top. */
  list(folder: string): Promise<{ files: { key: string; size: number }[]; folders: string[] }>;
  remove(key: string): Promise<void>;
}

/** What a destination is made of (the stored row, the secret decrypted). */
export interface DestinationValues {
  provider: string | null;
  accessKey: string;
  secretAccessKey: string;
  bucket: string;
  region: string;
  endpoint: string;
}


/** `provider: "local"`: the folder in `bucket`; any other provider names an S3-compatible service. */
export async function openDestination(v: DestinationValues): Promise<Destination> {
  if (v.provider === LOCAL_PROVIDER) return new (await import('./local-folder.js')).LocalFolder(v.bucket);
  return new (await import('./s3.js')).S3Bucket(v);
}

/**
 * Writes a small object at the top of the destination, reads the listing and deletes it:
 * what a backup will do, so a destination that passes can take one. Throws with the
 * provider's words otherwise.
 */
export async function testDestination(d: Destination): Promise<void> {
  const key = `.berth-connection-test-${randomBytes(6).toString('hex')}`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-test-object-'));
  const file = path.join(dir, 'probe');
  try {
    await fs.writeFile(file, 'Berth checks that it can write here; this file is deleted at once.\n');
    await d.put(key, file);
    await d.remove(key);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
