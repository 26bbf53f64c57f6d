// `berth registry-service` for real: the cluster's registry as the Swarm service
// berth-registry on this manager, over TLS (the lab's test CA), from an image of the
// Distribution registry built here (BERTH_REGISTRY_IMAGE: registry:2 cannot be pulled on
// the test machines) out of Debian's docker-registry binary. Berth pushes a build to it and
// the application's service runs the pushed image by digest. Everything is removed after.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { manifestDigest } from '../src/deploy/sources/docker.js';
import { parseImageRef } from '../src/deploy/sources/image-ref.js';
import { checkRegistryLogin } from '../src/docker/registry-auth.js';
import { registryFetch } from '../src/docker/registry-fetch.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, execInService, freePort, removeRunApplications } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { labUp, readTestEnv } from './helpers/test-env.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testEnv = readTestEnv();
const docker = testEnv.dockerCli;
const { registry, git } = testEnv;
const labAddress = testEnv.cluster?.labAddress;
const tls = path.dirname(registry.labCa);
const ca = fs.existsSync(registry.labCa) ? fs.readFileSync(registry.labCa, 'utf8') : '';
const image = `berth-test-registry:${runId}`;
/** The registry's one user: made up for this run. */
const creds = { username: 'berth', password: `pass-${runId}` };
const prefix = `berth-${runId}`;

/** `berth registry-service <args>` from the sources; resolves with what it printed. */
function registryService(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'registry-service', ...args],
      { cwd: root, env: { ...process.env, DOCKER_HOST: testEnv.dockerHost, BERTH_REGISTRY_USERNAME: creds.username, BERTH_REGISTRY_PASSWORD: creds.password, ...env }, timeout: 300_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('berth registry-service on this engine', () => {
  let b: TestBerth | undefined;
  let port: number;
  let url: string;
  let certsDir: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-service-'));
  const appNames: string[] = [];
  const { ok, settled } = deploymentClient(() => b!);
  const secrets = new Set<string>();

  before(async () => {
    assert.ok(labUp(testEnv) && labAddress && ca, 'the lab (its address and test CA) is not up: run scripts/test-env.sh as root');
    const services = (await run([docker, 'service', 'ls', '--format', '{{.Name}}'])).split('\n');
    assert.ok(!services.includes('berth-registry'), 'a berth-registry service already runs on this engine: this test would replace it');
    // The image: registry:2's layout around Debian's binary, with the classic builder.
    const context = path.join(tmp, 'image');
    fs.cpSync(path.join(root, 'test/fixtures/registry-image'), context, { recursive: true });
    fs.copyFileSync('/usr/bin/docker-registry', path.join(context, 'registry'));
    await run([docker, 'build', '-q', '-t', image, context], { env: { DOCKER_BUILDKIT: '0' } });
    port = await freePort();
    // Every engine here trusts the test CA for this address (read on each pull and push, no restart).
    certsDir = `/etc/docker/certs.d/${labAddress}:${port}`;
    fs.mkdirSync(certsDir, { recursive: true });
    fs.copyFileSync(registry.labCa, path.join(certsDir, 'ca.crt'));
  });

  after(async () => {
    if (b) {
      await removeRunApplications(ok, appNames);
      await b.close();
    }
    const spec = await run([docker, 'service', 'inspect', 'berth-registry', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}']).catch(() => '');
    for (const s of spec.trim() && spec.trim() !== 'null' ? (JSON.parse(spec) as { SecretName: string }[]) : []) secrets.add(s.SecretName);
    await run([docker, 'service', 'rm', 'berth-registry']).catch(() => '');
    // the volume goes once the task's container has
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(500)) {
      if (!(await run([docker, 'volume', 'ls', '-q', '--filter', 'name=^berth-registry-data$'])).trim()) break;
      if (await run([docker, 'volume', 'rm', 'berth-registry-data']).then(() => true, () => false)) break;
    }
    for (const name of secrets) await run([docker, 'secret', 'rm', name]).catch(() => '');
    const pushed = (await run([docker, 'images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').filter((r) => url && r.startsWith(`${url}/`));
    for (const ref of [...pushed, image]) await run([docker, 'rmi', '-f', ref]).catch(() => '');
    if (certsDir) fs.rmSync(certsDir, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('creates the service on this manager with TLS and htpasswd, and prints the URL to set', async () => {
    const r = await registryService({ BERTH_REGISTRY_IMAGE: image }, '--port', String(port), '--tls-cert', path.join(tls, 'server.crt'), '--tls-key', path.join(tls, 'server.key'));
    assert.equal(r.code, 0, r.stderr);
    url = `${labAddress}:${port}`;
    assert.equal(r.stdout.trim(), `BERTH_REGISTRY_URL=${url}`);
    const spec = JSON.parse(await run([docker, 'service', 'inspect', 'berth-registry', '--format', '{{json .Spec}}']));
    assert.equal(spec.TaskTemplate.ContainerSpec.Image.split('@')[0], image, 'not the image BERTH_REGISTRY_IMAGE names');
    assert.deepEqual(spec.TaskTemplate.Placement.Constraints, [`node.id == ${(await run([docker, 'info', '--format', '{{.Swarm.NodeID}}'])).trim()}`]);
    const node = (await run([docker, 'service', 'ps', 'berth-registry', '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}'])).trim();
    assert.match(node, / Running/);
  });

  test('the registry answers /v2/ over TLS only with its user (the CA trusted through BERTH_REGISTRY_CA_FILE\'s client)', async () => {
    const doFetch = registryFetch(ca);
    const anonymous = await doFetch(`https://${url}/v2/`);
    await anonymous.body?.cancel();
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm="Berth registry"/);
    await checkRegistryLogin({ registryUrl: url, ...creds }, { fetch: doFetch });
    await assert.rejects(checkRegistryLogin({ registryUrl: url, ...creds, password: 'wrong' }, { fetch: doFetch }), /unauthorized: incorrect username or password/);
  });

  test("Berth pushes a build to it, and the application's service runs the pushed image by digest", async () => {
    b = await startTestBerth({
      BERTH_DOCKER_CLI: docker,
      BERTH_REGISTRY_URL: url,
      BERTH_REGISTRY_USERNAME: creds.username,
      BERTH_REGISTRY_PASSWORD: creds.password,
      BERTH_REGISTRY_PREFIX: prefix,
      BERTH_REGISTRY_PUSH: 'always',
      BERTH_REGISTRY_CA_FILE: registry.labCa,
    });
    const { environment } = await ok('project.create', { name: `registry-service-${runId}` });
    const app = await ok('application.create', { name: `pushed-${runId}`, environmentId: environment.environmentId });
    appNames.push(app.appName);
    await ok('application.saveGitProvider', { applicationId: app.applicationId, customGitUrl: git.repos['hello-dockerfile'].publicHttpUrl, customGitBranch: 'main', customGitBuildPath: '/', watchPaths: null });
    await ok('application.saveBuildType', { applicationId: app.applicationId, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
    // this engine: the lab's workers are another test's to switch on and off
    await ok('application.update', { applicationId: app.applicationId, placementSwarm: { Constraints: ['node.role==manager'] } });
    const d = await settled(app.applicationId, (await ok('application.deploy', { applicationId: app.applicationId })).deploymentId, 180_000);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    assert.equal(d.image, `${url}/${prefix}/${app.appName}:${d.deploymentId}`);
    const digest = await manifestDigest(parseImageRef(d.image!), creds, { fetch: registryFetch(ca) });
    assert.ok(digest, 'the registry service does not hold the release');
    const running = (await run([docker, 'service', 'inspect', app.appName, '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'])).trim();
    assert.equal(running, `${url}/${prefix}/${app.appName}@${digest}`);
    assert.equal((await execInService(app.appName, ['wget', '-q', '-O-', 'http://127.0.0.1:3000/'])).trim(), 'hello-dockerfile main');
  });
});
