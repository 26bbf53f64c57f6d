// Docker cleanup on the real engine (scripts/test-env.sh). This machine is shared: every
// cleanup here runs with BERTH_CLEANUP_ONLY_PREFIX set to this run's id, so it can only
// remove what this file created (its applications' images and task containers, and the
// junk it makes), never another test's images or the base images.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCleanup } from '../src/cleanup/index.js';
import { createEngine } from '../src/docker/engine.js';
import { loadConfig } from '../src/config.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, dropArchive, execInService, removeRunApplications, type Deployment } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { keptTestImages, readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();
const docker = testEnv.dockerCli;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cleanup-'));

// The test helpers limit any cleanup to this run's id (BERTH_CLEANUP_ONLY_PREFIX) and keep up
// to 1 TB of the machine's build cache; here what is made is also removed at once.
const settings = {
  BERTH_DOCKER_CLI: docker,
  BERTH_KEEP_RELEASES: '5',
  BERTH_CLEANUP_ONLY_PREFIX: runId,
  BERTH_CLEANUP_MIN_AGE_MINUTES: '0',
  BERTH_CLEANUP_BUILD_CACHE_KEEP: String(1e12),
  BERTH_CLEANUP_KEEP_IMAGES: `${keptTestImages()},${runId}-protected:1`,
};

const archive = (files: Record<string, string>) => dropArchive(tmp, files);

/** Builds `tag` from busybox with `megabytes` of random data of its own (so removing it frees that much). */
async function buildImage(tag: string, megabytes: number) {
  const dir = fs.mkdtempSync(path.join(tmp, 'image-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM busybox:latest\nRUN dd if=/dev/urandom of=/junk bs=1048576 count=${megabytes} 2>/dev/null\n`);
  await run([docker, 'build', '-q', '-t', tag, dir]);
}

const exists = (kind: 'image' | 'container' | 'volume', ref: string) =>
  run([docker, kind, 'inspect', ref]).then(
    () => true,
    () => false,
  );
const served = (appName: string) => execInService(appName, ['wget', '-q', '-O-', 'http://127.0.0.1:3000/']);
const envOf = async (appName: string, name: string) =>
  (await execInService(appName, ['env'])).split('\n').find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);

describe('Docker cleanup on the real engine', () => {
  let b: TestBerth;
  let readOnly: string;
  const { ok, settled } = deploymentClient(() => b);
  const appNames: string[] = [];
  let app: { id: string; appName: string };
  const releases: { deploymentId: string; rollbackId: string; image: string; text: string; greeting: string }[] = [];
  const junk = `${runId}-junk:1`;
  const stopped = `${runId}-stopped`;
  const orphan = `${runId}-orphan`;
  const appData = `${runId}-appdata`;

  before(async () => {
    b = await startTestBerth(settings);
    readOnly = b.store.apiKeys.create({ name: 'ro', role: 'read-only' }).key;
    const environmentId = (await ok('project.create', { name: `cleanup-${runId}` })).environment.environmentId;
    const row = await ok('application.create', { name: `${runId}-site`, appName: `${runId}-site`, environmentId });
    app = { id: row.applicationId, appName: row.appName };
    appNames.push(app.appName);
    assert.ok(app.appName.startsWith(runId), app.appName);
    await ok('application.saveBuildType', { applicationId: app.id, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
    await ok('mounts.create', { type: 'volume', volumeName: appData, mountPath: '/data', serviceId: app.id });
  });

  after(async () => {
    try {
      await b.call('settings.updateDockerCleanup', { enableDockerCleanup: false });
      await removeRunApplications(ok, appNames);
    } finally {
      await b.close();
      const leftovers = (await run([docker, 'ps', '-aq', '--filter', `name=${runId}`])).split('\n').filter(Boolean);
      if (leftovers.length) await run([docker, 'rm', '-f', ...leftovers]).catch(() => '');
      for (const ref of [junk, `${runId}-protected:1`]) await run([docker, 'rmi', '-f', ref]).catch(() => '');
      for (const v of [orphan, appData]) await run([docker, 'volume', 'rm', '-f', v]).catch(() => '');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('three releases of an application (different content and env), each deployed', async () => {
    for (const [text, greeting] of [
      [`v1-${runId}`, 'one'],
      [`v2-${runId}`, 'two'],
      [`v3-${runId}`, 'three'],
    ]) {
      await ok('application.saveEnvironment', { applicationId: app.id, env: `GREETING=${greeting}`, buildArgs: null, buildSecrets: null, createEnvFile: false });
      const form = new FormData();
      form.append('applicationId', app.id);
      form.append('zip', await archive({ Dockerfile: 'FROM busybox:latest\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n', 'index.html': `${text}\n` }), 'site.tar.gz');
      const res = await fetch(`${b.url}/api/application.dropDeployment`, { method: 'POST', headers: { 'x-api-key': b.token }, body: form });
      assert.equal(res.status, 200, await res.clone().text());
      const [queued]: Deployment[] = await ok('deployment.all', { applicationId: app.id });
      const d = await settled(app.id, queued.deploymentId);
      assert.equal(d.status, 'done', d.errorMessage ?? '');
      assert.equal((await served(app.appName)).trim(), text);
      const listed = (await ok('deployment.allByType', { id: app.id, type: 'application' })) as (Deployment & { rollback: { rollbackId: string; image: string } | null })[];
      const mine = listed.find((x) => x.deploymentId === d.deploymentId)!;
      assert.ok(mine.rollback, 'no rollback row');
      releases.push({ deploymentId: d.deploymentId, rollbackId: mine.rollback.rollbackId, image: mine.rollback.image, text, greeting });
    }
    assert.equal(new Set(releases.map((r) => r.image)).size, 3);
  });

  test('bad input is a 4xx and removes nothing: another server, a wrong type, a read-only token', async () => {
    await run([docker, 'run', '--name', stopped, 'busybox:latest', 'true']);
    const other = await b.call('settings.cleanStoppedContainers', { serverId: 'srv-1' });
    assert.equal(other.status, 404, other.text);
    assert.equal(other.body.code, 'NOT_FOUND');
    const wrong = await b.call('settings.updateDockerCleanup', { enableDockerCleanup: 'yes' });
    assert.equal(wrong.status, 400, wrong.text);
    assert.deepEqual(wrong.body.error.issues.map((i: { path: string[] }) => i.path.join('.')), ['enableDockerCleanup']);
    // checked before anything is stored (Dokploy writes the switch first)
    const elsewhere = await b.call('settings.updateDockerCleanup', { enableDockerCleanup: true, serverId: 'srv-1' });
    assert.equal(elsewhere.status, 404, elsewhere.text);
    const missing = await b.call('settings.updateDockerCleanup', {});
    assert.equal(missing.status, 400, missing.text);
    const forbidden = await b.call('settings.cleanAll', {}, { token: readOnly });
    assert.equal(forbidden.status, 403, forbidden.text);
    assert.equal(b.store.dockerCleanup.enabled(), false);
    assert.ok(await exists('container', stopped), 'a refused call removed the stopped container');
    // reads are open to every token, as the other reads of the API
    const usage = await b.call('settings.getDockerDiskUsage', {}, { token: readOnly });
    assert.equal(usage.status, 200, usage.text);
  });

  test('getDockerDiskUsage: docker system df from the engine, one row per kind, with bytes', async () => {
    const rows = await ok('settings.getDockerDiskUsage');
    assert.deepEqual(rows.map((r: { type: string }) => r.type), ['Images', 'Containers', 'Local Volumes', 'Build Cache']);
    const images = rows[0];
    assert.ok(Number(images.totalCount) >= 4 && Number(images.active) >= 1, JSON.stringify(images));
    assert.ok(images.sizeBytes > 0 && images.reclaimableBytes <= images.sizeBytes);
    assert.match(images.size, /^\d+(\.\d+)?[kMGT]?B$/);
    assert.match(images.reclaimable, /^\d+(\.\d+)?[kMGT]?B \(\d+%\)$/);
  });

  test('cleanAll frees the junk (stopped container, then its now unused image) and reports the bytes; kept releases, protected and base images stay', async () => {
    await buildImage(junk, 3);
    await buildImage(`${runId}-protected:1`, 1);
    await run([docker, 'rm', stopped]);
    await run([docker, 'run', '--name', stopped, junk, 'true']);

    const r = await b.call('settings.cleanAll', {});
    assert.equal(r.status, 200, r.text);
    const report = r.body;
    assert.equal(report.status, 'done');
    assert.ok(report.containers.removed >= 1, JSON.stringify(report));
    assert.ok(report.images.removed >= 1, JSON.stringify(report));
    assert.ok(report.images.freedBytes >= 3 * 1048576, `images freed ${report.images.freedBytes} bytes, the junk alone holds 3 MiB`);
    assert.equal(report.freedBytes, report.containers.freedBytes + report.images.freedBytes + report.buildCache.freedBytes);
    assert.deepEqual(report.buildCache.failed, []);
    assert.equal(report.volumes, undefined, 'cleanAll leaves volumes alone');

    assert.equal(await exists('container', stopped), false, 'the stopped container is still there');
    assert.equal(await exists('image', junk), false, 'the unused image is still there');
    assert.ok(await exists('image', `${runId}-protected:1`), 'BERTH_CLEANUP_KEEP_IMAGES did not protect');
    for (const base of testEnv.images) assert.ok(await exists('image', base), `${base} was removed`);
    assert.equal(releases.length, 3, 'the three releases were not deployed');
    for (const rel of releases) assert.ok(await exists('image', rel.image), `the kept release ${rel.image} was removed`);
  });

  test('every kept release is still deployable after the cleanup: roll back to each, each serves its content and env', async () => {
    assert.equal(releases.length, 3, 'the three releases were not deployed');
    for (const rel of [...releases].reverse()) {
      const queued: Deployment = await ok('rollback.rollback', { rollbackId: rel.rollbackId });
      const d = await settled(app.id, queued.deploymentId);
      assert.equal(d.status, 'done', `rollback to ${rel.text}: ${d.errorMessage}`);
      assert.equal((await served(app.appName)).trim(), rel.text);
      assert.equal(await envOf(app.appName, 'GREETING'), rel.greeting);
    }
  });

  test('cleanUnusedVolumes removes an unused volume and keeps the volume a stopped application mounts', async () => {
    await run([docker, 'volume', 'create', orphan]);
    await run([docker, 'run', '--rm', '-v', `${orphan}:/d`, 'busybox:latest', 'dd', 'if=/dev/urandom', 'of=/d/f', 'bs=1048576', 'count=2']);
    await ok('application.stop', { applicationId: app.id });
    const deadline = Date.now() + 60_000;
    while ((await ok('application.one', { applicationId: app.id })).applicationStatus !== 'idle') {
      assert.ok(Date.now() < deadline, 'the application did not stop');
      await sleep(200);
    }
    // its exited task containers go first, so nothing but the mount holds the volume
    assert.equal((await b.call('settings.cleanStoppedContainers', {})).status, 200);
    const r = await b.call('settings.cleanUnusedVolumes', {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.volumes.removed, 1, JSON.stringify(r.body));
    assert.ok(r.body.volumes.freedBytes >= 2 * 1048576, JSON.stringify(r.body));
    assert.equal(await exists('volume', orphan), false);
    assert.ok(await exists('volume', appData), "the application's volume was removed");
  });

  test('cleanDockerBuilder prunes the build cache through the engine and reports what it removed', async () => {
    const r = await b.call('settings.cleanDockerBuilder', {});
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body.buildCache).sort(), ['failed', 'freedBytes', 'removed']);
    assert.deepEqual(r.body.buildCache.failed, []);
  });

  test("in a Swarm, the other nodes whose engine Berth reaches are cleaned too, each with its line in the report", async () => {
    const worker = testEnv.cluster.nodes.find((n) => n.role === 'worker' && n.dockerHost.startsWith('unix://'))!;
    const onNode = [docker, '-H', worker.dockerHost];
    // a never-started container from an image the node already has (the lab's nodes hold only registry images)
    const [imageId] = (await run([...onNode, 'images', '-q'])).split('\n').filter(Boolean);
    assert.ok(imageId, `${worker.hostname} has no image to create a container from`);
    const name = `${runId}-on-node`;
    await run([...onNode, 'create', '--name', name, imageId, 'true']);
    try {
      const r = await b.call('settings.cleanStoppedContainers', {});
      assert.equal(r.status, 200, r.text);
      const line = r.body.nodes.find((n: { node: string }) => n.node === worker.hostname);
      assert.ok(line, `no report for ${worker.hostname}: ${r.text}`);
      assert.equal(line.containers.removed, 1, r.text);
      assert.equal(r.body.freedBytes, r.body.containers.freedBytes + r.body.nodes.reduce((s: number, n: { freedBytes: number }) => s + n.freedBytes, 0));
      await assert.rejects(run([...onNode, 'inspect', name]), 'the container on the node is still there');
    } finally {
      await run([...onNode, 'rm', '-f', name]).catch(() => '');
    }
  });

  test('a cleanup logs what it freed and reports it as one cleanup.done event', async () => {
    await run([docker, 'run', '--name', stopped, 'busybox:latest', 'true']);
    const lines: string[] = [];
    const events: { type: string; freedBytes: number; detail: string; at: string }[] = [];
    const cleanup = createCleanup(loadConfig(settings), b.store, createEngine(loadConfig(settings)), (line) => lines.push(line), (e) => events.push(e));
    const report = await cleanup.run(['containers']);
    assert.equal(report.containers!.removed, 1);
    assert.equal(events.length, 1);
    assert.equal(events[0].type, 'cleanup.done');
    assert.equal(events[0].freedBytes, report.freedBytes);
    assert.equal(events[0].at, report.finishedAt);
    assert.match(events[0].detail, /^freed \d+(\.\d+)?[kMG]?B: 1 stopped containers/);
    assert.deepEqual(lines, [`Docker cleanup: ${events[0].detail}`]);
  });

  test('the scheduled cleanup: its switch survives a restart, a due run cleans through the same path, and off means no run', async () => {
    assert.equal(await ok('settings.updateDockerCleanup', { enableDockerCleanup: true }), true);
    // every second instead of daily, on the same data directory
    await b.restart({ BERTH_CLEANUP_SCHEDULE: '* * * * * *' });
    await run([docker, 'run', '--name', stopped, 'busybox:latest', 'true']);
    const deadline = Date.now() + 30_000;
    while (await exists('container', stopped)) {
      assert.ok(Date.now() < deadline, 'no scheduled cleanup removed the stopped container within 30 s');
      await sleep(250);
    }
    assert.equal(await ok('settings.updateDockerCleanup', { enableDockerCleanup: false }), true);
    await sleep(500); // a run already under way may finish
    await run([docker, 'run', '--name', stopped, 'busybox:latest', 'true']);
    await sleep(4000);
    assert.ok(await exists('container', stopped), 'a cleanup ran while switched off');
    await run([docker, 'rm', stopped]);
  });
});
