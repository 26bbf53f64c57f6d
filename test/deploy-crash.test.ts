// A real Berth process killed with SIGKILL in the middle of a build, then started again on
// the same data directory: the interrupted deployment ends `error` "interrupted by server
// restart", nothing stays `running`, the build client the crash orphaned is killed, and the
// job that was queued behind it runs to `done`.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { callAt, startBerthProcess } from './helpers/berth-process.js';
import { freePort } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();

const docker = testEnv.dockerCli;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-crash-'));
const token = `berth_crash_${runId}`;

let child: ChildProcess | undefined;
let url = '';

/** Starts `src/main.ts` as its own process on the data directory and waits until it answers. */
async function startServer() {
  ({ url, child } = await startBerthProcess({ BERTH_DATA_DIR: dataDir, BERTH_ADMIN_TOKEN: token, BERTH_DOCKER_CLI: docker }));
}

const call = (proc: string, input: Record<string, unknown> = {}, method: 'GET' | 'POST' = 'POST') => callAt(url, token, proc, input, method);

const deploymentOf = async (applicationId: string, deploymentId: string) =>
  (await call('deployment.all', { applicationId }, 'GET')).find((d: { deploymentId: string }) => d.deploymentId === deploymentId);

/** Processes whose command line holds `text` (a build client holds its image tag). */
async function processesWith(text: string): Promise<number[]> {
  const lines = (await run(['ps', '-eo', 'pid=,stat=,args='])).split('\n');
  // zombies have ended: they only wait for a parent to reap them
  return lines.filter((l) => l.includes(text) && !/^\s*\d+\s+Z/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

let buildTag = '';

after(async () => {
  // a build client the restart failed to end: the test leaves nothing behind
  if (buildTag) for (const pid of await processesWith(buildTag)) process.kill(pid, 'SIGKILL');
  child?.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('SIGKILL during a build, then a restart: the orphaned build is killed, that deployment ends error "interrupted", the queued one runs to done', async () => {
  await startServer();
  const environmentId = (await call('project.create', { name: `crash-${runId}` })).environment.environmentId;

  // A: a build that takes a minute, from an uploaded archive
  const slow = await call('application.create', { name: `slow-${runId}`, environmentId });
  await call('application.saveBuildType', { applicationId: slow.applicationId, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-crash-src-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM busybox:latest\nRUN echo "crash-${runId}" && sleep 60\n`);
  await run(['tar', '-czf', path.join(dir, 'a.tar.gz'), '-C', dir, 'Dockerfile']);
  const form = new FormData();
  form.append('applicationId', slow.applicationId);
  form.append('zip', new Blob([fs.readFileSync(path.join(dir, 'a.tar.gz'))]), 'a.tar.gz');
  assert.equal((await fetch(`${url}/api/application.dropDeployment`, { method: 'POST', headers: { 'x-api-key': token }, body: form })).status, 200);
  const [interrupted] = await call('deployment.all', { applicationId: slow.applicationId }, 'GET');
  fs.rmSync(dir, { recursive: true, force: true });

  // B: queued behind A (one build at a time), a busybox site on a published port
  const fast = await call('application.create', { name: `fast-${runId}`, environmentId });
  const port = await freePort();
  await call('port.create', { applicationId: fast.applicationId, publishedPort: port, targetPort: 80, publishMode: 'host' });
  await call('application.saveGitProvider', {
    applicationId: fast.applicationId,
    customGitUrl: testEnv.git.repos['hello-static'].publicHttpUrl,
    customGitBranch: 'main',
    customGitBuildPath: '/',
    watchPaths: null,
  });
  await call('application.saveBuildType', { applicationId: fast.applicationId, buildType: 'static', dockerfile: null, dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
  const queued = await call('application.deploy', { applicationId: fast.applicationId });

  const deadline = Date.now() + 60_000;
  while (!(await call('deployment.readLogs', { deploymentId: interrupted.deploymentId, tail: 1000 }, 'GET')).includes(`crash-${runId}`)) {
    if (Date.now() > deadline) assert.fail('the slow build never started');
    await sleep(100);
  }
  assert.equal((await deploymentOf(fast.applicationId, queued.deploymentId)).stage, 'queued');
  const { pid } = await deploymentOf(slow.applicationId, interrupted.deploymentId);

  // The build client runs in a process group of its own (so that a cancel kills all it
  // started): the group the deployment recorded.
  buildTag = `${slow.appName}:${interrupted.deploymentId}`;
  const builders = await processesWith(buildTag);
  assert.ok(builders.length > 0, 'no build client runs');
  const pgidOf = (p: number) => Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
  assert.deepEqual(builders.map(pgidOf), builders.map(() => Number(pid)));

  child!.kill('SIGKILL');
  await new Promise((resolve) => child!.once('exit', resolve));
  // It usually outlives the server; a write to its closed output pipe can also end it
  // (SIGPIPE), which is why the check that it is gone comes after the restart.

  // The restart ends it before anything else runs.
  await startServer();
  for (let tries = 0; (await processesWith(buildTag)).length > 0; tries++) {
    if (tries === 20) assert.fail('the orphaned build is still running after the restart');
    await sleep(100);
  }
  const failed = await deploymentOf(slow.applicationId, interrupted.deploymentId);
  assert.equal(failed.status, 'error');
  assert.equal(failed.errorMessage, 'interrupted by server restart');
  assert.ok(failed.finishedAt);
  assert.match(await call('deployment.readLogs', { deploymentId: interrupted.deploymentId }, 'GET'), /Error: interrupted by server restart\n.*--- deployment finished: error ---$/);
  assert.equal((await call('application.one', { applicationId: slow.applicationId }, 'GET')).applicationStatus, 'error');

  for (;;) {
    const d = await deploymentOf(fast.applicationId, queued.deploymentId);
    if (d.status !== 'running') {
      assert.equal(d.status, 'done', d.errorMessage);
      break;
    }
    if (Date.now() > deadline + 60_000) assert.fail('the queued deployment never ended');
    await sleep(100);
  }
  const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  assert.match(page, /hello-static/);

  for (const app of [slow, fast]) await call('application.delete', { applicationId: app.applicationId });
  const images = await run([docker, 'images', '--format', '{{.Repository}}']);
  assert.ok(!images.split('\n').some((r) => r === slow.appName || r === fast.appName), 'images left behind');
});
