// Deployments end to end on the real engine (scripts/test-env.sh): every source and every
// runnable build goes from the API call to a service that answers on its published port;
// failures, cancels and the queue under load as a user of the API sees them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { answer, deploymentClient, dropArchive, freePort, pushTestImage, removeRunApplications, type Deployment } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();

const docker = testEnv.dockerCli;
const registry = testEnv.registry;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-'));

const pushImage = (repo: string, tag: string, text: string) => pushTestImage(tmp, repo, tag, text);

const archive = (files: Record<string, string>) => dropArchive(tmp, files);

const busyboxSite = (text: string, extra = '') => ({
  Dockerfile: `FROM busybox:latest\n${extra}COPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n`,
  'index.html': `${text}\n`,
});

describe('deployments on the real engine', () => {
  let b: TestBerth;
  let environmentId: string;
  const appNames: string[] = [];

  const { ok, deployment, settled, logOf } = deploymentClient(() => b);

  /** An application with a free published port → `targetPort`. */
  async function app(name: string, targetPort = 3000) {
    const row = await ok('application.create', { name: `${name}-${runId}`, environmentId });
    appNames.push(row.appName);
    const port = await freePort();
    await ok('port.create', { applicationId: row.applicationId, publishedPort: port, targetPort, publishMode: 'host' });
    return { id: row.applicationId as string, appName: row.appName as string, port };
  }

  async function upload(applicationId: string, files: Record<string, string>) {
    const form = new FormData();
    form.append('applicationId', applicationId);
    form.append('zip', await archive(files), 'site.tar.gz');
    const res = await fetch(`${b.url}/api/application.dropDeployment`, { method: 'POST', headers: { 'x-api-key': b.token }, body: form });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(await res.json(), true);
    const [newest]: Deployment[] = await ok('deployment.all', { applicationId });
    return newest;
  }

  before(async () => {
    b = await startTestBerth({ BERTH_DOCKER_CLI: docker, BERTH_ROLLOUT_TIMEOUT_MS: '120000' });
    environmentId = (await ok('project.create', { name: `e2e-${runId}` })).environment.environmentId;
  });

  after(async () => {
    try {
      await removeRunApplications(ok, appNames);
    } finally {
      await b.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('docker source from the registry with credentials: done only once the task runs; the log follows live and hides the password', async () => {
    const repo = `berth-e2e/${runId}`;
    const image = await pushImage(repo, 'latest', `docker-${runId}-v1`);
    const a = await app('docker');
    await ok('application.saveDockerProvider', { applicationId: a.id, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
    const queued: Deployment = await ok('application.deploy', { applicationId: a.id });
    assert.equal(queued.status, 'running');

    // the live stream: every line, then the end event with the status
    const res = await fetch(`${b.url}/api/deployment.stream?deploymentId=${queued.deploymentId}`, { headers: { 'x-api-key': b.token } });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const stream = await res.text();
    assert.match(stream, /^data: .*Fetching the docker source/m);
    assert.match(stream, /^data: .*Deployment done: the new tasks are running$/m);
    assert.match(stream, /event: end\ndata: \{"status":"done"\}\n\n$/);

    const done = await settled(a.id, queued.deploymentId);
    assert.equal(done.status, 'done');
    // done means the task runs, not that Swarm accepted the update
    assert.match(await run([docker, 'service', 'ps', a.appName, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}']), /^Running/);
    assert.equal(done.stage, 'finished');
    assert.ok(done.durationMs! > 0);
    assert.equal(await answer(a.port), `docker-${runId}-v1\n`);
    assert.equal((await ok('application.one', { applicationId: a.id })).applicationStatus, 'done');
    const log = await logOf(queued.deploymentId);
    assert.ok(!log.includes(registry.password), 'the registry password is in the log');
    assert.match(log, /--- deployment finished: done ---$/);

    // a new image under the same tag: the next deploy runs it (the tag is resolved each time)
    await pushImage(repo, 'latest', `docker-${runId}-v2`);
    const second = await settled(a.id, (await ok('application.redeploy', { applicationId: a.id })).deploymentId);
    assert.equal(second.status, 'done');
    assert.equal(await answer(a.port), `docker-${runId}-v2\n`);
  });

  test('deploy overhead: from the API call to done for a prebuilt registry image (median of 7)', async (t) => {
    const image = await pushImage(`berth-e2e/${runId}-overhead`, 'v1', 'overhead');
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const row = await ok('application.create', { name: `overhead${i}-${runId}`, environmentId });
      appNames.push(row.appName);
      await ok('application.saveDockerProvider', { applicationId: row.applicationId, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
      const started = performance.now();
      const { deploymentId } = await ok('application.deploy', { applicationId: row.applicationId });
      let d: Deployment;
      while ((d = await deployment(row.applicationId, deploymentId)).status === 'running') await sleep(5);
      times.push(performance.now() - started);
      assert.equal(d.status, 'done', d.errorMessage ?? '');
      assert.match(await run([docker, 'service', 'ps', row.appName, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}']), /^Running/);
    }
    const sorted = [...times].sort((x, y) => x - y);
    t.diagnostic(`deploy overhead (API call → done, ms): median ${Math.round(sorted[3])}, all ${times.map(Math.round).join(' ')}`);
  });

  test('git over HTTP with a token, Dockerfile build: titled with the commit; no token in the log', async () => {
    const repo = testEnv.git.repos['hello-dockerfile'];
    const a = await app('git-http');
    const url = repo.httpUrl.replace('://', `://x-access-token:${testEnv.git.httpToken}@`);
    await ok('application.saveGitProvider', { applicationId: a.id, customGitUrl: url, customGitBranch: repo.branch, customGitBuildPath: '/', watchPaths: null });
    await ok('application.saveBuildType', { applicationId: a.id, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
    const d = await settled(a.id, (await ok('application.deploy', { applicationId: a.id })).deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    assert.equal(d.description, `Commit: ${repo.commit}`);
    assert.notEqual(d.title, 'Manual deployment');
    assert.equal(await answer(a.port), 'hello-dockerfile main\n');
    const log = await logOf(d.deploymentId);
    assert.match(log, /Building .*:\S+ \(dockerfile\)/);
    assert.ok(!log.includes(testEnv.git.httpToken), 'the token is in the log');
    assert.equal(fs.existsSync(path.join(b.dataDir, 'builds', d.deploymentId)), false, 'work dir left behind');
  });

  test('git over SSH with the deploy key, static build', async () => {
    const repo = testEnv.git.repos['hello-static'];
    const a = await app('git-ssh', 80);
    await ok('sshKey.create', {
      name: `deploy-${runId}`,
      privateKey: fs.readFileSync(testEnv.git.sshPrivateKeyPath, 'utf8'),
      publicKey: fs.readFileSync(`${testEnv.git.sshPrivateKeyPath}.pub`, 'utf8').trim(),
      organizationId: 'x',
    });
    const key = (await ok('sshKey.all')).find((k: { name: string }) => k.name === `deploy-${runId}`);
    await ok('application.saveGitProvider', { applicationId: a.id, customGitUrl: repo.sshUrl, customGitBranch: repo.branch, customGitBuildPath: '/', watchPaths: null, customGitSSHKeyId: key.sshKeyId });
    await ok('application.saveBuildType', { applicationId: a.id, buildType: 'static', dockerfile: null, dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null, publishDirectory: null });
    const d = await settled(a.id, (await ok('application.deploy', { applicationId: a.id })).deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    assert.match(await answer(a.port), /<h1>hello-static<\/h1>/);
    assert.ok(!(await logOf(d.deploymentId)).includes('PRIVATE KEY'));
  });

  describe('drop upload', () => {
    let a: Awaited<ReturnType<typeof app>>;
    before(async () => {
      a = await app('drop');
      await ok('application.saveBuildType', { applicationId: a.id, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
    });

    test('an uploaded archive is built and served', async () => {
      const d = await settled(a.id, (await upload(a.id, busyboxSite(`drop-${runId}-v1`))).deploymentId);
      assert.equal(d.status, 'done', d.errorMessage ?? '');
      assert.equal(await answer(a.port), `drop-${runId}-v1\n`);
      assert.equal((await ok('application.one', { applicationId: a.id })).sourceType, 'drop');
    });

    test('a failing build ends error with the build output in the log; the running version stays', async () => {
      const d = await settled(a.id, (await upload(a.id, busyboxSite('never', `RUN echo "boom-${runId}" && exit 3\n`))).deploymentId);
      assert.equal(d.status, 'error');
      assert.match(d.errorMessage!, /exited with/);
      const log = await logOf(d.deploymentId);
      assert.match(log, new RegExp(`boom-${runId}`));
      assert.match(log, /Deployment failed while building/);
      assert.match(log, /--- deployment finished: error ---$/);
      assert.equal((await ok('application.one', { applicationId: a.id })).applicationStatus, 'error');
      assert.equal(await answer(a.port), `drop-${runId}-v1\n`);
    });

    test('a health check that never passes ends error naming it; the previous version keeps serving', async () => {
      await ok('application.update', { applicationId: a.id, healthCheckSwarm: { Test: ['CMD-SHELL', 'exit 1'], Interval: 500_000_000, Timeout: 1_000_000_000, Retries: 1 } });
      try {
        const d = await settled(a.id, (await upload(a.id, busyboxSite(`drop-${runId}-unhealthy`))).deploymentId);
        assert.equal(d.status, 'error');
        assert.match(d.errorMessage!, /health check "exit 1" failed/);
        assert.match(await logOf(d.deploymentId), /Deployment failed while verifying: .*health check "exit 1" failed/);
        assert.equal(await answer(a.port, 30_000), `drop-${runId}-v1\n`, d.errorMessage!);
      } finally {
        await ok('application.update', { applicationId: a.id, healthCheckSwarm: null });
      }
    });

    test('cancel during a build: cancelled, its build killed, the service unchanged', async () => {
      const queued = await upload(a.id, busyboxSite('never', `RUN echo "slow-${runId}" && sleep 60\n`));
      const deadline = Date.now() + 60_000;
      while (!(await logOf(queued.deploymentId)).includes(`slow-${runId}`)) {
        if (Date.now() > deadline) assert.fail('the slow build never started');
        await sleep(100);
      }
      const started = Date.now();
      const r = await ok('application.cancelDeployment', { applicationId: a.id });
      assert.deepEqual(r, { success: true, message: `Deployment ${queued.deploymentId} cancelled` });
      const d = await deployment(a.id, queued.deploymentId);
      assert.equal(d.status, 'cancelled');
      assert.ok(Date.now() - started < 10_000, 'the cancel waited for the build');
      assert.match(d.errorMessage!, /^cancelled on request/);
      assert.match(await logOf(d.deploymentId), /the service was not changed\n.*--- deployment finished: cancelled ---$/);
      assert.equal(await answer(a.port), `drop-${runId}-v1\n`);
      const builds = await run(['ps', '-eo', 'args']);
      assert.ok(!builds.includes(`${a.appName}:${d.deploymentId}`), 'the docker build still runs');
    });
  });

  test('stop scales to 0, start restores the configured replicas (not 1), reload applies changed settings without a build', async () => {
    const image = await pushImage(`berth-e2e/${runId}-life`, 'v1', 'life');
    const row = await ok('application.create', { name: `life-${runId}`, environmentId });
    appNames.push(row.appName);
    const id = row.applicationId;
    await ok('application.saveDockerProvider', { applicationId: id, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
    assert.equal((await settled(id, (await ok('application.deploy', { applicationId: id })).deploymentId)).status, 'done');
    const running = async () => (await run([docker, 'service', 'ps', row.appName, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}'])).split('\n').filter((l) => l.startsWith('Running')).length;
    /** Polls the application until its status is `want` (the job runs right after the answer). */
    const status = async (want: string) => {
      const deadline = Date.now() + 60_000;
      let now: string;
      while ((now = (await ok('application.one', { applicationId: id })).applicationStatus) !== want) {
        if (Date.now() > deadline) assert.fail(`status ${now}, expected ${want}`);
        await sleep(50);
      }
    };

    const before = await ok('application.stop', { applicationId: id });
    assert.equal(before.applicationStatus, 'done', 'stop answers the application as it was');
    await status('idle');
    assert.equal(await running(), 0);

    await ok('application.update', { applicationId: id, replicas: 2 });
    await ok('application.start', { applicationId: id });
    await status('done');
    assert.equal(await running(), 2);

    await ok('application.saveEnvironment', { applicationId: id, env: `GREETING=reloaded-${runId}`, buildArgs: null, buildSecrets: null, createEnvFile: false });
    assert.equal(await ok('application.reload', { applicationId: id, appName: row.appName }), true);
    await status('running');
    await status('done');
    const env = await run([docker, 'service', 'inspect', row.appName, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}']);
    assert.ok(env.includes(`GREETING=reloaded-${runId}`), env);
    assert.equal((await ok('deployment.all', { applicationId: id })).length, 1, 'lifecycle jobs are not deployments');
  });

  test('20 deploy requests over 4 applications at once: per-app order kept, at most 2 at a time, none lost', async () => {
    const image = await pushImage(`berth-e2e/${runId}-load`, 'v1', 'load');
    const busy = await startTestBerth({ BERTH_DOCKER_CLI: docker, BERTH_BUILD_CONCURRENCY: '2' });
    try {
      const call = async (proc: string, input: Record<string, unknown>) => {
        const r = await busy.call(proc, input);
        assert.equal(r.status, 200, `${proc}: ${r.text}`);
        return r.body;
      };
      const env = (await call('project.create', { name: `load-${runId}` })).environment.environmentId;
      const apps: string[] = [];
      for (let i = 0; i < 4; i++) {
        const row = await call('application.create', { name: `load${i}-${runId}`, environmentId: env });
        appNames.push(row.appName);
        await call('application.saveDockerProvider', { applicationId: row.applicationId, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
        apps.push(row.applicationId);
      }
      const asked: Deployment[] = await Promise.all(Array.from({ length: 20 }, (_, i) => call('application.deploy', { applicationId: apps[i % 4], title: `request ${i}` })));
      assert.equal(new Set(asked.map((d) => d.deploymentId)).size, 20);

      // each app's deployments, oldest request first, once none runs any more
      const byApp = new Map<string, Deployment[]>();
      const deadline = Date.now() + 180_000;
      for (const id of apps) {
        for (;;) {
          const rows: Deployment[] = await call('deployment.all', { applicationId: id });
          if (rows.every((d) => d.status !== 'running')) {
            byApp.set(id, rows.reverse());
            break;
          }
          if (Date.now() > deadline) assert.fail('deployments still running');
          await sleep(100);
        }
      }
      const all = [...byApp.values()].flat();
      // none lost: every request has its row, ended done or cancelled by a newer one of its app
      assert.equal(all.length, 20);
      for (const mine of byApp.values()) {
        assert.equal(mine.at(-1)!.status, 'done', 'the newest request of an app ran');
        mine.forEach((d, i) => {
          if (d.status === 'cancelled') {
            const newer = mine.findIndex((n) => d.errorMessage === `superseded by ${n.deploymentId}`);
            assert.ok(newer > i, `${d.title}: ${d.errorMessage}`);
          } else assert.equal(d.status, 'done', `${d.title}: ${d.errorMessage}`);
        });
        const ran = mine.filter((d) => d.status === 'done');
        for (let i = 1; i < ran.length; i++) assert.ok(ran[i].startedAt! >= ran[i - 1].finishedAt!, 'an app ran two jobs at once or out of order');
      }
      // at most 2 at a time
      const ran = all.filter((d) => d.startedAt);
      for (const d of ran) {
        const overlapping = ran.filter((o) => o.startedAt! <= d.startedAt! && o.finishedAt! > d.startedAt!);
        assert.ok(overlapping.length <= 2, `${overlapping.length} deployments ran at once`);
      }
      assert.deepEqual(busy.store.deployments.orphans(), []);
      await Promise.all(apps.map((id) => call('application.delete', { applicationId: id })));
    } finally {
      await busy.close();
    }
  });
});
