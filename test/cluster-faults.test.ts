// Faults on the lab's three nodes (issue 14, item 5): a node drained through Berth's API
// while a client keeps asking, a worker's daemon killed, a deploy while it is down, and its
// return. Needs the lab (scripts/test-env.sh: the host's engine and two drained workers);
// the workers are active only while this file runs, and every node is running and drained
// again in after().
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { dockerClientOptions } from '../src/docker/engine.js';
import { request, startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { pushLabImage, removeLabImage } from './helpers/lab-image.js';
import { labUp, readTestEnv, type ClusterNode } from './helpers/test-env.js';
import { startTrafficProbe, type TrafficProbe } from './helpers/traffic-probe.js';
import { until } from './helpers/until.js';

const testEnv = readTestEnv();
const docker = testEnv.dockerCli;
const cli = (...args: string[]) => run([docker, ...args]);
const CLUSTER_SH = path.join(import.meta.dirname, '..', 'scripts', 'test-env', 'cluster.sh');
/** cluster.sh names a node by its number: berth-node-N. */
const labNode = (w: ClusterNode) => /^berth-node-(\d+)$/.exec(w.hostname)![1];
const engine = new Docker(dockerClientOptions(testEnv.dockerHost));

let b: TestBerth;
const { ok, settled } = deploymentClient(() => b);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-faults-'));
const probes: TrafficProbe[] = [];
let workers: ClusterNode[] = [];
/** This run's image, pulled by the nodes that ran it. */
let image: string | undefined;
let app: { applicationId: string; appName: string };

/** The nodes (hostnames) of the app's tasks that Swarm wants running and that run. */
async function runningOn(appName: string): Promise<string[]> {
  const out = await cli('service', 'ps', appName, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}');
  return out.split('\n').filter((l) => / Running /.test(l)).map((l) => l.split(' ')[0]).sort();
}

/** The app's running containers on one node's own engine (Swarm keeps the stopped ones as task history). */
const containersOn = async (node: ClusterNode, appName: string) =>
  (await run([docker, '-H', node.dockerHost, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${appName}`])).trim();

const nodeState = async (hostname: string) =>
  (await ok('cluster.getNodes')).find((n: { summary: { hostname: string } }) => n.summary.hostname === hostname)?.summary.state as string | undefined;

async function probe() {
  const p = await startTrafficProbe(engine, { name: `berth-faults-${runId}-${probes.length}`, network: testEnv.network, host: app.appName, port: 3000, labels: { 'berth.test': runId } });
  probes.push(p);
  await p.ready();
  return p;
}

const deploy = async (proc: 'application.deploy' | 'application.redeploy') => settled(app.applicationId, (await ok(proc, { applicationId: app.applicationId })).deploymentId, 180_000);

before(async () => {
  // never send anything to a lab address without the lab: the range would leave the machine
  assert.ok(labUp(testEnv), 'the lab is up (scripts/test-env.sh brings up berth-node-1 and -2 and records them in env.json)');
  workers = testEnv.cluster.nodes.filter((n) => n.role === 'worker');
  b = await startTestBerth({ BERTH_ROLLOUT_TIMEOUT_MS: '180000' });
  image = await pushLabImage(tmp, testEnv.registry.labUrl, 'berth-test/faults', runId);
  for (const w of workers) await ok('cluster.updateNode', { nodeId: w.hostname, availability: 'active' });
  const environmentId = (await ok('project.create', { name: `faults-${runId}` })).environment.environmentId;
  app = await ok('application.create', { name: 'faults', environmentId });
  await ok('application.saveDockerProvider', {
    applicationId: app.applicationId,
    dockerImage: image,
    username: testEnv.registry.username,
    password: testEnv.registry.password,
    registryUrl: testEnv.registry.labUrl,
  });
  // two replicas with an HTTP health check, the rest Berth's defaults
  await ok('application.update', {
    applicationId: app.applicationId,
    replicas: 2,
    env: 'NODE={{.Node.Hostname}}',
    command: `sh -c 'echo "$NODE" > /www/index.html; exec httpd -f -p 3000 -h /www'`,
    httpHealthCheck: { path: '/', port: 3000, interval: 1, timeout: 1, retries: 3 },
  });
  const d = await deploy('application.deploy');
  assert.equal(d.status, 'done', d.errorMessage ?? '');
});

after(async () => {
  for (const p of probes) await p.stop().catch(() => {});
  if (labUp(testEnv)) {
    // no node is left off: a killed worker starts again and rejoins as itself
    for (const w of workers) if (!(await run(['bash', CLUSTER_SH, 'status'])).includes(`${w.hostname} ${w.address}: running`)) await run(['bash', CLUSTER_SH, 'node-start', labNode(w)]);
    for (const w of workers) await until(`${w.hostname} ready`, () => nodeState(w.hostname), (s) => s === 'ready', 60_000).catch(() => {});
    for (const w of workers) await b.call('cluster.updateNode', { nodeId: w.hostname, availability: 'drain' });
  }
  if (app) await b.call('application.delete', { applicationId: app.applicationId });
  await b?.close();
  if (image && labUp(testEnv)) await removeLabImage(image);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("faults on the lab's three nodes", () => {
  test("a node drained through Berth's API: its task runs elsewhere and no request fails", async (t) => {
    const before = await runningOn(app.appName);
    assert.equal(before.length, 2, before.join(' '));
    const target = workers.find((w) => before.includes(w.hostname));
    assert.ok(target, `a worker runs a task (${before.join(' ')})`);
    const traffic = await probe();

    const started = performance.now();
    await ok('cluster.updateNode', { nodeId: target.hostname, availability: 'drain' });
    const moved = await until(
      'two healthy tasks, none on the drained node',
      async () => ({ nodes: await runningOn(app.appName), health: (await ok('application.one', { applicationId: app.applicationId })).health }),
      (s) => s.nodes.length === 2 && !s.nodes.includes(target.hostname) && s.health.running === 2,
      60_000,
    );
    const drainMs = performance.now() - started;
    await until(`the drained task's container to be gone from ${target.hostname}`, () => containersOn(target, app.appName), (out) => out === '', 60_000);
    const goneMs = performance.now() - started;
    await sleep(1000);
    const report = await traffic.stop();

    t.diagnostic(`drain of ${target.hostname}: tasks ran elsewhere (${moved.nodes.join(', ')}) ${Math.round(drainMs)} ms after cluster.updateNode, its old container gone after ${Math.round(goneMs)} ms`);
    t.diagnostic(`probe: ${report.requests} requests, ${report.failed} failed`);
    assert.deepEqual(report.failures, [], `${report.failed} of ${report.requests} requests failed`);
    assert.ok(report.requests > 20, `only ${report.requests} requests`);
    await ok('cluster.updateNode', { nodeId: target.hostname, availability: 'active' });
  });

  test('a worker killed: Swarm marks it down and its task runs elsewhere; a deploy meanwhile ends done; back, it gets work again; nothing left running in Berth', async (t) => {
    const before = await runningOn(app.appName);
    const victim = workers.find((w) => before.includes(w.hostname));
    assert.ok(victim, `a worker runs a task (${before.join(' ')})`);
    const traffic = await probe();

    const started = performance.now();
    await run(['bash', CLUSTER_SH, 'node-kill', labNode(victim)]);
    await until(`${victim.hostname} to be down`, () => nodeState(victim.hostname), (s) => s === 'down', 60_000);
    const downMs = performance.now() - started;
    const moved = await until(
      'two running tasks, none on the dead node',
      () => runningOn(app.appName),
      (nodes) => nodes.length === 2 && !nodes.includes(victim.hostname),
      60_000,
    );
    const movedMs = performance.now() - started;
    await sleep(2000);
    const report = await traffic.stop();
    t.diagnostic(`kill of ${victim.hostname}: down after ${Math.round(downMs)} ms, its task running elsewhere (${moved.join(', ')}) after ${Math.round(movedMs)} ms`);
    t.diagnostic(`probe: ${report.requests} requests, ${report.failed} failed: ${report.failures.join(' | ')}`);
    // the dead task's address is in DNS until the kill is known: those requests time out
    assert.ok(report.ok > 0);

    const whileDown = await deploy('application.redeploy');
    assert.equal(whileDown.status, 'done', whileDown.errorMessage ?? '');
    const after = await runningOn(app.appName);
    assert.equal(after.length, 2);
    assert.ok(!after.includes(victim.hostname), after.join(' '));

    await run(['bash', CLUSTER_SH, 'node-start', labNode(victim)]);
    const back = performance.now();
    await until(`${victim.hostname} to be ready again`, () => nodeState(victim.hostname), (s) => s === 'ready', 60_000);
    t.diagnostic(`${victim.hostname} ready ${Math.round(performance.now() - back)} ms after its daemon started`);
    // three replicas: Swarm's spread gives the node that came back work (how it spreads the
    // rest over a rolling start-first update, which still counts the replaced tasks, is its own)
    await ok('application.update', { applicationId: app.applicationId, replicas: 3 });
    const scaled = await deploy('application.redeploy');
    assert.equal(scaled.status, 'done', scaled.errorMessage ?? '');
    const spread = await runningOn(app.appName);
    assert.equal(spread.length, 3, spread.join(' '));
    assert.ok(spread.includes(victim.hostname), `${victim.hostname} runs a task again: ${spread.join(' ')}`);

    // Berth's records: every deployment finished, nothing queued or running
    const rows: { status: string }[] = await ok('deployment.all', { applicationId: app.applicationId });
    assert.deepEqual(rows.map((r) => r.status), ['done', 'done', 'done']);
    const metrics = await request(`${b.url}/metrics`, { headers: { authorization: `Bearer ${b.token}` } });
    assert.match(metrics.text, /^berth_queue_jobs\{state="queued"\} 0$/m);
    assert.match(metrics.text, /^berth_queue_jobs\{state="running"\} 0$/m);
    const one = await ok('application.one', { applicationId: app.applicationId });
    assert.deepEqual([one.health.status, one.health.running, one.health.desired], ['running', 3, 3]);
  });
});
