// The server's own backup on the real engine: a Berth with a deployed application (prebuilt
// image from the test registry, env secrets, a domain, a file mount, releases) is backed up
// through the API (encrypted, to a local folder), restored with `berth restore` into a fresh
// data directory, and a Berth started there has everything: projects, the application, its
// secrets decrypted, domains, releases; a redeploy of the restored application ends `done`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, execInService, pushTestImage, removeRunApplications, type Deployment } from './helpers/e2e.js';
import { runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();
const { registry } = testEnv;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-backup-restore-'));
const PASSPHRASE = `pass-${runId}`;

describe('backup, wipe, restore on the real engine', () => {
  let b: TestBerth;
  const { ok, settled } = deploymentClient(() => b);
  const appNames: string[] = [];
  const restoredDir = path.join(tmp, 'restored-data');

  before(async () => {
    b = await startTestBerth({ BERTH_DOCKER_CLI: testEnv.dockerCli, BERTH_BACKUP_PASSPHRASE: PASSPHRASE });
  });
  after(async () => {
    try {
      await removeRunApplications(ok, appNames);
    } finally {
      await b.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('the restored Berth has everything, and a redeploy of the restored application ends done', async () => {
    // --- the old server ---
    const image = await pushTestImage(tmp, 'berth-test/backup-restore', runId, `restored-${runId}`);
    const created = await ok('project.create', { name: `backup-${runId}`, env: `SHARED_SECRET=project-${runId}` });
    const app = await ok('application.create', { name: `kept-${runId}`, environmentId: created.environment.environmentId });
    appNames.push(app.appName);
    await ok('application.saveDockerProvider', { applicationId: app.applicationId, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
    await ok('application.saveEnvironment', { applicationId: app.applicationId, env: `API_TOKEN=app-${runId}\nFROM_PROJECT=\${{project.SHARED_SECRET}}` });
    await ok('domain.create', { applicationId: app.applicationId, host: `kept-${runId}.example.com`, port: 3000 });
    await ok('mounts.create', { type: 'file', filePath: 'conf/app.conf', content: `setting=${runId}\n`, mountPath: '/etc/app.conf', serviceId: app.applicationId });
    const first: Deployment = await settled(app.applicationId, (await ok('application.deploy', { applicationId: app.applicationId })).deploymentId);
    assert.equal(first.status, 'done', first.errorMessage ?? '');

    const folder = path.join(tmp, 'backups');
    fs.mkdirSync(folder);
    const dest = await ok('destination.create', { name: 'disk', provider: 'local', bucket: folder, accessKey: '', secretAccessKey: '', region: '', endpoint: '', additionalFlags: [] });
    const backup = await ok('backup.create', { schedule: '0 3 * * *', prefix: 'server', destinationId: dest.destinationId, database: 'berth', databaseType: 'web-server', keepLatestCount: 3 });
    assert.equal(await ok('backup.manualBackupWebServer', { backupId: backup.backupId }), true);
    const [run] = (await ok('backup.one', { backupId: backup.backupId })).runs;
    assert.equal(run.status, 'done', run.error);
    const archive = path.join(folder, run.file);
    assert.match(archive, /\.tar\.gz\.enc$/, 'BERTH_BACKUP_PASSPHRASE encrypts the archive');
    assert.ok(!fs.readFileSync(archive).includes(Buffer.from(`app-${runId}`)));

    // --- a fresh data directory: only what the archive holds ---
    const passFile = path.join(tmp, 'passphrase');
    fs.writeFileSync(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const restore = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'restore', archive, '--data-dir', restoredDir, '--passphrase-file', passFile], { cwd: root });
    assert.match(restore.stdout, /Restored the backup/);
    const oldDir = b.dataDir;
    await b.restart({ BERTH_DATA_DIR: restoredDir });
    fs.rmSync(oldDir, { recursive: true, force: true }); // the old server's disk is gone
    assert.deepEqual(
      fs.readdirSync(restoredDir).filter((f) => !f.startsWith('berth.db') && f !== 'berth.pid' && f !== 'logs').sort(),
      ['files', 'secret.key', 'traefik'],
    );

    // --- the restored server ---
    const project = await ok('project.one', { projectId: created.project.projectId });
    assert.equal(project.env, `SHARED_SECRET=project-${runId}`, 'project secrets decrypt with the restored key');
    const one = await ok('application.one', { applicationId: app.applicationId });
    assert.equal(one.env, `API_TOKEN=app-${runId}\nFROM_PROJECT=\${{project.SHARED_SECRET}}`);
    assert.equal(one.dockerImage, image);
    assert.deepEqual(one.domains.map((d: { host: string }) => d.host), [`kept-${runId}.example.com`]);
    assert.equal(one.mounts[0].content, `setting=${runId}\n`);
    assert.equal(fs.readFileSync(path.join(restoredDir, 'files', app.appName, 'conf', 'app.conf'), 'utf8'), `setting=${runId}\n`);
    const releases = await ok('deployment.allByType', { id: app.applicationId, type: 'application' });
    assert.ok(releases.some((d: Deployment & { rollback: unknown }) => d.deploymentId === first.deploymentId && d.status === 'done' && d.rollback), 'the release is kept as a rollback target');
    const restoredBackup = await ok('backup.one', { backupId: backup.backupId });
    assert.equal(restoredBackup.destination.bucket, folder);

    const redeploy: Deployment = await settled(app.applicationId, (await ok('application.redeploy', { applicationId: app.applicationId })).deploymentId);
    assert.equal(redeploy.status, 'done', redeploy.errorMessage ?? '');
    const env = await execInService(app.appName, ['env']);
    assert.match(env, new RegExp(`API_TOKEN=app-${runId}`), 'the redeployed service has the decrypted env');
    assert.match(env, new RegExp(`FROM_PROJECT=project-${runId}`));
    assert.equal((await execInService(app.appName, ['cat', '/etc/app.conf'])).trim(), `setting=${runId}`);
  });
});
