/**
 * The drop source: an uploaded .zip or .tar.gz (`application.dropDeployment`) extracted into
 * the job's directory. The whole archive is checked before anything is written
 * (`checkEntries`, pure): entries escaping the folder (`..`, absolute paths), links pointing
 * out of it or written through, devices and FIFOs, and an expanded size over the limit are
 * refused. A single top-level folder is stripped, as Dokploy does.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';
import type { Fetched, JobContext, Source } from '../types.js';

export interface ArchiveEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  /** What an `other` entry is (character device, FIFO, …), for the message. */
  kind?: string;
  size: number;
  /** Symlink target (relative to the link's folder) or hardlink target (relative to the archive root). */
  linkpath?: string;
}

export class ArchiveError extends Error {}

/** macOS resource forks zipped along with the files. */
const isJunk = (p: string) => p === '__MACOSX' || p.startsWith('__MACOSX/');

/** Path segments of an entry name; refuses what would land outside the folder. */
function segments(name: string, what = name): string[] {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\') || name.includes('\0')) {
    throw new ArchiveError(`archive entry "${what}" is an absolute path: refused`);
  }
  const parts = name.split('/').filter((s) => s && s !== '.');
  if (parts.includes('..')) throw new ArchiveError(`archive entry "${what}" escapes the extraction folder: refused`);
  return parts;
}

export interface ExtractionPlan {
  /** Strip the single top-level folder every entry is in. */
  strip: boolean;
  files: number;
  bytes: number;
}

/** Checks every entry of an archive before extraction (pure). */
export function checkEntries(all: ArchiveEntry[], maxBytes: number): ExtractionPlan {
  const entries = all.filter((e) => !isJunk(e.path.replace(/^\.\//, '')));
  const parsed = entries.map((e) => ({ e, parts: segments(e.path) }));
  const nonEmpty = parsed.filter((p) => p.parts.length);
  const top = nonEmpty[0]?.parts[0];
  const strip =
    top !== undefined &&
    nonEmpty.every((p) => p.parts[0] === top && (p.parts.length > 1 || p.e.type === 'dir')) &&
    nonEmpty.some((p) => p.parts.length > 1);

  const links = new Set<string>();
  let bytes = 0;
  let files = 0;
  for (const { e, parts: full } of nonEmpty) {
    const parts = strip ? full.slice(1) : full;
    if (!parts.length) continue;
    const rel = parts.join('/');
    for (let i = 1; i < parts.length; i++) {
      if (links.has(parts.slice(0, i).join('/'))) throw new ArchiveError(`archive entry "${e.path}" is written through a symbolic link: refused`);
    }
    switch (e.type) {
      case 'other':
        throw new ArchiveError(`archive entry "${e.path}" is a ${e.kind ?? 'special file'}: refused`);
      case 'symlink': {
        const target = e.linkpath ?? '';
        if (target.startsWith('/')) throw new ArchiveError(`symbolic link "${e.path}" points to an absolute path: refused`);
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target));
        if (resolved === '..' || resolved.startsWith('../')) throw new ArchiveError(`symbolic link "${e.path}" points outside the archive: refused`);
        links.add(rel);
        break;
      }
      case 'hardlink': {
        const target = segments(e.linkpath ?? '', `${e.path} → ${e.linkpath}`);
        if (!(strip ? target.slice(1) : target).length || (strip && target[0] !== top)) throw new ArchiveError(`hard link "${e.path}" points outside the archive: refused`);
        break;
      }
      case 'file':
        files++;
        bytes += e.size;
        if (bytes > maxBytes) throw new ArchiveError(`the archive expands to more than ${maxBytes} bytes: refused`);
        break;
    }
  }
  return { strip, files, bytes };
}

// --- tar (.tar.gz, .tar) ---------------------------------------------------------------

const TAR_TYPES: Record<string, ArchiveEntry['type']> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'dir',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

async function tarEntries(file: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  await tar.list({
    file,
    strict: true,
    onReadEntry: (e) => {
      const type = TAR_TYPES[e.type] ?? 'other';
      entries.push({ path: e.path, type, kind: e.type, size: e.size ?? 0, linkpath: e.linkpath });
    },
  });
  return entries;
}

const extractTar = (file: string, dest: string, plan: ExtractionPlan) =>
  tar.extract({ file, cwd: dest, strip: plan.strip ? 1 : 0, strict: true, preserveOwner: false, filter: (p) => !isJunk(p.replace(/^\.\//, '')) });

// --- zip ---------------------------------------------------------------------------------

const S_IFMT = 0o170000;
const ZIP_TYPES: Record<number, ArchiveEntry['type']> = { 0o100000: 'file', 0o040000: 'dir', 0o120000: 'symlink' };
const ZIP_KINDS: Record<number, string> = { 0o020000: 'character device', 0o060000: 'block device', 0o010000: 'FIFO', 0o140000: 'socket' };

/** Unix mode bits of a zip entry, when a Unix zip wrote it. */
const unixMode = (e: yauzl.Entry) => ((e.versionMadeBy >> 8) === 3 ? e.externalFileAttributes >>> 16 : 0);

function zipEntryOf(e: yauzl.Entry): ArchiveEntry {
  const fmt = unixMode(e) & S_IFMT;
  const type: ArchiveEntry['type'] = e.fileName.endsWith('/') ? 'dir' : fmt ? (ZIP_TYPES[fmt] ?? 'other') : 'file';
  return { path: e.fileName, type, kind: ZIP_KINDS[fmt], size: e.uncompressedSize };
}

const openZip = (file: string) =>
  new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip!))),
  );

const readStream = (zip: yauzl.ZipFile, e: yauzl.Entry) =>
  new Promise<NodeJS.ReadableStream>((resolve, reject) => zip.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s!))));

async function streamText(s: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Calls `fn` for every entry of a zip, one at a time. */
async function eachZipEntry(file: string, fn: (zip: yauzl.ZipFile, e: yauzl.Entry) => Promise<void>): Promise<void> {
  const zip = await openZip(file);
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => {
      zip.close();
      // yauzl checks names itself; say it the way the other refusals do.
      reject(/^(absolute path|invalid relative path)/.test(err.message) ? new ArchiveError(`archive entry ${err.message.replace(/^[^:]*: /, '"')}" escapes the extraction folder: refused`) : err);
    };
    zip.on('error', fail);
    zip.on('end', resolve);
    zip.on('entry', (e: yauzl.Entry) => fn(zip, e).then(() => zip.readEntry(), fail));
    zip.readEntry();
  });
}

async function zipEntries(file: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  await eachZipEntry(file, async (zip, e) => {
    const entry = zipEntryOf(e);
    if (entry.type === 'symlink') entry.linkpath = await streamText(await readStream(zip, e));
    entries.push(entry);
  });
  return entries;
}

async function extractZip(file: string, dest: string, plan: ExtractionPlan): Promise<void> {
  await eachZipEntry(file, async (zip, e) => {
    const entry = zipEntryOf(e);
    if (isJunk(entry.path)) return;
    const parts = segments(entry.path).slice(plan.strip ? 1 : 0);
    if (!parts.length) return;
    const target = path.join(dest, ...parts);
    if (entry.type === 'dir') return void (await fsp.mkdir(target, { recursive: true }));
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const stream = await readStream(zip, e);
    if (entry.type === 'symlink') return fsp.symlink(await streamText(stream), target);
    // 'wx': a second entry of the same name never writes through what the first made.
    await pipeline(stream, fs.createWriteStream(target, { flags: 'wx', mode: unixMode(e) & 0o777 || 0o644 }));
  });
}

// --- both ------------------------------------------------------------------------------------

async function formatOf(file: string): Promise<'zip' | 'tar'> {
  const fh = await fsp.open(file, 'r');
  try {
    const head = Buffer.alloc(262);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead >= 4 && head.readUInt32BE(0) === 0x504b0304) return 'zip';
    if (bytesRead >= 4 && head.readUInt32BE(0) === 0x504b0506) throw new ArchiveError('the archive is empty');
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar';
    if (bytesRead >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  } finally {
    await fh.close();
  }
  throw new ArchiveError('unsupported archive: upload a .zip or a .tar.gz');
}

/** Checks, then extracts `file` (zip or tar, gzipped or not) into `dest`. */
export async function extractArchive(file: string, dest: string, opts: { maxBytes: number }): Promise<ExtractionPlan> {
  const format = await formatOf(file);
  const plan = checkEntries(format === 'zip' ? await zipEntries(file) : await tarEntries(file), opts.maxBytes);
  await fsp.mkdir(dest, { recursive: true });
  await (format === 'zip' ? extractZip(file, dest, plan) : extractTar(file, dest, plan));
  return plan;
}

export interface DropOptions {
  /** Where the archive uploaded for this deployment is. */
  archive(ctx: JobContext): string | Promise<string>;
  /** Most bytes the archive may expand to. */
  maxBytes: number;
}

export class DropSource implements Source {
  constructor(private readonly opts: DropOptions) {}

  async fetch(ctx: JobContext): Promise<Fetched> {
    const dir = path.join(ctx.workDir, 'code');
    ctx.log.line('Extracting the uploaded archive');
    const plan = await extractArchive(await this.opts.archive(ctx), dir, { maxBytes: this.opts.maxBytes });
    ctx.log.line(`Extracted ${plan.files} files (${plan.bytes} bytes)${plan.strip ? ', without their top-level folder' : ''}`);
    return { kind: 'code', dir };
  }
}
