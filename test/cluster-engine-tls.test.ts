// A node whose engine Berth reaches over tcp with TLS (the lab's berth-node-2, labelled
// berth.engine=tcp://10.231.0.12:2376; berth-node-1 keeps its unix socket): with its client
// certificate in BERTH_NODE_CERT_PATH, Berth samples that node's tasks beside the others';
// without it, Berth says why in a warning and samples the rest. Needs the lab
// (scripts/test-env.sh); the workers are active only while this file runs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient } from './helpers/e2e.js';
import { runId } from './helpers/job.js';
import { pushLabImage, removeLabImage } from './helpers/lab-image.js';
import { labUp, readTestEnv, type ClusterNode } from './helpers/test-env.js';
import { until } from './helpers/until.js';

const testEnv = readTestEnv();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-engine-tls-'));
let b: TestBerth;
const { ok, settled } = deploymentClient(() => b);
let workers: ClusterNode[] = [];
/** This run's image, pulled by the nodes that ran it. */
let image: string | undefined;
let app: { applicationId: string; appName: string } | undefined;

interface NodePoint {
  hostname: string;
  tasks: number | null;
  tasksMemoryUsedBytes: number | null;
}
/** What Berth printed (its warnings). */
const lines: string[] = [];

/** The figures of each node, by hostname, in the latest monitoring.server point if it was taken after `since` (ms). */
async function nodeFigures(since = 0): Promise<Record<string, NodePoint>> {
  const point = (await ok('monitoring.server', {})).at(-1);
  const nodes: NodePoint[] = point && Date.parse(point.time) > since ? point.nodes : [];
  return Object.fromEntries(nodes.map((n) => [n.hostname, n]));
}

before(async () => {
  // never send anything to a lab address without the lab: the range would leave the machine
  assert.ok(labUp(testEnv), 'the lab is up (scripts/test-env.sh brings up berth-node-1 and -2 and records them in env.json)');
  workers = testEnv.cluster.nodes.filter((n) => n.role === 'worker');
  assert.deepEqual(
    workers.map((w) => w.engine),
    ['unix:///run/berth-node-1.sock', 'tcp://10.231.0.12:2376'],
    'one worker reached on its socket, the other on tcp with TLS (scripts/test-env/cluster.sh up)',
  );
  b = await startTestBerth({ BERTH_METRICS_INTERVAL_MS: '1000', BERTH_NODE_CERT_PATH: testEnv.cluster.engineCertPath }, (line) => lines.push(line));
  image = await pushLabImage(tmp, testEnv.registry.labUrl, 'berth-test/engine-tls', runId);
  for (const w of workers) await ok('cluster.updateNode', { nodeId: w.hostname, availability: 'active' });
  const environmentId = (await ok('project.create', { name: `engine-tls-${runId}` })).environment.environmentId;
  app = await ok('application.create', { name: 'tls', environmentId });
  const { username, password, labUrl } = testEnv.registry;
  await ok('application.saveDockerProvider', { applicationId: app!.applicationId, dockerImage: image, username, password, registryUrl: labUrl });
  await ok('application.update', { applicationId: app!.applicationId, replicas: 3, initProcess: true });
  const d = await settled(app!.applicationId, (await ok('application.deploy', { applicationId: app!.applicationId })).deploymentId, 120_000);
  assert.equal(d.status, 'done', d.errorMessage ?? '');
});

after(async () => {
  if (labUp(testEnv)) for (const w of workers) await b?.call('cluster.updateNode', { nodeId: w.hostname, availability: 'drain' });
  if (app) await b.call('application.delete', { applicationId: app.applicationId });
  await b?.close();
  if (image && labUp(testEnv)) await removeLabImage(image);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a node engine on tcp with TLS', () => {
  test("with BERTH_NODE_CERT_PATH, Berth samples the tasks of the node it reaches over TLS beside the socket node's and its own", async () => {
    const figures = await until(
      "a sample with one task on each node, the TLS node's included",
      () => nodeFigures(),
      (f) => testEnv.cluster.nodes.every((n) => f[n.hostname]?.tasks === 1),
      30_000,
    );
    for (const n of testEnv.cluster.nodes) assert.ok((figures[n.hostname].tasksMemoryUsedBytes ?? 0) > 0, JSON.stringify(figures[n.hostname]));
    const monitoring = await until('the application sample of three tasks', () => ok('application.readAppMonitoring', { appName: app!.appName }), (m) => m?.restarts.at(-1)?.value.tasks === 3);
    assert.ok(monitoring.memory.at(-1).value.usedBytes > 0);
  });

  test('without a client certificate, Berth warns that it does not reach the TLS node and why, and samples every other node', async () => {
    lines.length = 0;
    const restarted = Date.now();
    await b.restart({ BERTH_NODE_CERT_PATH: '' });
    const figures = await until(
      'a sample after the restart',
      () => nodeFigures(restarted),
      (f) => Object.keys(f).length === 3,
      30_000,
    );
    // the node is listed with its resources; its task figures are unknown, not zero; the others are sampled
    assert.deepEqual([figures['berth-node-2'].tasks, figures['berth-node-2'].tasksMemoryUsedBytes], [null, null]);
    assert.deepEqual([figures['berth-node-1'].tasks, figures[testEnv.cluster.nodes[0].hostname].tasks], [1, 1]);
    // once, not at every sample
    assert.deepEqual(lines.filter((l) => l.startsWith('Berth: ')), [
      "Berth: monitoring: containers of node berth-node-2 failed: Berth does not reach the Docker engine at tcp://10.231.0.12:2376: it takes TLS with Berth's client certificate: set BERTH_NODE_CERT_PATH to a directory holding ca.pem, cert.pem and key.pem",
    ]);
    assert.equal((await b.call('cluster.getNodes')).status, 200);
  });
});
