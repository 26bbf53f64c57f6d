import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Destination } from './destination.js';

/** A folder on this machine (another disk, a mounted NAS): keys are paths under it. */
export class LocalFolder implements Destination {
  constructor(private readonly root: string) {}

  /** The file of a key; a key that would climb out of the folder is refused. */
  private fileOf(key: string): string {
    const file = path.resolve(this.root, key);
    if (!file.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`"${key}" is outside the destination folder`);
    return file;
  }

  private async assertRoot(): Promise<void> {
    const stat = await fs.stat(this.root).catch(() => null);
    if (!stat?.isDirectory()) throw new Error(`the destination folder ${this.root} does not exist (create it, or mount the disk)`);
  }

  async put(key: string, file: string): Promise<void> {
    await this.assertRoot();
    const to = this.fileOf(key);
    await fs.mkdir(path.dirname(to), { recursive: true });
    // a partial copy never carries the final name
    const partial = `${to}.partial`;
    await fs.copyFile(file, partial);
    await fs.rename(partial, to);
  }

  async get(key: string): Promise<Readable> {
    const file = this.fileOf(key);
    await fs.access(file);
    return createReadStream(file);
  }

  async list(folder: string) {
    await this.assertRoot();
    const dir = folder ? this.fileOf(folder) : path.resolve(this.root);
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const rel = (name: string) => (folder ? `${folder.replace(/\/+$/, '')}/${name}` : name);
    const files: { key: string; size: number }[] = [];
    const folders: string[] = [];
    for (const e of entries) {
      if (e.isDirectory()) folders.push(`${rel(e.name)}/`);
      else if (e.isFile() && !e.name.endsWith('.partial')) files.push({ key: rel(e.name), size: (await fs.stat(path.join(dir, e.name))).size });
    }
    return { files, folders };
  }

  async remove(key: string): Promise<void> {
    await fs.rm(this.fileOf(key));
  }
}
