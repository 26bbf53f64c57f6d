// Releases on the real engine (scripts/test-env.sh): redeploy rebuilds the current
// release's revision, rollback restores a kept release's image and configuration without
// building, the rollback registry keeps releases off the server, and retention keeps the
// last N successful releases. The applications publish no ports (start-first updates);
// what they serve and their environment are read inside the running task.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, execInService, pushTestImage, removeRunApplications, type Deployment } from './helpers/e2e.js';
import { gitTestEnv, run, runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();

const docker = testEnv.dockerCli;
const { git, registry } = testEnv;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-releases-'));
const owner = `berth-${runId}`;

/** A repository on the test git server whose commits each serve one text; `commit` pushes the next. */
async function siteRepo(name: string) {
  const work = path.join(tmp, name);
  const bare = path.join(git.reposDir, owner, `${name}.git`);
  const sh = (argv: string[]) => run(argv, { cwd: work, env: gitTestEnv });
  fs.mkdirSync(work);
  await sh(['git', 'init', '-q', '-b', 'main']);
  await run(['git', 'init', '-q', '--bare', '-b', 'main', bare], { env: gitTestEnv });
  fs.chmodSync(path.dirname(bare), 0o755);
  return {
    url: `${git.httpUrl}/${owner}/${name}.git`.replace('://', `://${'x-access-token'}:${git.httpToken}@`),
    async commit(text: string, dockerfile = 'FROM busybox:latest\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n') {
      fs.writeFileSync(path.join(work, 'index.html'), `${text}\n`);
      fs.writeFileSync(path.join(work, 'Dockerfile'), dockerfile);
      await sh(['git', 'add', '-A']);
      await sh(['git', 'commit', '-q', '-m', text]);
      await sh(['git', 'push', '-q', bare, 'main']);
      return (await sh(['git', 'rev-parse', 'HEAD'])).trim();
    },
  };
}

const served = (appName: string) => execInService(appName, ['wget', '-q', '-O-', 'http://127.0.0.1:3000/']);
const envOf = async (appName: string, name: string) =>
  (await execInService(appName, ['env'])).split('\n').find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);
const tagsOf = async (appName: string) => (await run([docker, 'images', appName, '--format', '{{.Tag}}'])).split('\n').filter(Boolean).sort();

describe('releases on the real engine', () => {
  let b: TestBerth;
  let environmentId: string;
  const { ok, settled, logOf } = deploymentClient(() => b);
  const appNames: string[] = [];

  async function gitApp(name: string, repoUrl: string) {
    const row = await ok('application.create', { name: `${name}-${runId}`, environmentId });
    appNames.push(row.appName);
    await ok('application.saveGitProvider', { applicationId: row.applicationId, customGitUrl: repoUrl, customGitBranch: 'main', customGitBuildPath: '/', watchPaths: null });
    await ok('application.saveBuildType', { applicationId: row.applicationId, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
    return { id: row.applicationId as string, appName: row.appName as string };
  }

  const run_ = async (proc: 'application.deploy' | 'application.redeploy', applicationId: string) =>
    settled(applicationId, (await ok(proc, { applicationId })).deploymentId);
  const rollbacksOf = async (applicationId: string) =>
    ((await ok('deployment.allByType', { id: applicationId, type: 'application' })) as (Deployment & { rollback: { rollbackId: string; version: number; image: string } | null })[]);

  /** Rolls back to `rollbackId`; resolves with the finished deployment and how long the API call → done took. */
  async function rollback(applicationId: string, rollbackId: string) {
    const started = performance.now();
    const queued: Deployment = await ok('rollback.rollback', { rollbackId });
    const d = await settled(applicationId, queued.deploymentId);
    return { d, ms: performance.now() - started };
  }

  before(async () => {
    b = await startTestBerth({ BERTH_DOCKER_CLI: docker, BERTH_KEEP_RELEASES: '5' });
    environmentId = (await ok('project.create', { name: `releases-${runId}` })).environment.environmentId;
  });

  after(async () => {
    try {
      await removeRunApplications(ok, appNames);
    } finally {
      await b.close();
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.rmSync(path.join(git.reposDir, owner), { recursive: true, force: true });
    }
  });

  describe('a git-built application', () => {
    let repo: Awaited<ReturnType<typeof siteRepo>>;
    let a: Awaited<ReturnType<typeof gitApp>>;
    const commits: string[] = [];
    let first: Deployment;

    before(async () => {
      repo = await siteRepo('site');
      commits.push(await repo.commit(`v1-${runId}`));
      a = await gitApp('site', repo.url);
    });

    test('every successful deployment gets its rollback row, with the image it released; env references are resolved', async () => {
      await ok('environment.update', { environmentId, env: 'SHARED=from-the-environment' });
      await ok('application.saveEnvironment', { applicationId: a.id, env: 'GREETING=one\nFROM_ENV=${{environment.SHARED}}\nBOTH=${{GREETING}}-${{FROM_ENV}}', buildArgs: null, buildSecrets: null, createEnvFile: false });
      await ok('application.update', { applicationId: a.id, memoryLimit: '67108864' });
      first = await run_('application.deploy', a.id);
      assert.equal(first.status, 'done', first.errorMessage ?? '');
      assert.equal(first.commitHash, commits[0]);
      assert.equal((await served(a.appName)).trim(), `v1-${runId}`);
      assert.equal(await envOf(a.appName, 'BOTH'), 'one-from-the-environment');
      const [row] = await rollbacksOf(a.id);
      assert.equal(row.deploymentId, first.deploymentId);
      assert.ok(row.rollback, 'no rollback row');
      assert.equal(row.rollback.image, `${a.appName}:${first.deploymentId}`);
      assert.equal((row.rollback as Record<string, unknown>).fullContext, undefined, 'the snapshot (with env) is not listed');
    });

    test('redeploy rebuilds the commit of the current release, not the new branch tip; deploy takes the tip', async () => {
      commits.push(await repo.commit(`v2-${runId}`));
      const again = await run_('application.redeploy', a.id);
      assert.equal(again.status, 'done', again.errorMessage ?? '');
      assert.equal(again.type, 'redeploy');
      assert.equal(again.commitHash, commits[0]);
      assert.match(await logOf(again.deploymentId), new RegExp(`at commit ${commits[0]}`));
      assert.equal((await served(a.appName)).trim(), `v1-${runId}`);

      await ok('application.saveEnvironment', { applicationId: a.id, env: 'GREETING=two', buildArgs: null, buildSecrets: null, createEnvFile: false });
      await ok('application.update', { applicationId: a.id, memoryLimit: '134217728' });
      const tip = await run_('application.deploy', a.id);
      assert.equal(tip.status, 'done', tip.errorMessage ?? '');
      assert.equal(tip.commitHash, commits[1]);
      assert.equal((await served(a.appName)).trim(), `v2-${runId}`);
      assert.equal(await envOf(a.appName, 'GREETING'), 'two');
    });

    test('rollback restores the image and the configuration (env, memory limit) without a build, as a deployment of its own', async (t) => {
      const target = (await rollbacksOf(a.id)).find((d) => d.deploymentId === first.deploymentId)!.rollback!;
      const { d, ms } = await rollback(a.id, target.rollbackId);
      t.diagnostic(`rollback of a dockerfile-built app, API call → done: ${Math.round(ms)} ms`);
      assert.equal(d.status, 'done', d.errorMessage ?? '');
      assert.equal(d.type, 'rollback');
      assert.equal(d.title, `Rollback to version ${target.version}`);
      assert.equal(d.rollbackId, target.rollbackId);
      assert.equal(d.stageTimes?.building, undefined, 'a rollback built something');
      assert.equal((await served(a.appName)).trim(), `v1-${runId}`);
      assert.equal(await envOf(a.appName, 'GREETING'), 'one');
      const spec = JSON.parse(await run([docker, 'service', 'inspect', a.appName, '--format', '{{json .Spec.TaskTemplate.Resources}}']));
      assert.equal(spec.Limits.MemoryBytes, 67108864);
      const one = await ok('application.one', { applicationId: a.id });
      assert.equal(one.applicationStatus, 'done');
      assert.deepEqual(
        { deploymentId: one.release.deploymentId, type: one.release.type, commitHash: one.release.commitHash, rollbackId: one.release.rollbackId },
        { deploymentId: d.deploymentId, type: 'rollback', commitHash: commits[0], rollbackId: target.rollbackId },
      );
      assert.equal(one.health.status, 'running');
      assert.equal(one.health.running, 1);
      // a sanity bound (npm run bench measures rollbacks): start, then the old release out of DNS
      assert.ok(ms < 15_000, `rollback took ${Math.round(ms)} ms`);
    });

    test('a redeploy after a rollback rebuilds the rolled-back revision', async () => {
      const again = await run_('application.redeploy', a.id);
      assert.equal(again.status, 'done', again.errorMessage ?? '');
      assert.equal(again.commitHash, commits[0]);
    });

    test('a deployment whose build failed gets no rollback row, so it can never be a rollback target', async () => {
      await repo.commit(`v3-${runId}`, 'FROM busybox:latest\nRUN exit 7\n');
      const failed = await run_('application.deploy', a.id);
      assert.equal(failed.status, 'error');
      const row = (await rollbacksOf(a.id)).find((d) => d.deploymentId === failed.deploymentId)!;
      assert.equal(row.rollback, null);
      assert.equal(row.rollbackId, null);
      assert.deepEqual((await tagsOf(a.appName)).filter((tag) => tag === failed.deploymentId), [], 'the failed build left its image');
    });

    test('rollback.delete removes an old release and its image; the running release cannot be deleted', async () => {
      const rows = await rollbacksOf(a.id);
      const current = rows.find((d) => d.status === 'done')!;
      const running = await b.call('rollback.delete', { rollbackId: current.rollback!.rollbackId });
      assert.equal(running.status, 409, running.text);
      const old = rows.find((d) => d.rollback && d.type === 'redeploy' && d.commitHash === commits[0] && d.deploymentId !== current.deploymentId)!;
      const removed = await ok('rollback.delete', { rollbackId: old.rollback!.rollbackId });
      assert.equal(removed.deployment.deploymentId, old.deploymentId);
      assert.ok(!(await tagsOf(a.appName)).includes(old.deploymentId), 'its image is still there');
      assert.equal((await b.call('rollback.rollback', { rollbackId: old.rollback!.rollbackId })).status, 404);
    });
  });

  test('an env reference to nothing fails the deployment before anything is fetched, naming the variable', async () => {
    const row = await ok('application.create', { name: `badref-${runId}`, environmentId });
    appNames.push(row.appName);
    await ok('application.saveDockerProvider', { applicationId: row.applicationId, dockerImage: 'busybox:latest', username: null, password: null, registryUrl: null });
    await ok('application.saveEnvironment', { applicationId: row.applicationId, env: 'URL=${{project.NOPE}}', buildArgs: null, buildSecrets: null, createEnvFile: false });
    const d = await run_('application.deploy', row.applicationId);
    assert.equal(d.status, 'error');
    assert.match(d.errorMessage!, /project\.NOPE \(referenced by URL\)/);
    assert.equal(d.stageTimes?.cloning, undefined);
  });

  test('a docker-source rollback restores the earlier image digest and its env, though the tag has moved', async (t) => {
    const repo = `berth-rel/${runId}`;
    const image = await pushTestImage(tmp, repo, 'latest', `img-v1-${runId}`);
    const row = await ok('application.create', { name: `img-${runId}`, environmentId });
    appNames.push(row.appName);
    const id = row.applicationId;
    await ok('application.saveDockerProvider', { applicationId: id, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
    await ok('application.saveEnvironment', { applicationId: id, env: 'RELEASE=first', buildArgs: null, buildSecrets: null, createEnvFile: false });
    const one = await run_('application.deploy', id);
    assert.equal(one.status, 'done', one.errorMessage ?? '');
    await pushTestImage(tmp, repo, 'latest', `img-v2-${runId}`);
    await ok('application.saveEnvironment', { applicationId: id, env: 'RELEASE=second', buildArgs: null, buildSecrets: null, createEnvFile: false });
    const two = await run_('application.deploy', id);
    assert.equal(two.status, 'done', two.errorMessage ?? '');
    assert.equal((await served(row.appName)).trim(), `img-v2-${runId}`);
    assert.notEqual(one.image, two.image);

    const target = (await rollbacksOf(id)).find((d) => d.deploymentId === one.deploymentId)!.rollback!;
    assert.equal(target.image, one.image);
    const { d, ms } = await rollback(id, target.rollbackId);
    t.diagnostic(`rollback of a docker-source app, API call → done: ${Math.round(ms)} ms`);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    assert.equal((await served(row.appName)).trim(), `img-v1-${runId}`);
    assert.equal(await envOf(row.appName, 'RELEASE'), 'first');
    assert.ok(ms < 15_000, `rollback took ${Math.round(ms)} ms`);
  });

  test('cancel while the new tasks are verified: the service runs its previous version again; a first deployment cancelled there leaves no service', async () => {
    const image = await pushTestImage(tmp, `berth-rel/${runId}-cancel`, 'v1', `cancel-v1-${runId}`);
    const row = await ok('application.create', { name: `cancel-${runId}`, environmentId });
    appNames.push(row.appName);
    const id = row.applicationId;
    await ok('application.saveDockerProvider', { applicationId: id, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
    // a health check that keeps the new task starting: the deployment stays in `verifying`
    const slow = { Test: ['CMD-SHELL', 'exit 1'], Interval: 1_000_000_000, Retries: 100, StartPeriod: 60_000_000_000 };
    const cancelWhileVerifying = async () => {
      const { deploymentId } = await ok('application.deploy', { applicationId: id });
      const deadline = Date.now() + 60_000;
      while ((await b.call('deployment.all', { applicationId: id })).body.find((d: Deployment) => d.deploymentId === deploymentId).stage !== 'verifying') {
        if (Date.now() > deadline) assert.fail('never reached verifying');
        await new Promise((r) => setTimeout(r, 50));
      }
      await ok('application.cancelDeployment', { applicationId: id });
      return settled(id, deploymentId);
    };

    await ok('application.update', { applicationId: id, healthCheckSwarm: slow });
    const first = await cancelWhileVerifying();
    assert.equal(first.status, 'cancelled', first.errorMessage ?? '');
    assert.match(await logOf(first.deploymentId), /the new service was removed/);
    assert.equal((await run([docker, 'service', 'ls', '--filter', `name=${row.appName}`, '--format', '{{.Name}}'])).trim(), '');
    assert.equal((await ok('application.one', { applicationId: id })).applicationStatus, 'idle');

    await ok('application.update', { applicationId: id, healthCheckSwarm: null });
    await ok('application.saveEnvironment', { applicationId: id, env: 'RELEASE=kept', buildArgs: null, buildSecrets: null, createEnvFile: false });
    assert.equal((await run_('application.deploy', id)).status, 'done');
    await ok('application.update', { applicationId: id, healthCheckSwarm: slow });
    await ok('application.saveEnvironment', { applicationId: id, env: 'RELEASE=cancelled', buildArgs: null, buildSecrets: null, createEnvFile: false });
    const second = await cancelWhileVerifying();
    assert.equal(second.status, 'cancelled', second.errorMessage ?? '');
    assert.match(await logOf(second.deploymentId), /the service runs its previous version again/);
    assert.equal(await envOf(row.appName, 'RELEASE'), 'kept');
    assert.equal((await served(row.appName)).trim(), `cancel-v1-${runId}`);
    assert.equal((await ok('application.one', { applicationId: id })).applicationStatus, 'done');
  });

  test('with a rollback registry every build is pushed (stage pushing), and a rollback pulls the release back when the server lost it', async () => {
    const repo = await siteRepo('pushed');
    await repo.commit(`pushed-v1-${runId}`);
    const a = await gitApp('pushed', repo.url);
    const reg = await ok('registry.create', { registryName: `rb-${runId}`, username: registry.username, password: registry.password, registryUrl: registry.url, registryType: 'cloud', imagePrefix: `berth-rb-${runId}` });
    await ok('application.update', { applicationId: a.id, rollbackActive: true, rollbackRegistryId: reg.registryId });
    const one = await run_('application.deploy', a.id);
    assert.equal(one.status, 'done', one.errorMessage ?? '');
    assert.ok(one.stageTimes?.pushing, 'no pushing stage');
    assert.ok(!(await logOf(one.deploymentId)).includes(registry.password), 'the registry password is in the log');
    const [listed] = await rollbacksOf(a.id);
    const kept = `${registry.url}/berth-rb-${runId}/${a.appName}:${one.deploymentId}`;
    assert.equal(listed.rollback!.image, kept);

    await repo.commit(`pushed-v2-${runId}`);
    const two = await run_('application.deploy', a.id);
    assert.equal(two.status, 'done', two.errorMessage ?? '');
    // the server loses release one (retention already untagged the local name; Swarm's
    // stopped task still holds the image, hence the force)
    await run([docker, 'rmi', '-f', kept]);
    assert.deepEqual(await tagsOf(a.appName), [two.deploymentId]);
    const { d } = await rollback(a.id, listed.rollback!.rollbackId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    assert.match(await logOf(d.deploymentId), new RegExp(`Pulling ${kept.replace(/[.]/g, '\\.')}`));
    assert.equal((await served(a.appName)).trim(), `pushed-v1-${runId}`);
    await ok('application.delete', { applicationId: a.id });
    await run([docker, 'rmi', kept]).catch(() => '');
    await ok('registry.remove', { registryId: reg.registryId });
  });

  test('after 12 deployments with N = 5, exactly the images of the last 5 successful ones remain', async () => {
    const repo = await siteRepo('kept');
    await repo.commit(`kept-${runId}`);
    const a = await gitApp('kept', repo.url);
    const done: string[] = [];
    for (let i = 0; i < 12; i++) {
      const d = await run_(i % 2 ? 'application.redeploy' : 'application.deploy', a.id);
      assert.equal(d.status, 'done', d.errorMessage ?? '');
      done.push(d.deploymentId);
    }
    assert.deepEqual(await tagsOf(a.appName), done.slice(-5).sort());
    const withRollback = (await rollbacksOf(a.id)).filter((d) => d.rollback).map((d) => d.deploymentId);
    assert.deepEqual(withRollback.sort(), done.slice(-5).sort());
  });
});
