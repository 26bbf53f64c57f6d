import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBerth } from '../../src/berth.js';
import { loadConfig } from '../../src/config.js';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';

/**
 * The README's backup commands (section "Back up and move a server"), read from README.md and
 * run from the repository root as it says, while Berth runs and writes: `berth backup`, then
 * `berth restore` into a new directory, which must start a Berth of its own that answers the
 * same token with the same data, secrets decrypted.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

function backupBlock(): string {
  const start = README.indexOf('\n## Back up and move a server\n');
  assert.ok(start >= 0, 'README.md has no "## Back up and move a server" section');
  const section = README.slice(start, README.indexOf('\n## ', start + 1));
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(section)?.[1];
  assert.ok(block, 'no sh block in the backup section');
  return block;
}

describe('the README backup commands', () => {
  let b: TestBerth;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-backup-'));
  before(async () => {
    b = await startTestBerth();
  });
  after(async () => {
    await b.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a backup taken while Berth runs, restored into a new directory, starts another Berth with the same token, data and secrets', async () => {
    const created = (await b.call('project.create', { name: 'kept', env: 'DATABASE_PASSWORD=hunter2' })).body;
    const app = (await b.call('application.create', { name: 'web', environmentId: created.environment.environmentId })).body;
    assert.equal((await b.call('domain.create', { applicationId: app.applicationId, host: 'kept.example.com' })).status, 200);
    // writes go on while the backup is taken
    const writing = (async () => {
      for (let i = 0; i < 20; i++) await b.call('project.create', { name: `busy-${i}` });
    })();
    const backups = path.join(tmp, 'backups');
    const restored = path.join(tmp, 'data-restored');
    const block = backupBlock();
    assert.match(block, /backup --data-dir data\/ --to backups\//);
    assert.match(block, /restore backups\/berth-backup-\*\.tar\.gz --data-dir data-restored\//);
    // the reader's own paths in place of the README's; the CLI from its source (`npm run berth`
    // would first build dist/, which takes longer than this whole test)
    const script = block
      .replaceAll('data-restored/', `${restored}/`)
      .replaceAll('data/', `${b.dataDir}/`)
      .replaceAll('backups/', `${backups}/`)
      .replaceAll('npm run -s berth --', 'node --import tsx src/cli.ts');
    const copy = promisify(execFile)('bash', ['-c', `set -euo pipefail\n${script}`], { cwd: root, env: { ...process.env, BERTH_BACKUP_PASSPHRASE: '' } });
    const [{ stdout }] = await Promise.all([copy, writing]);
    assert.match(stdout, /Restored the backup/);
    assert.equal(fs.readdirSync(backups).length, 1);
    assert.ok(fs.existsSync(path.join(restored, 'traefik', 'dynamic', `${app.appName}.yml`)), 'the Traefik file was not restored');

    const moved = await startBerth(loadConfig({ BERTH_DATA_DIR: restored, BERTH_PORT: '0', BERTH_HOST: '127.0.0.1', BERTH_LOG_LEVEL: 'fatal', BERTH_EDGE: 'off' }), () => {});
    try {
      const one = await request(`${moved.url}/api/project.one?projectId=${created.project.projectId}`, { headers: { 'x-api-key': b.token } });
      assert.equal(one.status, 200, one.text);
      assert.equal(one.body.name, 'kept');
      assert.equal(one.body.env, 'DATABASE_PASSWORD=hunter2');
      // every write before the backup began is in it
      const apps = await request(`${moved.url}/api/application.one?applicationId=${app.applicationId}`, { headers: { 'x-api-key': b.token } });
      assert.equal(apps.body.domains[0].host, 'kept.example.com');
    } finally {
      await moved.close();
    }
  });
});
