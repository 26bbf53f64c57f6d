import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ManifestFile } from './manifest.js';

/** sha256 (hex) of a file, streamed. */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `dir` (POSIX paths relative to it, sorted) with its size and sha256. */
export async function describeFiles(dir: string, skip: readonly string[] = []): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  for (const rel of (await fs.readdir(dir, { recursive: true })).map((p) => p.split(path.sep).join('/')).sort()) {
    if (skip.includes(rel)) continue;
    const full = path.join(dir, rel);
    const stat = await fs.lstat(full);
    if (stat.isFile()) out.push({ path: rel, size: stat.size, sha256: await sha256Of(full) });
  }
  return out;
}

/** Copies the regular files and folders of `from` to `to` (links, sockets and devices are left out). */
export async function copyTree(from: string, to: string): Promise<void> {
  await fs.cp(from, to, { recursive: true, preserveTimestamps: true, filter: async (src) => {
    const s = await fs.lstat(src);
    return s.isFile() || s.isDirectory();
  } });
}

export async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}
