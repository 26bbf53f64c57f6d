// The drop source: uploaded .zip and .tar.gz archives, built here in both formats, extracted
// into the job's folder with a single top-level folder stripped, and every attack refused
// before anything is written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { checkEntries, DropSource, extractArchive, type ArchiveEntry } from '../src/deploy/sources/drop.js';
import { appRow, filesUnder, run, testJob, writeTree } from './helpers/job.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-drop-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-${++n}-`));
const MB = 1024 * 1024;

/** A folder with `files` (path → content; `{ link }` makes a symlink). */
function tree(files: Record<string, string | { link: string }>): string {
  return writeTree(fresh('tree'), files);
}

/** `tar -czPf` (P: names kept as given, `..` and `/` included) of `members` of `dir`. */
async function targz(dir: string, members: string[], extra: string[] = []): Promise<string> {
  const file = path.join(fresh('archive'), 'upload.tar.gz');
  await run(['tar', '-czPf', file, '-C', dir, ...extra, '--', ...members]);
  return file;
}

interface ZipMember {
  name: string;
  data?: string;
  /** Unix mode with type bits (0o100644 file, 0o120777 symlink, 0o010644 FIFO, …). */
  mode?: number;
}

/** A stored (uncompressed) zip written byte by byte, so that any name and any Unix mode can be made. */
function zip(members: ZipMember[]): string {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const data = Buffer.from(m.data ?? '');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((m.mode ?? (m.name.endsWith('/') ? 0o040755 : 0o100644)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  const file = path.join(fresh('archive'), 'upload.zip');
  fs.writeFileSync(file, Buffer.concat([...locals, cd, end]));
  return file;
}

/** Extraction into a fresh folder must be refused with `message`, leaving nothing written. */
async function refused(file: string, message: RegExp, maxBytes = MB) {
  const dest = path.join(fresh('dest'), 'code');
  await assert.rejects(extractArchive(file, dest, { maxBytes }), message);
  assert.equal(fs.existsSync(dest), false, 'nothing extracted');
}

describe('archive checks (pure)', () => {
  const f = (p: string, size = 1): ArchiveEntry => ({ path: p, type: 'file', size });
  test('a single top-level folder is stripped; several top-level entries are kept as they are', () => {
    assert.equal(checkEntries([{ path: 'site/', type: 'dir', size: 0 }, f('site/index.html'), f('site/a/b.css')], MB).strip, true);
    assert.equal(checkEntries([f('index.html'), f('a/b.css')], MB).strip, false);
    assert.equal(checkEntries([f('site')], MB).strip, false, 'a lone file is not a folder');
    assert.equal(checkEntries([f('./site/index.html'), f('__MACOSX/site/._index.html')], MB).strip, true, 'macOS resource forks do not count');
  });

  test('escapes, absolute paths, links out or through, special files and size are refused', () => {
    assert.throws(() => checkEntries([f('a/../../x')], MB), /escapes the extraction folder/);
    assert.throws(() => checkEntries([f('/etc/cron.d/x')], MB), /is an absolute path/);
    assert.throws(() => checkEntries([f('C:/x')], MB), /is an absolute path/);
    assert.throws(() => checkEntries([{ path: 'l', type: 'symlink', size: 0, linkpath: '../x' }], MB), /points outside the archive/);
    assert.throws(() => checkEntries([{ path: 'l', type: 'symlink', size: 0, linkpath: '/etc' }], MB), /points to an absolute path/);
    // inside before stripping, outside after: top/l → .. would be the extraction folder's parent
    assert.throws(() => checkEntries([{ path: 'top/l', type: 'symlink', size: 0, linkpath: '..' }, f('top/x')], MB), /points outside the archive/);
    assert.throws(() => checkEntries([f('ok.txt'), { path: 'd/l', type: 'symlink', size: 0, linkpath: '..' }, f('d/l/x')], MB), /written through a symbolic link/);
    assert.throws(() => checkEntries([{ path: 'h', type: 'hardlink', size: 0, linkpath: '../x' }], MB), /escapes the extraction folder/);
    assert.throws(() => checkEntries([{ path: 'dev', type: 'other', kind: 'CharacterDevice', size: 0 }], MB), /is a CharacterDevice: refused/);
    assert.throws(() => checkEntries([f('a', 600), f('b', 600)], 1000), /expands to more than 1000 bytes/);
    assert.deepEqual(checkEntries([{ path: 'l', type: 'symlink', size: 0, linkpath: 'a/../b' }, f('b', 5)], MB), { strip: false, files: 1, bytes: 5 });
  });
});

describe('.tar.gz uploads', () => {
  test('extracted with the top-level folder stripped, symlinks inside kept, owners not taken from the archive', async () => {
    const src = tree({ 'site-1.0/index.html': '<h1>drop</h1>', 'site-1.0/css/app.css': 'body{}', 'site-1.0/home.html': { link: 'index.html' } });
    await run(['chown', '-R', '12345:12345', src]);
    const dest = path.join(fresh('dest'), 'code');
    const plan = await extractArchive(await targz(src, ['site-1.0']), dest, { maxBytes: MB });
    assert.deepEqual(plan, { strip: true, files: 2, bytes: 19 });
    assert.deepEqual(filesUnder(dest), ['css/app.css', 'home.html', 'index.html']);
    assert.equal(fs.readlinkSync(path.join(dest, 'home.html')), 'index.html');
    assert.equal(fs.statSync(path.join(dest, 'index.html')).uid, process.getuid!());
  });

  test('an archive of several top-level entries is extracted as it is', async () => {
    const src = tree({ 'index.html': 'x', 'app/main.js': 'y' });
    const dest = path.join(fresh('dest'), 'code');
    assert.equal((await extractArchive(await targz(src, ['index.html', 'app']), dest, { maxBytes: MB })).strip, false);
    assert.deepEqual(filesUnder(dest), ['app/main.js', 'index.html']);
  });

  test('each attack is refused before anything is written', async () => {
    const src = tree({ 'evil.txt': 'pwned', 'ok.txt': 'ok', 'd/l/x': 'through' });
    await refused(await targz(src, ['evil.txt'], ['--transform', 's,^,../,']), /"\.\.\/evil\.txt" escapes the extraction folder/);
    await refused(await targz(src, [path.join(src, 'evil.txt')]), /is an absolute path: refused/);
    const links = tree({ 'ok.txt': 'ok', out: { link: '../../etc/passwd' }, abs: { link: '/etc/passwd' } });
    await refused(await targz(links, ['ok.txt', 'out']), /symbolic link "out" points outside the archive/);
    await refused(await targz(links, ['ok.txt', 'abs']), /symbolic link "abs" points to an absolute path/);
    // d/l is a symlink to "..", then d/l/x is written through it
    const through = tree({ 'd/l': { link: '..' } });
    const file = path.join(fresh('archive'), 'upload.tar.gz');
    await run(['tar', '-czf', file, '-C', src, 'ok.txt', '-C', through, 'd/l', '-C', src, 'd/l/x']);
    await refused(file, /"d\/l\/x" is written through a symbolic link/);
    // a hard link whose target is outside
    const hard = tree({ a: 'a' });
    fs.linkSync(path.join(hard, 'a'), path.join(hard, 'b'));
    await refused(await targz(hard, ['a', 'b'], ['--transform', 's,^a$,../outside,RSh']), /"b → \.\.\/outside" escapes the extraction folder/);
    const fifo = fresh('fifo');
    await run(['mkfifo', path.join(fifo, 'pipe')]);
    await refused(await targz(fifo, ['pipe']), /"pipe" is a FIFO: refused/);
    await refused(await targz(tree({ big: 'x'.repeat(2000) }), ['big']), /expands to more than 1000 bytes/, 1000);
  });

  test('something that is neither a zip nor a tar archive is refused', async () => {
    const file = path.join(fresh('archive'), 'upload.bin');
    fs.writeFileSync(file, 'just text, not an archive');
    await refused(file, /unsupported archive: upload a \.zip or a \.tar\.gz/);
  });
});

describe('.zip uploads', () => {
  test('extracted with the top-level folder stripped, Unix modes and symlinks kept, __MACOSX skipped', async () => {
    const dest = path.join(fresh('dest'), 'code');
    const plan = await extractArchive(
      zip([
        { name: 'site/' },
        { name: 'site/index.html', data: '<h1>zip</h1>' },
        { name: 'site/bin/run.sh', data: '#!/bin/sh\n', mode: 0o100755 },
        { name: 'site/latest', data: 'index.html', mode: 0o120777 },
        { name: '__MACOSX/site/._index.html', data: 'junk' },
      ]),
      dest,
      { maxBytes: MB },
    );
    assert.deepEqual(plan, { strip: true, files: 2, bytes: 22 });
    assert.deepEqual(filesUnder(dest), ['bin/run.sh', 'index.html', 'latest']);
    assert.equal(fs.readFileSync(path.join(dest, 'index.html'), 'utf8'), '<h1>zip</h1>');
    assert.equal(fs.statSync(path.join(dest, 'bin/run.sh')).mode & 0o777, 0o755);
    assert.equal(fs.readlinkSync(path.join(dest, 'latest')), 'index.html');
  });

  test('each attack is refused before anything is written', async () => {
    await refused(zip([{ name: 'ok.txt', data: 'ok' }, { name: '../evil.txt', data: 'x' }]), /"\.\.\/evil\.txt" escapes the extraction folder/);
    await refused(zip([{ name: '/etc/evil', data: 'x' }]), /"\/etc\/evil" escapes the extraction folder/);
    await refused(zip([{ name: 'ok.txt', data: 'ok' }, { name: 'link', data: '../../../etc/passwd', mode: 0o120777 }]), /symbolic link "link" points outside the archive/);
    await refused(zip([{ name: 'link', data: '/etc/passwd', mode: 0o120777 }]), /points to an absolute path/);
    await refused(zip([{ name: 'ok.txt', data: 'ok' }, { name: 'd/l', data: '..', mode: 0o120777 }, { name: 'd/l/x', data: 'x' }]), /written through a symbolic link/);
    await refused(zip([{ name: 'dev', mode: 0o020644 }]), /"dev" is a character device: refused/);
    await refused(zip([{ name: 'big', data: 'x'.repeat(2000) }]), /expands to more than 1000 bytes/, 1000);
  });
});

describe('drop source', () => {
  test("a job extracts its deployment's upload into its own folder", async () => {
    const archive = zip([{ name: 'app/Dockerfile', data: 'FROM busybox:latest\n' }, { name: 'app/index.html', data: 'hi' }]);
    const job = testJob(appRow({ sourceType: 'drop', dropBuildPath: null }));
    try {
      const fetched = await new DropSource({ archive: (ctx) => (assert.equal(ctx, job.ctx), archive), maxBytes: MB }).fetch(job.ctx);
      assert.deepEqual(fetched, { kind: 'code', dir: path.join(job.ctx.workDir, 'code') });
      assert.deepEqual(filesUnder(path.join(job.ctx.workDir, 'code')), ['Dockerfile', 'index.html']);
      assert.match(job.logText(), /Extracted 2 files \(22 bytes\), without their top-level folder/);
    } finally {
      job.cleanup();
    }
  });
});
