// application.unhealthy on the real engine: a deployed application whose task is killed for
// memory, seen by the notifier's periodic health check (a local receiver stands in for a
// custom webhook).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, pushTestImage, removeRunApplications } from './helpers/e2e.js';
import { runId } from './helpers/job.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { readTestEnv } from './helpers/test-env.js';
import { until } from './helpers/until.js';

const testEnv = readTestEnv();
const MB = 1024 * 1024;

describe('notifications: an application killed for memory (a local receiver stands in for a custom webhook)', () => {
  let b: TestBerth;
  let rx: Receiver;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-notify-health-'));
  const appNames: string[] = [];
  const { ok, settled } = deploymentClient(() => b);

  before(async () => {
    rx = await startReceiver();
    b = await startTestBerth({ BERTH_DOCKER_CLI: testEnv.dockerCli, BERTH_NOTIFY_CHECK_MS: '500' });
  });

  after(async () => {
    try {
      await removeRunApplications(ok, appNames);
    } finally {
      await b?.close();
      await rx?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('one application.unhealthy message naming the out-of-memory kill, however many times it repeats', async () => {
    const { registry } = testEnv;
    const image = await pushTestImage(tmp, `berth-notify/${runId}-oom`, 'v1', 'oom');
    const { environment } = await ok('project.create', { name: `notify-${runId}` });
    const app = await ok('application.create', { name: `oom-${runId}`, environmentId: environment.environmentId });
    appNames.push(app.appName);
    await ok('application.saveDockerProvider', { applicationId: app.applicationId, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
    // runs long enough to be deployed, then holds 200 MB under a 32 MB limit
    await ok('application.update', {
      applicationId: app.applicationId,
      command: 'sh',
      args: ['-c', 'sleep 6; x=$(head -c 200m /dev/zero | tr "\\0" a); sleep 300'],
      memoryLimit: String(32 * MB),
    });
    await ok('notification.createCustom', {
      name: 'oom-hook',
      appDeploy: false,
      appBuildError: true,
      databaseBackup: false,
      volumeBackup: false,
      dokployRestart: false,
      dokployBackup: false,
      dockerCleanup: false,
      serverThreshold: false,
      endpoint: `${rx.url}/hook`,
    });
    const d = await settled(app.applicationId, (await ok('application.deploy', { applicationId: app.applicationId })).deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');

    const unhealthy = () => rx.requests.map((r) => JSON.parse(r.body)).filter((m) => m.event.type === 'application.unhealthy');
    await until('the unhealthy message', unhealthy, (ms) => ms.length >= 1, 60_000);
    const [m] = unhealthy();
    assert.equal(m.event.reason, 'oom-killed');
    assert.equal(m.event.applicationId, app.applicationId);
    assert.match(m.event.detail, /out of memory/);
    assert.equal(m.applicationName, app.name);
    // Swarm restarts it and it is killed again: still the one message while it keeps failing
    await new Promise((r) => setTimeout(r, 12_000));
    assert.equal(unhealthy().length, 1);
  });
});
