// The Swarm's nodes through Berth's API, placement, and an application across nodes, on the
// real engine. The first part holds on any Swarm (the single-node one as well); the second
// needs the lab's three nodes (scripts/test-env.sh: the host's engine and two workers,
// left drained; this file sets them active for its own duration and drains them again).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { pushLabImage } from './helpers/lab-image.js';
import { labUp, readTestEnv, type ClusterNode } from './helpers/test-env.js';
import { until } from './helpers/until.js';

const testEnv = readTestEnv();
const docker = testEnv.dockerCli;
const cli = (...args: string[]) => run([docker, ...args]);
const inspectNode = async (ref: string) => JSON.parse(await cli('node', 'inspect', ref))[0];

let b: TestBerth;
const { ok, settled } = deploymentClient(() => b);
const services = new Set<string>();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cluster-'));
let selfId: string;
let environmentId: string;
/** This run's image in the test registry, with its pull credentials (a docker source's fields). */
let localImage: Record<string, string>;

before(async () => {
  // BERTH_NODE_CERT_PATH: berth-node-2's engine is reached on tcp with TLS
  b = await startTestBerth({ BERTH_METRICS_INTERVAL_MS: '1000', BERTH_ROLLOUT_TIMEOUT_MS: '600000', BERTH_NODE_CERT_PATH: testEnv.cluster.engineCertPath });
  selfId = (await cli('info', '--format', '{{.Swarm.NodeID}}')).trim();
  environmentId = (await ok('project.create', { name: `cluster-${runId}` })).environment.environmentId;
  const { url, username, password } = testEnv.registry;
  localImage = { dockerImage: await pushLabImage(tmp, url, 'berth-test/cluster', runId), username, password, registryUrl: url };
});

after(async () => {
  for (const s of services) await cli('service', 'rm', s).catch(() => {});
  await b.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** An application of this run, its service removed at the end. */
async function createApp(name: string, settings: Record<string, unknown>, image = localImage) {
  const app = await ok('application.create', { name, environmentId });
  services.add(app.appName);
  await ok('application.saveDockerProvider', { applicationId: app.applicationId, ...image });
  await ok('application.update', { applicationId: app.applicationId, ...settings });
  return app as { applicationId: string; appName: string };
}

const deploy = async (applicationId: string) => settled(applicationId, (await ok('application.deploy', { applicationId })).deploymentId, 90_000);

describe('the nodes and placement on any Swarm', () => {
  test("every node route shows role, availability, state, address, CPUs, memory and labels as docker node inspect has them", async () => {
    const real = await inspectNode(selfId);
    const nodes = await ok('cluster.getNodes');
    const mine = nodes.find((n: { ID: string }) => n.ID === selfId);
    assert.ok(mine, 'cluster.getNodes lists the node Berth runs on');
    // the Engine object Dokploy clients read is kept whole
    assert.deepEqual([mine.Spec, mine.Description.Hostname, mine.Status], [real.Spec, real.Description.Hostname, real.Status]);
    const summary = {
      nodeId: selfId,
      hostname: real.Description.Hostname,
      role: 'manager',
      availability: real.Spec.Availability,
      state: 'ready',
      address: real.Status.Addr,
      managerStatus: 'leader',
      self: true,
      cpus: real.Description.Resources.NanoCPUs / 1e9,
      memoryBytes: real.Description.Resources.MemoryBytes,
      labels: real.Spec.Labels ?? {},
      engineVersion: real.Description.Engine.EngineVersion,
      engine: real.Spec.Labels?.['berth.engine'] ?? null,
    };
    assert.deepEqual(mine.summary, summary);
    assert.ok(summary.cpus > 0 && summary.memoryBytes > 0);

    const row = (await ok('swarm.getNodes')).find((r: { ID: string }) => r.ID === selfId);
    assert.deepEqual(
      [row.Role, row.Address, row.CPUs, row.MemoryBytes, row.Labels, row.Self, row.ManagerStatus],
      ['manager', real.Status.Addr, summary.cpus, summary.memoryBytes, summary.labels, true, 'Leader'],
    );
    const info = await ok('swarm.getNodeInfo', { nodeId: real.Description.Hostname });
    assert.deepEqual([info.ID, info.summary], [selfId, summary]);
  });

  test("cluster.updateNode sets and removes labels, keeping the node's others; bad input is a 400 and an unknown node a 404, nothing changed", async () => {
    const key = `berth-test.${runId}`;
    const before = (await inspectNode(selfId)).Spec;
    const set = await ok('cluster.updateNode', { nodeId: selfId, labels: { [key]: 'yes' } });
    assert.equal(set.summary.labels[key], 'yes');
    assert.deepEqual((await inspectNode(selfId)).Spec.Labels, { ...before.Labels, [key]: 'yes' });
    const removed = await ok('cluster.updateNode', { nodeId: selfId, removeLabels: [key] });
    assert.equal(removed.summary.labels[key], undefined);
    assert.deepEqual((await inspectNode(selfId)).Spec, before);

    const bad = await b.call('cluster.updateNode', { nodeId: selfId, availability: 'asleep' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.issues.map((i: { path: string[] }) => i.path.join('.')), ['availability']);
    assert.equal((await b.call('cluster.updateNode', { nodeId: selfId })).status, 400);
    assert.equal((await b.call('cluster.updateNode', { nodeId: selfId, labels: { 'bad key!': 'x' } })).status, 400);
    const unknown = await b.call('cluster.updateNode', { nodeId: 'no-such-node', labels: { a: 'b' } });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.message, /no-such-node/);
    assert.deepEqual((await inspectNode(selfId)).Spec, before);
  });

  test('cluster.addWorker and addManager answer the join command with the address the Swarm advertises, or a 409 when no other machine could reach it', async () => {
    const advertised = (await cli('info', '--format', '{{.Swarm.NodeAddr}}')).trim();
    for (const role of ['worker', 'manager'] as const) {
      const reply = await b.call(role === 'worker' ? 'cluster.addWorker' : 'cluster.addManager', {});
      if (/^127\./.test(advertised)) {
        assert.equal(reply.status, 409, reply.text);
        assert.match(reply.body.message, new RegExp(`The Swarm advertises ${advertised.replace(/\./g, '\\.')}:\\d+, which no other machine can reach`));
        continue;
      }
      assert.equal(reply.status, 200, reply.text);
      const token = (await cli('swarm', 'join-token', '-q', role)).trim();
      const version = (await cli('version', '--format', '{{.Server.Version}}')).trim();
      const address = (await inspectNode(selfId)).ManagerStatus.Addr;
      assert.ok(address.startsWith(`${advertised}:`), `${address} is the advertised ${advertised}`);
      assert.deepEqual(reply.body, { command: `docker swarm join --token ${token} ${address}`, version, role, token, address });
    }
  });

  test("cluster.removeWorker refuses the node Berth runs on (409) and an unknown node (404), and changes nothing", async () => {
    const before = await inspectNode(selfId);
    const own = await b.call('cluster.removeWorker', { nodeId: selfId });
    assert.equal(own.status, 409);
    assert.match(own.body.message, /Berth runs on node .* it cannot remove the node it manages the Swarm from/);
    assert.equal((await b.call('cluster.removeWorker', { nodeId: before.Description.Hostname })).status, 409);
    assert.equal((await b.call('cluster.removeWorker', { nodeId: 'no-such-node' })).status, 404);
    assert.equal((await b.call('cluster.removeWorker', { nodeId: '../x' })).status, 400);
    // Swarm bumps the node's version by itself (status reports): its spec and role are what a removal would change
    const now = await inspectNode(selfId);
    assert.deepEqual([now.Spec, now.Status.State, now.ManagerStatus.Leader], [before.Spec, 'ready', true]);
  });

  test("a constraint no node satisfies fails the deploy with Swarm's reason, long before the rollout timeout (10 min here)", async () => {
    const app = await createApp('nowhere', { command: 'httpd -f -p 3000', placementSwarm: { Constraints: [`node.labels.berth-test-nowhere-${runId}==true`] } });
    const d = await deploy(app.applicationId);
    assert.equal(d.status, 'error', d.errorMessage ?? '');
    // on the lab, Swarm names the drained workers too: "(2 nodes not available for new tasks; scheduling constraints not satisfied on 1 node)"
    assert.match(d.errorMessage ?? '', /^Swarm cannot place the new tasks on any node: no suitable node \((\d+ nodes? not available for new tasks; )?scheduling constraints not satisfied on \d+ nodes?\)/);
  });

  test('an application with a volume runs on the node that holds its data: pinned by node ID beside its own constraints', async () => {
    const app = await createApp('pinned', { command: 'httpd -f -p 3000', placementSwarm: { Constraints: ['node.role==manager'] } });
    await ok('mounts.create', { type: 'volume', volumeName: `berth-test-${runId}`, mountPath: '/data', serviceId: app.applicationId });
    const d = await deploy(app.applicationId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    const spec = JSON.parse(await cli('service', 'inspect', app.appName))[0].Spec;
    assert.deepEqual(spec.TaskTemplate.Placement.Constraints, ['node.role==manager', `node.id==${selfId}`]);
    const nodes = (await cli('service', 'ps', app.appName, '--filter', 'desired-state=running', '--format', '{{.Node}}')).trim().split('\n');
    assert.deepEqual(nodes, [(await inspectNode(selfId)).Description.Hostname]);
    await cli('service', 'rm', app.appName);
    await until('the service containers to go', () => cli('ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${app.appName}`), (out) => out.trim() === '');
    await cli('volume', 'rm', `berth-test-${runId}`).catch(() => {});
  });
});

describe("an application across the lab's three nodes", () => {
  let workers: ClusterNode[] = [];
  const lab = () => testEnv.cluster!;
  /** The removed worker's labels, to give back when it rejoins. */
  let removedLabels: Record<string, string> | undefined;
  let removed: ClusterNode | undefined;
  let app: { applicationId: string; appName: string };

  before(async () => {
    // never probe a lab address without the lab: the range would leave the machine
    assert.ok(labUp(), 'the lab is up (scripts/test-env.sh brings up berth-node-1 and -2 and records them in env.json)');
    workers = lab().nodes.filter((n) => n.role === 'worker');
    for (const w of workers) await ok('cluster.updateNode', { nodeId: w.hostname, availability: 'active' });
  });

  after(async () => {
    if (!labUp()) return;
    if (removed) await rejoin(removed, removedLabels ?? {});
    for (const w of workers) await b.call('cluster.updateNode', { nodeId: w.hostname, availability: 'drain' });
    // the re-joined worker has a new node ID: env.json is written again for the tests after this one
    if (removed) await run(['bash', path.join(import.meta.dirname, '..', 'scripts', 'test-env', 'cluster.sh'), 'up']);
  });

  /** Brings a removed worker back as the lab had it: joined with Berth's own join command, its labels, drained. */
  async function rejoin(node: ClusterNode, labels: Record<string, string>) {
    const { token, address } = await ok('cluster.addWorker');
    await run([docker, '-H', node.dockerHost, 'swarm', 'join', '--token', token, address]);
    await until(`${node.hostname} to be ready again`, () => ok('cluster.getNodes'), (nodes) =>
      nodes.some((n: { summary: { hostname: string; state: string } }) => n.summary.hostname === node.hostname && n.summary.state === 'ready'),
    );
    await ok('cluster.updateNode', { nodeId: node.hostname, labels, availability: 'drain' });
  }

  /** The node each task of the app answers from, through the overlay, asked from a client container on `dockerHost`. */
  async function answers(appName: string, dockerHost: string): Promise<string[]> {
    const ids = (await cli('service', 'ps', appName, '--filter', 'desired-state=running', '--format', '{{.ID}}', '--no-trunc')).trim().split('\n');
    const ips = await Promise.all(
      ids.map(async (id) => {
        const task = JSON.parse(await cli('inspect', id))[0];
        const attachment = task.NetworksAttachments.find((a: { Network: { Spec: { Name: string } } }) => a.Network.Spec.Name === testEnv.network);
        return attachment.Addresses[0].replace(/\/\d+$/, '');
      }),
    );
    const script = ips.map((ip) => `wget -q -O - http://${ip}:3000/`).join('; ');
    const out = await run([docker, '-H', dockerHost, 'run', '--rm', '--network', testEnv.network, 'busybox:latest', 'sh', '-c', script]);
    return out.trim().split('\n').sort();
  }

  test('replicas: 3 puts one task on each node, every one answering through the overlay; health, logs and the sampler see all of them', async () => {
    const labUrl = testEnv.registry.labUrl;
    assert.ok(labUrl, 'env.json names the registry every node reaches (registry.labUrl)');
    const image = await pushLabImage(tmp, labUrl, 'berth-test/cluster', `${runId}-lab`);
    app = await createApp(
      'spread',
      { replicas: 3, env: 'NODE={{.Node.Hostname}}', command: `sh -c 'echo "serving on $NODE"; echo "$NODE" > /www/index.html; exec httpd -f -p 3000 -h /www'`, initProcess: true },
      { dockerImage: image, username: testEnv.registry.username, password: testEnv.registry.password, registryUrl: labUrl },
    );
    const d = await deploy(app.applicationId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    const hostnames = lab().nodes.map((n) => n.hostname).sort();

    const tasks = await ok('docker.getServiceContainersByAppName', { appName: app.appName });
    assert.deepEqual(tasks.filter((t: { state: string }) => t.state === 'running').map((t: { node: string }) => t.node).sort(), hostnames, JSON.stringify(tasks));
    assert.deepEqual(await answers(app.appName, testEnv.dockerHost), hostnames);

    const one = await ok('application.one', { applicationId: app.applicationId });
    assert.deepEqual([one.health.status, one.health.running, one.health.desired], ['running', 3, 3]);

    const logs = await until('a log line from each node', () => ok('application.readLogs', { applicationId: app.applicationId, tail: 100 }), (text: string) =>
      hostnames.every((h) => text.includes(`serving on ${h}`)),
    );
    assert.ok(logs);

    // the sampler reads the workers' engines at their berth.engine labels: three tasks, one per node
    const sampled = await until(
      'a sample of all three tasks',
      async () => (await ok('monitoring.server', {})).at(-1),
      (p) => p?.nodes?.length === 3 && p.nodes.every((n: { tasks: number | null }) => n.tasks === 1),
      30_000,
    );
    for (const n of sampled.nodes) {
      assert.ok(hostnames.includes(n.hostname));
      assert.ok(n.cpus > 0 && n.memoryTotalBytes > 0 && n.tasksMemoryUsedBytes > 0, JSON.stringify(n));
    }
    const monitoring = await until('the application sample', () => ok('application.readAppMonitoring', { appName: app.appName }), (m) => m?.restarts.at(-1)?.value.tasks === 3);
    assert.ok(monitoring.memory.at(-1).value.usedBytes > 0);
  });

  test('cluster.removeWorker drains a worker, waits for its task to move, has it leave and removes it: two nodes keep serving', async (t) => {
    assert.ok(app, 'the spread application runs (previous test)');
    const target = workers.at(-1)!;
    const before = (await ok('cluster.getNodes')).find((n: { summary: { hostname: string } }) => n.summary.hostname === target.hostname);
    removedLabels = before.summary.labels;
    removed = target;
    const report = await ok('cluster.removeWorker', { nodeId: target.hostname, waitSeconds: 60 });
    assert.deepEqual(
      report.steps.map((s: { step: string }) => s.step),
      ['drain', 'wait for tasks', 'leave', 'remove'],
      JSON.stringify(report.steps),
    );
    assert.equal(report.tasksLeft, 0, JSON.stringify(report.steps));
    t.diagnostic(`removeWorker ${target.hostname}: ${report.steps.map((s: { step: string; detail: string }) => `${s.step}: ${s.detail}`).join('; ')}`);
    assert.equal(report.nodeId, before.ID);
    assert.ok(!(await ok('cluster.getNodes')).some((n: { ID: string }) => n.ID === before.ID), 'the node is gone from the Swarm');

    const left = lab().nodes.filter((n) => n.hostname !== target.hostname).map((n) => n.hostname);
    // three tasks answer, none from the removed node (how Swarm spreads them over the two left is its own)
    await until('three tasks answering from the two nodes left', () => answers(app.appName, testEnv.dockerHost), (a) => a.length === 3 && a.every((h) => left.includes(h)));
    const one = await ok('application.one', { applicationId: app.applicationId });
    assert.deepEqual([one.health.status, one.health.running], ['running', 3]);
  });
});
