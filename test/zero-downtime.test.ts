import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { dockerClientOptions } from '../src/docker/engine.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient } from './helpers/e2e.js';
import { run } from './helpers/job.js';
import { startTrafficProbe, type TrafficProbe } from './helpers/traffic-probe.js';
import { readTestEnv } from './helpers/test-env.js';

// Releases of an application reached by name over the overlay (no published port: what
// sits behind Traefik), made through Berth's API with its default update settings, while a
// client container keeps asking.

const testEnv = readTestEnv();
const { registry } = testEnv;
const RUN = `zd${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const SECOND = 1_000_000_000;

/**
 * A production-like web server: takes a second to start listening, and on SIGTERM keeps
 * answering for a drain period before it stops accepting and exits. The body names the
 * image build and the VERSION of the task that answered.
 */
const SERVER = `const http = require('node:http');
const body = process.env.BUILD + '-' + process.env.VERSION;
const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/' ? 200 : 404;
  res.end(body + '\\n');
});
setTimeout(() => server.listen(3000), 1000);
process.on('SIGTERM', () => setTimeout(() => { server.close(() => process.exit(0)); server.closeIdleConnections(); }, 3000));
`;
/** The health check: GET of a path (default /) answers 200. */
const HEALTH = `require('node:http')
  .get({ host: '127.0.0.1', port: 3000, path: process.argv[2] || '/', timeout: 1500 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1))
  .on('error', () => process.exit(1))
  .on('timeout', () => process.exit(1));
`;

/** A node image of that build, pushed to the local registry; the local copy is removed. */
async function pushNodeImage(ref: string, build: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-zd-test-'));
  try {
    writeFileSync(path.join(dir, 'server.js'), SERVER);
    writeFileSync(path.join(dir, 'health.js'), HEALTH);
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM node:20-bookworm-slim\nENV BUILD=${build}\nCOPY server.js health.js /srv/\nCMD ["node", "/srv/server.js"]\n`);
    await run([testEnv.dockerCli, 'build', '-q', '-t', ref, '--', dir]);
    await run([testEnv.dockerCli, '--config', dir, 'login', '-u', registry.username, '--password-stdin', registry.url], { input: registry.password });
    await run([testEnv.dockerCli, '--config', dir, 'push', ref]);
    await run([testEnv.dockerCli, 'rmi', ref]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('zero-downtime releases through the API on the real swarm', () => {
  const docker = new Docker(dockerClientOptions(testEnv.dockerHost));
  let b: TestBerth;
  const { ok, settled } = deploymentClient(() => b);
  const images = { a: `${registry.url}/berth-zd/${RUN}:a`, b: `${registry.url}/berth-zd/${RUN}:b` };
  const probes: TrafficProbe[] = [];
  const healthCheckSwarm = { Test: ['CMD', 'node', '/srv/health.js'], Interval: SECOND / 2, Timeout: 2 * SECOND, Retries: 3 };
  let applicationId: string;
  let appName: string;
  const releases: { body: string; deploymentId: string }[] = [];

  /** Deploys (or redeploys) build `build` with VERSION=`version`; resolves with the finished deployment and the API call → done time. */
  async function release(build: 'a' | 'b', version: string, proc: 'application.deploy' | 'application.redeploy' = 'application.redeploy') {
    await ok('application.saveDockerProvider', { applicationId, dockerImage: images[build], username: registry.username, password: registry.password, registryUrl: registry.url });
    await ok('application.saveEnvironment', { applicationId, env: `VERSION=${version}`, buildArgs: null, buildSecrets: null, createEnvFile: false });
    const started = performance.now();
    const d = await settled(applicationId, (await ok(proc, { applicationId })).deploymentId);
    releases.push({ body: `${build}-${version}`, deploymentId: d.deploymentId });
    return { d, ms: performance.now() - started };
  }

  async function probe() {
    const p = await startTrafficProbe(docker, { name: `${RUN}-client-${probes.length}`, network: testEnv.network, host: appName, port: 3000, labels: { 'berth.test': RUN } });
    probes.push(p);
    await p.ready();
    return p;
  }

  before(async () => {
    await Promise.all([pushNodeImage(images.a, 'a'), pushNodeImage(images.b, 'b')]);
    b = await startTestBerth({ BERTH_DOCKER_CLI: testEnv.dockerCli });
    const { environment } = await ok('project.create', { name: `zd-${RUN}` });
    const app = await ok('application.create', { name: `zd-${RUN}`, environmentId: environment.environmentId });
    ({ applicationId, appName } = app);
    await ok('application.update', { applicationId, healthCheckSwarm });
    const first = await release('a', 'v0', 'application.deploy');
    assert.equal(first.d.status, 'done', first.d.errorMessage ?? '');
  });

  after(async () => {
    for (const p of probes) await p.stop().catch(() => {});
    if (applicationId) await ok('application.delete', { applicationId });
    await b?.close();
    const pulled = (await run([testEnv.dockerCli, 'images', '--format', '{{.Repository}} {{.ID}}'])).split('\n').filter((l) => l.includes(RUN));
    if (pulled.length) await run([testEnv.dockerCli, 'rmi', '-f', ...new Set(pulled.map((l) => l.split(' ')[1]))]).catch(() => undefined);
  });

  test('5 redeploys and 2 rollbacks while a client requests continuously: no failed request, every answer from a released version', async (t) => {
    const traffic = await probe();
    const durations: number[] = [];
    for (const [build, version] of [['b', 'v1'], ['a', 'v2'], ['b', 'v3'], ['a', 'v4'], ['b', 'v5']] as const) {
      const { d, ms } = await release(build, version);
      assert.equal(d.status, 'done', d.errorMessage ?? '');
      durations.push(ms);
    }
    const rows = await ok('deployment.allByType', { id: applicationId, type: 'application' });
    const rollbackOf = (deploymentId: string) => rows.find((r: { deploymentId: string }) => r.deploymentId === deploymentId).rollback.rollbackId;
    for (const target of [releases[2], releases[4]]) {
      const started = performance.now();
      const d = await settled(applicationId, (await ok('rollback.rollback', { rollbackId: rollbackOf(target.deploymentId) })).deploymentId);
      assert.equal(d.status, 'done', d.errorMessage ?? '');
      durations.push(performance.now() - started);
    }
    // the replaced tasks drain for 3 s after their SIGTERM, which Swarm sends 2 s after
    // taking them out of DNS: keep asking until the last of them is gone
    await sleep(6000);
    const report = await traffic.stop();

    t.diagnostic(`requests ${report.requests}, failed ${report.failed}, answers ${report.bodies.join(' ')}`);
    t.diagnostic(`API call → done (start-first, health check every 0.5 s, app listens after 1 s): ${durations.map(Math.round).join(', ')} ms`);
    assert.deepEqual(report.failures, [], `${report.failed} of ${report.requests} requests failed`);
    const released = releases.map((r) => r.body);
    for (const body of report.bodies) assert.ok(released.includes(body), `an answer from no release: ${body}`);
    // the probe saw every version, so it was asking through each update
    assert.deepEqual([...report.bodies].sort(), [...new Set(released)].sort());
    assert.equal(report.last, 'a-v4');
    assert.ok(report.requests > 100, `only ${report.requests} requests`);
  });

  test('a release whose health check never passes ends error naming the check; the previous version keeps serving, no failed request', async (t) => {
    const traffic = await probe();
    await ok('application.update', { applicationId, healthCheckSwarm: { ...healthCheckSwarm, Test: ['CMD', 'node', '/srv/health.js', '/missing'] } });
    const { d, ms } = await release('b', 'v6');
    await sleep(5000);
    const report = await traffic.stop();

    t.diagnostic(`requests ${report.requests}, failed ${report.failed}, answers ${report.bodies.join(' ')}; the failed release ended after ${Math.round(ms)} ms`);
    assert.equal(d.status, 'error');
    assert.match(d.errorMessage!, /health check "node \/srv\/health\.js \/missing" failed/);
    assert.deepEqual(report.failures, [], `${report.failed} of ${report.requests} requests failed`);
    assert.deepEqual(report.bodies, ['a-v4']);
    assert.equal((await ok('application.one', { applicationId })).health.running, 1);
  });
});
