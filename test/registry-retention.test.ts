// Release retention reaches the registry: when Berth drops a release whose image it pushed,
// the manifest leaves the registry too (DELETE by digest), unless a kept release or the
// running service shares that digest; a registry that refuses deletes is said once and
// never fails a deploy. Real engine, real builds, the test registry (delete enabled) and a
// second Distribution registry with deletes off, started here.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, freePort, gitServerRepoFor, removeRunApplications, type Deployment } from './helpers/e2e.js';
import { gitTestEnv, run, runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();
const docker = testEnv.dockerCli;
const { registry } = testEnv;
const prefix = `berth-${runId}`;
const basic = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
const ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';

/** The status a registry answers for one manifest (by tag or digest), and its digest. */
async function manifest(host: string, repository: string, reference: string): Promise<{ status: number; digest: string | null }> {
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, { headers: { authorization: basic, accept: ACCEPT } });
  await res.body?.cancel();
  return { status: res.status, digest: res.headers.get('docker-content-digest') };
}

/** The status `manifest` answers once it is `want`, or the last one after 15 s: clean-up runs right after a deployment ends. */
async function manifestStatus(host: string, repository: string, reference: string, want: number): Promise<number> {
  let status = 0;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(100)) if ((status = (await manifest(host, repository, reference)).status) === want) break;
  return status;
}

describe('registry retention', () => {
  let b: TestBerth;
  let environmentId: string;
  const { ok, settled } = deploymentClient(() => b);
  /** What Berth printed: its warnings (clean-up's among them). */
  const output: string[] = [];
  const appNames: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-retention-'));
  const cliConfig = path.join(tmp, 'docker-config');
  let refusing: ChildProcess | undefined;
  /** Manifests this run left in the test registry (deleted at the end). */
  const leftovers: { repository: string; digest: string }[] = [];

  let repo: Awaited<ReturnType<typeof gitServerRepoFor>> | undefined;
  const work = path.join(tmp, 'work');
  /** An application building this run's copy of the hello-dockerfile repository. */
  async function builtApp(name: string) {
    const row = await ok('application.create', { name: `${name}-${runId}`, environmentId });
    appNames.push(row.appName);
    if (!repo) {
      repo = await gitServerRepoFor(ok, row.applicationId, `retention-${runId}`);
      await run(['git', 'clone', '-q', repo.authed, work], { env: gitTestEnv });
    } else {
      await ok('application.saveGitProvider', { applicationId: row.applicationId, customGitUrl: repo.authed, customGitBranch: 'main', customGitBuildPath: '/', watchPaths: null });
      await ok('application.saveBuildType', { applicationId: row.applicationId, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
    }
    // on this engine, which reaches the registries on loopback, whatever the lab's workers do meanwhile
    await ok('application.update', { applicationId: row.applicationId, placementSwarm: { Constraints: ['node.role==manager'] } });
    return { id: row.applicationId as string, appName: row.appName as string };
  }
  /** A new commit whose build is a new image (its page changes), so a new digest. */
  let commits = 0;
  async function change() {
    fs.writeFileSync(path.join(work, 'index.html'), `release ${++commits} of ${runId}\n`);
    await run(['git', '-C', work, 'commit', '-q', '-am', `release ${commits}`], { env: gitTestEnv });
    await run(['git', '-C', work, 'push', '-q', 'origin', 'main'], { env: gitTestEnv });
  }
  const deploy = async (applicationId: string): Promise<Deployment> => {
    const d = await settled(applicationId, (await ok('application.deploy', { applicationId })).deploymentId, 180_000);
    assert.equal(d.status, 'done', `${d.errorMessage}\n${output.join('\n')}`);
    return d;
  };

  /** Stops the app and waits for it: the queue runs the stop after the last deployment's job, clean-up included, returned. */
  async function stopped(applicationId: string) {
    await ok('application.stop', { applicationId });
    for (const deadline = Date.now() + 60_000; (await ok('application.one', { applicationId })).applicationStatus !== 'idle'; await sleep(100))
      assert.ok(Date.now() < deadline, 'the application did not stop');
  }

  before(async () => {
    fs.mkdirSync(cliConfig);
    await run([docker, '--config', cliConfig, 'login', '-u', registry.username, '--password-stdin', registry.url], { input: registry.password });
    b = await startTestBerth({
      BERTH_DOCKER_CLI: docker,
      BERTH_REGISTRY_URL: registry.url,
      BERTH_REGISTRY_USERNAME: registry.username,
      BERTH_REGISTRY_PASSWORD: registry.password,
      BERTH_REGISTRY_PREFIX: prefix,
      BERTH_REGISTRY_PUSH: 'always',
      BERTH_KEEP_RELEASES: '2',
    }, (line) => void output.push(line));
    environmentId = (await ok('project.create', { name: `registry-retention-${runId}` })).environment.environmentId;
  });

  after(async () => {
    await removeRunApplications(ok, appNames);
    await b.close();
    refusing?.kill();
    if (repo) fs.rmSync(repo.bare, { recursive: true, force: true });
    for (const m of leftovers) await fetch(`http://${registry.url}/v2/${m.repository}/manifests/${m.digest}`, { method: 'DELETE', headers: { authorization: basic } }).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('with 2 releases kept, the manifests of dropped releases leave the registry; the kept ones (and a digest they share) pull', async () => {
    const app = await builtApp('kept');
    const repository = `${prefix}/${app.appName}`;
    const digestOf = async (d: Deployment) => {
      const m = await manifest(registry.url, repository, d.deploymentId);
      assert.equal(m.status, 200, `release ${d.deploymentId} is not in the registry`);
      leftovers.push({ repository, digest: m.digest! });
      return m.digest!;
    };
    // A new commit each: each release its own image, so its own digest.
    await change();
    const d1 = await deploy(app.id);
    const a = await digestOf(d1);
    await change();
    const d2 = await deploy(app.id);
    const bDigest = await digestOf(d2);
    await change();
    const d3 = await deploy(app.id);
    const c = await digestOf(d3);
    assert.equal(new Set([a, bDigest, c]).size, 3, 'three commits gave the same digest');
    assert.equal(await manifestStatus(registry.url, repository, a, 404), 404, 'release 1 (dropped) is still in the registry');
    assert.equal(await manifestStatus(registry.url, repository, d1.deploymentId, 404), 404, "release 1's tag still resolves");
    assert.equal((await manifest(registry.url, repository, bDigest)).status, 200);

    // Builds of the same commit (cached): the same image as release 3, so the same digest.
    const d4 = await deploy(app.id);
    assert.equal(await digestOf(d4), c, 'a cached rebuild gave a new digest');
    assert.equal(await manifestStatus(registry.url, repository, bDigest, 404), 404, `release 2 (dropped) is still in the registry:\n${output.join('\n')}`);
    const d5 = await deploy(app.id);
    const running: string = (await run([docker, 'service', 'inspect', app.appName, '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'])).trim();
    assert.equal(running, `${registry.url}/${repository}@${c}`);
    await stopped(app.id);
    // Release 3 is dropped now, but its digest is the kept releases' (and the running service's): it stays.
    assert.equal((await manifest(registry.url, repository, c)).status, 200, 'a digest kept releases share was deleted');
    const rows: (Deployment & { rollback: { image: string } | null })[] = await ok('deployment.allByType', { id: app.id, type: 'application' });
    const kept = rows.filter((r) => r.rollback).map((r) => r.deploymentId).sort();
    assert.deepEqual(kept, [d4.deploymentId, d5.deploymentId].sort());
    for (const d of [d4, d5]) {
      const out = await run([docker, '--config', cliConfig, 'pull', `${registry.url}/${repository}:${d.deploymentId}`]);
      assert.match(out, new RegExp(`Digest: ${c}`));
    }
    assert.ok(!output.some((l) => /could not (delete|learn the digest|prune the registry)/.test(l)), output.join('\n'));
  });

  test("a deploy that fails after its push takes its manifest out of the registry; the release that serves on stays", async () => {
    const app = await builtApp('failed');
    const repository = `${prefix}/${app.appName}`;
    await change();
    const good = await deploy(app.id);
    const goodDigest = (await manifest(registry.url, repository, good.deploymentId)).digest!;
    leftovers.push({ repository, digest: goodDigest });
    await change();
    await ok('application.update', { applicationId: app.id, healthCheckSwarm: { Test: ['CMD-SHELL', 'exit 1'], Interval: 500_000_000, Timeout: 1_000_000_000, Retries: 1 } });
    const bad = await settled(app.id, (await ok('application.deploy', { applicationId: app.id })).deploymentId, 180_000);
    assert.equal(bad.status, 'error');
    assert.match(bad.errorMessage!, /health check "exit 1" failed/);
    assert.equal(bad.image, `${registry.url}/${repository}:${bad.deploymentId}`, 'the failed release was not pushed');
    assert.equal(await manifestStatus(registry.url, repository, bad.deploymentId, 404), 404, "the failed release's manifest is still in the registry");
    await stopped(app.id);
    assert.equal((await manifest(registry.url, repository, goodDigest)).status, 200, 'the release that serves on was deleted');
  });

  test('a registry that refuses deletes is said once, and deploys end done', async () => {
    // The Distribution registry with deletes off (its default), over its own storage, the same users.
    const port = await freePort();
    const dir = path.join(tmp, 'refusing');
    fs.mkdirSync(dir);
    const configFile = path.join(dir, 'config.yml');
    fs.writeFileSync(
      configFile,
      `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\nauth:\n  htpasswd:\n    realm: refusing\n    path: /var/lib/berth-test/registry/htpasswd\n`,
    );
    refusing = spawn('/usr/bin/docker-registry', ['serve', configFile], { stdio: 'ignore' });
    const host = `127.0.0.1:${port}`;
    for (let i = 0; (await fetch(`http://${host}/v2/`).then((r) => r.status, () => 0)) !== 401; i++) {
      assert.ok(i < 100, 'the refusing registry did not start');
      await sleep(100);
    }
    await b.restart({ BERTH_REGISTRY_URL: host, BERTH_KEEP_RELEASES: '1' });
    const app = await builtApp('refused');
    await change();
    const first = await deploy(app.id);
    const firstDigest = (await manifest(host, `${prefix}/${app.appName}`, first.deploymentId)).digest;
    assert.ok(firstDigest, 'the first release was not pushed to the refusing registry');
    await change();
    await deploy(app.id);
    await change();
    await deploy(app.id);
    await stopped(app.id);
    const said = output.filter((l) => l.includes(`registry ${host} refuses to delete manifests`));
    assert.equal(said.length, 1, output.join('\n'));
    assert.match(said[0], /storage\.delete\.enabled is off/);
    // It is still there: nothing deleted it, nothing failed.
    assert.equal((await manifest(host, `${prefix}/${app.appName}`, firstDigest)).status, 200);
    assert.ok(!output.some((l) => /could not (delete|learn the digest|prune the registry)/.test(l)), output.join('\n'));
  });
});
