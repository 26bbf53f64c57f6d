// Images reach every node (issue 14, item 2) on the real engine and the test registry:
// a build goes to the cluster's registry (BERTH_REGISTRY_*) before release, the service
// runs the registry's copy by digest with the registry's credentials for the nodes
// (X-Registry-Auth), a push that fails leaves the service as it was, and rollbacks release
// the registry's copies. On the lab (three nodes), a task runs on every node from the push.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, execInService, freePort, removeRunApplications, type Deployment } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { labUp, readTestEnv } from './helpers/test-env.js';

/** The lab's facts, once scripts/test-env.sh brings the lab up (CLUSTER-BRIEF: env.json `cluster`, `registry.labUrl`). */
const testEnv = readTestEnv();
const docker = testEnv.dockerCli;
const { registry, git } = testEnv;

/** The lab is up and every node of it Ready in this engine's swarm (its addresses are unreachable otherwise). */
async function labReady(): Promise<boolean> {
  const nodes = testEnv.cluster?.nodes;
  if (!labUp(testEnv) || !nodes || !registry.labUrl) return false;
  const listed = await run([docker, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}}']).catch(() => '');
  return nodes.every((n) => listed.split('\n').includes(`${n.hostname} Ready`));
}

const lab = await labReady();
/** Where Berth pushes: the registry's lab address when every node must reach it, else loopback. */
const registryUrl = lab ? registry.labUrl : registry.url;
const prefix = `berth-${runId}`;

const spec = async (service: string) => JSON.parse(await run([docker, 'service', 'inspect', service, '--format', '{{json .}}']));
const served = (appName: string) => execInService(appName, ['wget', '-q', '-O-', 'http://127.0.0.1:3000/']);
const envOf = async (appName: string, name: string) =>
  (await execInService(appName, ['env'])).split('\n').find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);

/** The digest the registry serves for `<prefix>/<app>:<tag>` (asked on loopback, where it speaks plain HTTP). */
async function registryDigest(appName: string, tag: string): Promise<string | null> {
  const res = await fetch(`http://${registry.url}/v2/${prefix}/${appName}/manifests/${tag}`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`,
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  await res.body?.cancel();
  return res.ok ? res.headers.get('docker-content-digest') : null;
}

describe('images reach every node', () => {
  let b: TestBerth;
  let environmentId: string;
  const { ok, settled, logOf } = deploymentClient(() => b);
  const appNames: string[] = [];
  const settings = { BERTH_DOCKER_CLI: docker, BERTH_REGISTRY_URL: registryUrl, BERTH_REGISTRY_USERNAME: registry.username, BERTH_REGISTRY_PASSWORD: registry.password, BERTH_REGISTRY_PREFIX: prefix };

  /** An application that builds the hello-dockerfile fixture (busybox httpd on 3000). */
  async function builtApp(name: string) {
    const row = await ok('application.create', { name: `${name}-${runId}`, environmentId });
    appNames.push(row.appName);
    await ok('application.saveGitProvider', { applicationId: row.applicationId, customGitUrl: git.repos['hello-dockerfile'].publicHttpUrl, customGitBranch: 'main', customGitBuildPath: '/', watchPaths: null });
    await ok('application.saveBuildType', { applicationId: row.applicationId, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
    return { id: row.applicationId as string, appName: row.appName as string };
  }
  const deploy = async (applicationId: string, proc = 'application.deploy') => settled(applicationId, (await ok(proc, { applicationId })).deploymentId, 180_000);
  const setEnv = (applicationId: string, env: string) => ok('application.saveEnvironment', { applicationId, env, buildArgs: null, buildSecrets: null, createEnvFile: false });
  const status = async (applicationId: string, want: string) => {
    const deadline = Date.now() + 60_000;
    let now: string;
    while ((now = (await ok('application.one', { applicationId })).applicationStatus) !== want) {
      if (Date.now() > deadline) assert.fail(`status ${now}, expected ${want}`);
      await sleep(50);
    }
  };

  before(async () => {
    // `always`: on one node the default (multi-node) pushes nothing.
    b = await startTestBerth({ ...settings, BERTH_REGISTRY_PUSH: 'always' });
    environmentId = (await ok('project.create', { name: `cluster-images-${runId}` })).environment.environmentId;
  });

  after(async () => {
    await removeRunApplications(ok, appNames);
    await b.close();
  });

  let app: { id: string; appName: string };
  let first: Deployment;

  test('a build is pushed to the cluster registry before release, and the service runs that copy by its digest', async () => {
    app = await builtApp('pushed');
    await setEnv(app.id, 'RELEASE=one');
    first = await deploy(app.id);
    assert.equal(first.status, 'done', first.errorMessage ?? '');
    assert.ok(first.stageTimes?.pushing, 'no pushing stage');
    const log = await logOf(first.deploymentId);
    assert.match(log, new RegExp(`Pushing the image to the cluster's registry ${registryUrl.replace(/\./g, '\\.')}`));
    assert.ok(!log.includes(registry.password), 'the registry password is in the log');
    assert.equal(first.image, `${registryUrl}/${prefix}/${app.appName}:${first.deploymentId}`);
    const image: string = (await spec(app.appName)).Spec.TaskTemplate.ContainerSpec.Image;
    const digest = await registryDigest(app.appName, first.deploymentId);
    assert.ok(digest, 'the registry does not have the release');
    assert.equal(image, `${registryUrl}/${prefix}/${app.appName}@${digest}`);
    assert.equal((await served(app.appName)).trim(), 'hello-dockerfile main');
  });

  test("a node without the image pulls it from the private registry with the credentials the service carries (X-Registry-Auth)", async () => {
    const image: string = (await spec(app.appName)).Spec.TaskTemplate.ContainerSpec.Image;
    await ok('application.stop', { applicationId: app.id });
    await status(app.id, 'idle');
    // This node forgets the release, as a node that never had it: only a pull can bring it back.
    const id = (await run([docker, 'image', 'inspect', image, '--format', '{{.Id}}'])).trim();
    await run([docker, 'rmi', '-f', image, first.image!, `${app.appName}:${first.deploymentId}`]).catch(() => '');
    await assert.rejects(run([docker, 'image', 'inspect', image]), 'the image is still known by its digest');
    // The engine's own client has no login for the registry: the pull uses the service's.
    await ok('application.start', { applicationId: app.id });
    await status(app.id, 'done');
    assert.equal((await served(app.appName)).trim(), 'hello-dockerfile main');
    assert.equal((await run([docker, 'image', 'inspect', image, '--format', '{{.Id}}'])).trim(), id, 'the task runs the pulled image');
  });

  test("a push that fails fails the deploy with the registry's words before the service is touched; the old release serves on", async () => {
    const before = await spec(app.appName);
    const closed = await freePort();
    const cases: { env: Record<string, string>; words: RegExp }[] = [
      { env: { BERTH_REGISTRY_PASSWORD: 'wrong-password' }, words: /unauthorized|authentication required/ },
      { env: { BERTH_REGISTRY_URL: `127.0.0.1:${closed}` }, words: /connection refused/ },
    ];
    for (const c of cases) {
      await b.restart(c.env);
      const d = await deploy(app.id, 'application.redeploy');
      assert.equal(d.status, 'error', `the deploy did not fail with ${JSON.stringify(c.env)}`);
      assert.match(d.errorMessage!.split('\n')[0], /^Could not push /);
      assert.match(d.errorMessage!.split('\n')[0], c.words);
      const log = await logOf(d.deploymentId);
      assert.match(log, new RegExp(`Deployment failed while pushing: Could not push .*(${c.words.source})`));
      assert.ok(!log.includes('wrong-password'), 'the password is in the log');
      const now = await spec(app.appName);
      assert.equal(now.Version.Index, before.Version.Index, 'the service was changed');
      assert.equal((await served(app.appName)).trim(), 'hello-dockerfile main');
      assert.equal((await ok('application.one', { applicationId: app.id })).applicationStatus, 'error');
    }
    await b.restart();
  });

  test("a rollback releases the registry's copy of the kept release, pulled back when this server lost it", async () => {
    await setEnv(app.id, 'RELEASE=two');
    const second = await deploy(app.id);
    assert.equal(second.status, 'done', second.errorMessage ?? '');
    assert.equal(await envOf(app.appName, 'RELEASE'), 'two');
    const rows: (Deployment & { rollback: { rollbackId: string; image: string } | null })[] = await ok('deployment.allByType', { id: app.id, type: 'application' });
    const target = rows.find((r) => r.deploymentId === first.deploymentId)!.rollback!;
    assert.equal(target.image, first.image, 'the kept release is not the pushed reference');
    await run([docker, 'rmi', '-f', target.image]).catch(() => '');
    const d = await settled(app.id, (await ok('rollback.rollback', { rollbackId: target.rollbackId })).deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    assert.match(await logOf(d.deploymentId), new RegExp(`Pulling ${target.image.replace(/\./g, '\\.')}`));
    assert.equal(await envOf(app.appName, 'RELEASE'), 'one');
    const image: string = (await spec(app.appName)).Spec.TaskTemplate.ContainerSpec.Image;
    assert.equal(image, `${registryUrl}/${prefix}/${app.appName}@${await registryDigest(app.appName, first.deploymentId)}`);
  });

  test('a rollback to a release built before there was a registry to push to pushes it first, and runs the pushed copy', async () => {
    await b.restart({ BERTH_REGISTRY_URL: '' });
    const late = await builtApp('late');
    const one = await deploy(late.id);
    assert.equal(one.status, 'done', one.errorMessage ?? '');
    assert.equal(one.image, `${late.appName}:${one.deploymentId}`, 'pushed without a registry');
    assert.equal(await registryDigest(late.appName, one.deploymentId), null);
    const two = await deploy(late.id);
    assert.equal(two.status, 'done', two.errorMessage ?? '');
    await b.restart();
    const rows: (Deployment & { rollback: { rollbackId: string } | null })[] = await ok('deployment.allByType', { id: late.id, type: 'application' });
    const d = await settled(late.id, (await ok('rollback.rollback', { rollbackId: rows.find((r) => r.deploymentId === one.deploymentId)!.rollback!.rollbackId })).deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    const pushed = `${registryUrl}/${prefix}/${late.appName}:${one.deploymentId}`;
    assert.match(await logOf(d.deploymentId), new RegExp(`Pushing ${pushed.replace(/\./g, '\\.')}`));
    const digest = await registryDigest(late.appName, one.deploymentId);
    assert.ok(digest, 'the registry does not have the release rolled back to');
    assert.equal((await spec(late.appName)).Spec.TaskTemplate.ContainerSpec.Image, `${registryUrl}/${prefix}/${late.appName}@${digest}`);
  });

  describe('on the three-node lab', () => {
    const workers = (testEnv.cluster?.nodes ?? []).filter((n) => n.role === 'worker');
    const availability = (availability: string) => Promise.all(workers.map((w) => ok('cluster.updateNode', { nodeId: w.hostname, availability })));

    before(async () => {
      assert.ok(lab, 'the lab is not up (env.json has no cluster, or its nodes are not Ready): run scripts/test-env.sh as root');
      // A Berth as production runs it: the cluster registry's default push mode (multi-node).
      await b.restart({ BERTH_REGISTRY_PUSH: '' });
      await availability('active');
    });
    after(() => availability('drain'));

    test('three replicas of a Dockerfile build run one on each node from the pushed image; a rollback pulls the kept release onto the nodes', async () => {
      const three = await builtApp('spread');
      await ok('application.update', { applicationId: three.id, replicas: 3 });
      await setEnv(three.id, 'RELEASE=one');
      const one = await deploy(three.id);
      assert.equal(one.status, 'done', one.errorMessage ?? '');
      assert.match(await logOf(one.deploymentId), /cluster's registry .*: the swarm has 3 nodes/);
      const imageOne: string = (await spec(three.appName)).Spec.TaskTemplate.ContainerSpec.Image;
      assert.equal(imageOne, `${registryUrl}/${prefix}/${three.appName}@${await registryDigest(three.appName, one.deploymentId)}`);
      /** The node and image of every task meant to run, once each runs. */
      const running = async () => {
        const tasks = await run([docker, 'service', 'ps', three.appName, '--filter', 'desired-state=running', '--format', '{{.Node}}|{{.CurrentState}}|{{.Image}}']);
        const rows = tasks.split('\n').filter(Boolean).map((l) => l.split('|'));
        for (const [node, state] of rows) assert.match(state, /^Running/, `the task on ${node}`);
        return rows.map(([node, , image]) => ({ node, image }));
      };
      const nodes = testEnv.cluster!.nodes.map((n) => n.hostname).sort();
      const first = await running();
      assert.deepEqual(first.map((t) => t.node).sort(), nodes, 'one task on each node');
      for (const t of first) assert.equal(t.image, imageOne);

      await setEnv(three.id, 'RELEASE=two');
      const two = await deploy(three.id);
      assert.equal(two.status, 'done', two.errorMessage ?? '');
      // Every node forgets release one (the same build, cached, so by the same digest as release two: running
      // containers keep their layers, but no node knows the reference): the rollback's tasks have to pull it.
      for (const n of testEnv.cluster!.nodes) await run([docker, '-H', n.dockerHost, 'rmi', '-f', imageOne]).catch(() => '');
      const rows: (Deployment & { rollback: { rollbackId: string } | null })[] = await ok('deployment.allByType', { id: three.id, type: 'application' });
      const d = await settled(three.id, (await ok('rollback.rollback', { rollbackId: rows.find((r) => r.deploymentId === one.deploymentId)!.rollback!.rollbackId })).deploymentId, 180_000);
      assert.equal(d.status, 'done', d.errorMessage ?? '');
      const after = await running();
      assert.equal(after.length, 3);
      for (const t of after) assert.equal(t.image, imageOne);
      const workerNames = new Set(workers.map((w) => w.hostname));
      assert.ok(after.some((t) => workerNames.has(t.node)), `no task of the rollback on a worker: ${JSON.stringify(after)}`);
      for (const n of testEnv.cluster!.nodes.filter((node) => after.some((t) => t.node === node.hostname)))
        await run([docker, '-H', n.dockerHost, 'image', 'inspect', '--format', '{{.Id}}', imageOne]).catch(() => assert.fail(`${n.hostname} runs the rollback without having pulled ${imageOne}`));
      const envs = await run([docker, 'service', 'inspect', three.appName, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}']);
      assert.ok(envs.includes('RELEASE=one'), envs);
    });
  });
});
