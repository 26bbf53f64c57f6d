// destination.* and backup.* over HTTP on a real Berth (SQLite) with a real S3 server
// (s3rver) and local folders: secrets masked and encrypted at rest, connection tests that
// really write, manual and scheduled backups with retention, missed runs, and the restore's
// refusals (encrypted without passphrase, newer schema, data directory in use or not empty).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BackupEvent } from '../../src/backup/events.js';
import { createBackups } from '../../src/backup/index.js';
import { archiveTime } from '../../src/backup/naming.js';
import { restoreArchive } from '../../src/backup/restore.js';
import { plaintextIn } from '../helpers/at-rest.js';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';
import { startS3 } from '../helpers/s3.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-backup-api-'));
const cli = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), ...args], { cwd: root, env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('backups over the API', () => {
  let b: TestBerth;
  let s3: Awaited<ReturnType<typeof startS3>>;
  const s3Destination = () => ({ name: 's3', provider: 'Minio', accessKey: s3.accessKey, secretAccessKey: s3.secretAccessKey, bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint, additionalFlags: [] });
  const ok = async (proc: string, input: Record<string, unknown> = {}) => {
    const r = await b.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };

  before(async () => {
    s3 = await startS3();
    b = await startTestBerth();
  });
  after(async () => {
    await b.close();
    await s3.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('an S3 destination: secret masked in every answer and encrypted at rest; the mask sent back keeps it', async () => {
    const created = await ok('destination.create', s3Destination());
    assert.equal(created.secretAccessKey, '********');
    assert.equal((await ok('destination.one', { destinationId: created.destinationId })).secretAccessKey, '********');
    assert.ok((await ok('destination.all')).every((d: { secretAccessKey: string }) => d.secretAccessKey === '********'));
    const updated = await ok('destination.update', { ...s3Destination(), destinationId: created.destinationId, name: 'renamed', secretAccessKey: '********' });
    assert.equal(updated.name, 'renamed');
    assert.equal(b.store.destinations.get(created.destinationId).secretAccessKey, s3.secretAccessKey);
    // s3rver's key is a word that appears elsewhere; check with a distinctive one
    const other = await ok('destination.create', { ...s3Destination(), secretAccessKey: 'dest-secret-d41d8cd98f' });
    assert.deepEqual(plaintextIn(b.dataDir, ['dest-secret-d41d8cd98f']), []);
    await ok('destination.remove', { destinationId: other.destinationId });
  });

  test('bad destinations are 400s naming the field, and nothing is stored', async () => {
    const before = (await ok('destination.all')).length;
    for (const [input, field] of [
      [{ ...s3Destination(), bucket: 'Not A Bucket' }, 'bucket'],
      [{ ...s3Destination(), endpoint: 'ftp://x y' }, 'endpoint'],
      [{ ...s3Destination(), secretAccessKey: '' }, 'secretAccessKey'],
      [{ ...s3Destination(), provider: 'local', bucket: 'relative/folder' }, 'bucket'],
      [{ ...s3Destination(), additionalFlags: ['; rm -rf /'] }, 'additionalFlags'],
    ] as const) {
      const r = await b.call('destination.create', input);
      assert.equal(r.status, 400, r.text);
      assert.ok(r.body.error.issues.some((i: { path: string[] }) => i.path[0] === field), r.text);
    }
    assert.equal((await ok('destination.all')).length, before);
  });

  test('testConnection writes and deletes an object; a failure is a 400 in the provider\'s words', async () => {
    assert.equal(await ok('destination.testConnection', s3Destination()), true);
    assert.deepEqual(await s3.keys(), [], 'the test object is deleted');
    const noBucket = await b.call('destination.testConnection', { ...s3Destination(), bucket: 'missing-bucket' });
    assert.equal(noBucket.status, 400);
    assert.match(noBucket.body.message, /NoSuchBucket/);
    // s3rver does not check SigV4 signatures (its source says so); it does check the key id
    const badKey = await b.call('destination.testConnection', { ...s3Destination(), accessKey: 'NOBODY' });
    assert.equal(badKey.status, 400);
    assert.match(badKey.body.message, /InvalidAccessKeyId: The AWS Access Key Id you provided does not exist/);
    assert.ok(!badKey.text.includes(s3.secretAccessKey), 'the secret is not echoed');
    const down = await b.call('destination.testConnection', { ...s3Destination(), endpoint: 'http://127.0.0.1:1' });
    assert.equal(down.status, 400);
    assert.match(down.body.message, /cannot reach http:\/\/127\.0\.0\.1:1/);
    const folder = path.join(tmp, 'probe');
    fs.mkdirSync(folder);
    assert.equal(await ok('destination.testConnection', { ...s3Destination(), provider: 'local', bucket: folder }), true);
    assert.deepEqual(fs.readdirSync(folder), []);
    const missing = await b.call('destination.testConnection', { ...s3Destination(), provider: 'local', bucket: path.join(tmp, 'nowhere') });
    assert.equal(missing.status, 400);
    assert.match(missing.body.message, /does not exist/);
  });

  test('only web-server backups exist; a bad cron is a 400 on schedule', async () => {
    const dest = await ok('destination.create', { ...s3Destination(), name: 'for-refusals' });
    const base = { schedule: '0 3 * * *', prefix: 'x', destinationId: dest.destinationId, database: 'berth', databaseType: 'web-server' };
    const pg = await b.call('backup.create', { ...base, databaseType: 'postgres', postgresId: 'p1' });
    assert.equal(pg.status, 400);
    assert.match(pg.body.message, /Berth runs no databases/);
    const cron = await b.call('backup.create', { ...base, schedule: 'every night' });
    assert.equal(cron.status, 400);
    assert.deepEqual(cron.body.error.issues.map((i: { path: string[] }) => i.path[0]), ['schedule']);
    assert.equal((await b.call('backup.create', { ...base, prefix: '../up' })).status, 400);
    assert.equal((await b.call('backup.create', { ...base, destinationId: 'nope' })).status, 404);
    await ok('destination.remove', { destinationId: dest.destinationId });
  });

  test('a manual backup to a local folder: the archive is there, the run recorded, retention keeps N; the destination cannot be removed while used', async () => {
    const folder = path.join(tmp, 'local-dest');
    fs.mkdirSync(folder);
    const dest = await ok('destination.create', { name: 'disk', provider: 'local', bucket: folder, accessKey: '', secretAccessKey: '', region: '', endpoint: '', additionalFlags: null });
    const backup = await ok('backup.create', { schedule: '0 3 * * *', prefix: '/manual/', destinationId: dest.destinationId, database: 'berth', databaseType: 'web-server', keepLatestCount: 2, enabled: false });
    fs.mkdirSync(path.join(folder, 'manual'));
    fs.writeFileSync(path.join(folder, 'manual', 'notes.txt'), 'not an archive');
    for (let i = 0; i < 3; i++) assert.equal(await ok('backup.manualBackupWebServer', { backupId: backup.backupId }), true);
    const files = fs.readdirSync(path.join(folder, 'manual')).sort();
    assert.equal(files.filter((f) => archiveTime(f)).length, 2, files.join());
    assert.ok(files.includes('notes.txt'), 'another file in the folder is never deleted');
    const one = await ok('backup.one', { backupId: backup.backupId });
    assert.equal(one.runs.length, 3);
    assert.ok(one.runs.every((r: { status: string; trigger: string; sizeBytes: number }) => r.status === 'done' && r.trigger === 'manual' && r.sizeBytes > 0));
    assert.equal(one.runs[0].file, `manual/${files.filter((f) => archiveTime(f)).at(-1)}`);
    assert.equal(one.destination.secretAccessKey, '');

    const listed = await ok('backup.listBackupFiles', { destinationId: dest.destinationId, search: 'manual/BERTH-backup' });
    assert.deepEqual(listed.map((f: { Path: string }) => f.Path).sort(), files.filter((f) => archiveTime(f)).map((f) => `manual/${f}`));
    assert.deepEqual((await ok('backup.listBackupFiles', { destinationId: dest.destinationId, search: '' })).map((f: { Path: string; IsDir: boolean }) => [f.Path, f.IsDir]), [['manual/', true]]);

    const removing = await b.call('destination.remove', { destinationId: dest.destinationId });
    assert.equal(removing.status, 409);
    assert.match(removing.body.message, new RegExp(backup.appName));
    const clash = await b.call('backup.create', { schedule: '0 3 * * *', prefix: 'manual', destinationId: dest.destinationId, database: 'berth', databaseType: 'web-server' });
    assert.equal(clash.status, 409, 'two backups never share a folder (and its retention)');
    await ok('backup.remove', { backupId: backup.backupId });
    await ok('destination.remove', { destinationId: dest.destinationId });
  });

  test('notify hears backup.done with the file and size, and backup.failed with the reason', async () => {
    const folder = path.join(tmp, 'notified');
    fs.mkdirSync(folder);
    const dest = await ok('destination.create', { name: 'notified', provider: 'local', bucket: folder, accessKey: '', secretAccessKey: '', region: '', endpoint: '', additionalFlags: [] });
    const backup = await ok('backup.create', { schedule: '0 3 * * *', prefix: 'n', destinationId: dest.destinationId, database: 'berth', databaseType: 'web-server' });
    const events: BackupEvent[] = [];
    const backups = createBackups({ dataDir: b.dataDir, version: '0.1.0', store: b.store, log: () => {}, notify: (e) => events.push(e) });
    const done = await backups.runNow(backup.backupId);
    fs.rmSync(folder, { recursive: true }); // the disk is gone
    const failed = await backups.runNow(backup.backupId);
    assert.deepEqual(events, [
      { type: 'backup.done', backupId: backup.backupId, destinationId: dest.destinationId, file: done.file, sizeBytes: done.sizeBytes, at: done.finishedAt },
      { type: 'backup.failed', backupId: backup.backupId, destinationId: dest.destinationId, error: `the destination folder ${folder} does not exist (create it, or mount the disk)`, at: failed.finishedAt },
    ]);
    await ok('backup.remove', { backupId: backup.backupId });
    await ok('destination.remove', { destinationId: dest.destinationId });
  });

  test('a failed run is recorded with the provider\'s words and answered 400', async () => {
    const dest = await ok('destination.create', { ...s3Destination(), name: 'gone', bucket: 'no-such-bucket' });
    const backup = await ok('backup.create', { schedule: '0 3 * * *', prefix: 'f', destinationId: dest.destinationId, database: 'berth', databaseType: 'web-server' });
    const r = await b.call('backup.manualBackupWebServer', { backupId: backup.backupId });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /NoSuchBucket/);
    const [run] = (await ok('backup.one', { backupId: backup.backupId })).runs;
    assert.equal(run.status, 'error');
    assert.match(run.error, /NoSuchBucket/);
    await ok('backup.remove', { backupId: backup.backupId });
    await ok('destination.remove', { destinationId: dest.destinationId });
  });

  test('a scheduled backup (every second) keeps exactly N archives in S3, and stops when disabled', async () => {
    const dest = await ok('destination.create', s3Destination());
    const backup = await ok('backup.create', { schedule: '* * * * * *', prefix: 'nightly', destinationId: dest.destinationId, database: 'berth', databaseType: 'web-server', keepLatestCount: 2, enabled: true });
    const deadline = Date.now() + 60_000;
    const doneRuns = async () => (await ok('backup.one', { backupId: backup.backupId })).runs.filter((r: { status: string }) => r.status === 'done');
    while ((await doneRuns()).length < 4) {
      assert.ok(Date.now() < deadline, 'four scheduled runs within a minute');
      await sleep(200);
    }
    await ok('backup.update', { backupId: backup.backupId, enabled: false });
    await sleep(1500); // a run under way when disabled ends
    const keys = await s3.keys('nightly/');
    assert.equal(keys.length, 2, keys.join());
    const runs = (await ok('backup.one', { backupId: backup.backupId })).runs;
    assert.ok(runs.every((r: { trigger: string; scheduledFor: string | null }) => r.trigger === 'schedule' && r.scheduledFor), 'scheduled runs say when they were due');
    const newest = runs.filter((r: { status: string }) => r.status === 'done').slice(0, 2).map((r: { file: string }) => r.file).sort();
    assert.deepEqual(keys, newest, 'the two kept are the two newest');
    const count = (await doneRuns()).length;
    await sleep(2000);
    assert.equal((await doneRuns()).length, count, 'no run after disabling');
    await ok('backup.remove', { backupId: backup.backupId });
  });

  test('a scheduled time missed while Berth was stopped is recorded and logged, not dropped', async () => {
    const dest = await ok('destination.create', { ...s3Destination(), name: 'missed' });
    const backup = await ok('backup.create', { schedule: '0 3 * * *', prefix: 'missed', destinationId: dest.destinationId, database: 'berth', databaseType: 'web-server', enabled: true });
    // Berth was down for two days: the schedule took effect then
    b.store.db.$client.prepare('UPDATE backup SET scheduledSince = ? WHERE backupId = ?').run(new Date(Date.now() - 2 * 86_400_000).toISOString(), backup.backupId);
    await b.restart();
    const [missed] = (await ok('backup.one', { backupId: backup.backupId })).runs;
    assert.equal(missed.status, 'missed');
    assert.match(missed.error, /missed 2 runs due from .* Berth was not running/);
    // reported once: another restart finds nothing new
    await b.restart();
    assert.equal((await ok('backup.one', { backupId: backup.backupId })).runs.length, 1);
    await ok('backup.remove', { backupId: backup.backupId });
  });

  test('an encrypted archive (BERTH_BACKUP_PASSPHRASE) is refused without or with a wrong passphrase, restored with the right one', async () => {
    const to = path.join(tmp, 'cli-enc');
    const made = await cli(['backup', '--data-dir', b.dataDir, '--to', to], { BERTH_BACKUP_PASSPHRASE: 'open sesame' });
    assert.equal(made.code, 0, made.stderr);
    const [archive] = fs.readdirSync(to);
    assert.match(archive, /\.tar\.gz\.enc$/);
    const file = path.join(to, archive);
    const without = await cli(['restore', file, '--data-dir', path.join(tmp, 'r-enc')], { BERTH_BACKUP_PASSPHRASE: '' });
    assert.equal(without.code, 1);
    assert.match(without.stderr, /the archive is encrypted: give its passphrase/);
    const passFile = path.join(tmp, 'pass');
    fs.writeFileSync(passFile, 'not it\n');
    const wrong = await cli(['restore', file, '--data-dir', path.join(tmp, 'r-enc'), '--passphrase-file', passFile], { BERTH_BACKUP_PASSPHRASE: '' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /wrong passphrase/);
    assert.ok(!fs.existsSync(path.join(tmp, 'r-enc')), 'a refused restore writes nothing');
    fs.writeFileSync(passFile, 'open sesame\n');
    const right = await cli(['restore', file, '--data-dir', path.join(tmp, 'r-enc'), '--passphrase-file', passFile], { BERTH_BACKUP_PASSPHRASE: '' });
    assert.equal(right.code, 0, right.stderr);
    const restored = fs.readdirSync(path.join(tmp, 'r-enc'));
    assert.ok(restored.includes('berth.db') && restored.includes('secret.key'), restored.join());
    assert.deepEqual(fs.readFileSync(path.join(tmp, 'r-enc', 'secret.key')), fs.readFileSync(path.join(b.dataDir, 'secret.key')));
    assert.equal(fs.statSync(path.join(tmp, 'r-enc', 'secret.key')).mode & 0o777, 0o600);
  });

  test('the CLI backs up to S3 (credentials from the AWS variables) and restores from there', async () => {
    const env = { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_ENDPOINT_URL: s3.endpoint, BERTH_BACKUP_PASSPHRASE: '' };
    const made = await cli(['backup', '--data-dir', b.dataDir, '--to', `s3://${s3.bucket}/cli`], env);
    assert.equal(made.code, 0, made.stderr);
    const [key] = await s3.keys('cli/');
    assert.match(made.stdout, new RegExp(`s3://${s3.bucket}/${key}`));
    const restored = await cli(['restore', `s3://${s3.bucket}/${key}`, '--data-dir', path.join(tmp, 'r-s3')], env);
    assert.equal(restored.code, 0, restored.stderr);
    assert.ok(fs.existsSync(path.join(tmp, 'r-s3', 'berth.db')));
  });

  test('an archive without the key (--no-secret-key) restores the rest and says the old key must be put back', async () => {
    const to = path.join(tmp, 'cli-nokey');
    assert.equal((await cli(['backup', '--data-dir', b.dataDir, '--to', to, '--no-secret-key'], { BERTH_BACKUP_PASSPHRASE: '' })).code, 0);
    const restored = await cli(['restore', path.join(to, fs.readdirSync(to)[0]), '--data-dir', path.join(tmp, 'r-nokey')], { BERTH_BACKUP_PASSPHRASE: '' });
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /holds no secret\.key: copy the old server's secret\.key/);
    assert.ok(fs.existsSync(path.join(tmp, 'r-nokey', 'berth.db')) && !fs.existsSync(path.join(tmp, 'r-nokey', 'secret.key')));
  });

  test('restore refuses a data directory in use or not empty, and an archive of a newer schema', async () => {
    const to = path.join(tmp, 'cli-plain');
    assert.equal((await cli(['backup', '--data-dir', b.dataDir, '--to', to], { BERTH_BACKUP_PASSPHRASE: '' })).code, 0);
    const file = path.join(to, fs.readdirSync(to)[0]);
    const inUse = await cli(['restore', file, '--data-dir', b.dataDir]);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /is in use by a running Berth \(process \d+\)/);
    // an empty directory whose lock a live process holds is in use too
    const locked = path.join(tmp, 'locked');
    fs.mkdirSync(locked);
    fs.writeFileSync(path.join(locked, 'berth.pid'), `${process.pid}\n`);
    const held = await cli(['restore', file, '--data-dir', locked]);
    assert.match(held.stderr, /in use by a running Berth/);
    const full = path.join(tmp, 'full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
    const notEmpty = await cli(['restore', file, '--data-dir', full]);
    assert.match(notEmpty.stderr, /is not empty/);
    assert.deepEqual(fs.readdirSync(full), ['keep.txt']);

    // the same archive with a manifest that names a migration from the future
    const unpacked = path.join(tmp, 'unpacked');
    fs.mkdirSync(unpacked);
    const tar = await import('tar');
    await tar.x({ file, cwd: unpacked });
    const manifest = JSON.parse(fs.readFileSync(path.join(unpacked, 'manifest.json'), 'utf8'));
    manifest.schema = { migration: '9999_from_the_future', when: manifest.schema.when + 1 };
    fs.writeFileSync(path.join(unpacked, 'manifest.json'), JSON.stringify(manifest));
    const future = path.join(tmp, 'future.tar.gz');
    await tar.c({ gzip: true, cwd: unpacked, file: future }, fs.readdirSync(unpacked));
    await assert.rejects(restoreArchive({ archive: future, dataDir: path.join(tmp, 'r-future'), berthVersion: '0.1.0' }), /migration 9999_from_the_future\) is newer than this Berth 0\.1\.0 knows/);
    assert.ok(!fs.existsSync(path.join(tmp, 'r-future')));

    // and one whose database was changed after the manifest was written (the original manifest back)
    await tar.x({ file, cwd: unpacked, filter: (p) => p === 'manifest.json' });
    fs.appendFileSync(path.join(unpacked, 'berth.db'), 'x');
    const altered = path.join(tmp, 'altered.tar.gz');
    await tar.c({ gzip: true, cwd: unpacked, file: altered }, fs.readdirSync(unpacked));
    await assert.rejects(restoreArchive({ archive: altered, dataDir: path.join(tmp, 'r-altered'), berthVersion: '0.1.0' }), /berth\.db does not match its checksum/);
  });
});
