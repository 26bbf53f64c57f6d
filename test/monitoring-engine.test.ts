import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
// @ts-expect-error the parser ships no type definitions
import parsePrometheus from 'parse-prometheus-text-format';
import { request, startTestBerth, type TestBerth } from './helpers/berth.js';
import { readTestEnv } from './helpers/test-env.js';

/**
 * The sampler against the real engine: applications are watched whether or not anyone
 * looks. Their services are created directly (the sampler only knows them by the
 * `com.docker.swarm.service.name` label Swarm gives their containers).
 */
const run = promisify(execFile);
const testEnv = readTestEnv();
const docker = (...args: string[]) => run(testEnv.dockerCli, args);
const INTERVAL_MS = 1000;
/** One stats read on Engine 20.10 waits for its next 1 s collection, one-shot or not. */
const STATS_READ_MS = 1000;
const MiB = 1024 ** 2;

async function firstContainerRunning(service: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { stdout } = await docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`);
    if (stdout.trim()) return;
    await sleep(50);
  }
  throw new Error(`no container of ${service} ran within 15 s`);
}

describe('always-on metrics on the real engine', () => {
  let b: TestBerth;
  const services: string[] = [];
  let burner: string;
  let crasher: string;

  before(async () => {
    b = await startTestBerth({ BERTH_METRICS_INTERVAL_MS: String(INTERVAL_MS) });
    const { environment } = (await b.call('project.create', { name: 't-mon' })).body;
    const create = async (name: string) => (await b.call('application.create', { name, environmentId: environment.environmentId })).body.appName as string;
    burner = await create('t-mon-burn');
    crasher = await create('t-mon-crash');
  });

  after(async () => {
    for (const s of services) await docker('service', 'rm', s).catch(() => {});
    await b.close();
  });

  async function createService(name: string, ...args: string[]) {
    services.push(name);
    await docker('service', 'create', '-d', '--name', name, '--endpoint-mode', 'dnsrr', ...args);
  }

  test('a running application that burns CPU and holds memory shows it within two intervals, with no client in between', async () => {
    assert.equal((await b.call('application.readAppMonitoring', { appName: burner })).body, null, 'nothing ran yet');
    // 48 MiB in /dev/shm (tmpfs: counted as the container's memory), then a busy loop
    await createService(burner, 'busybox:latest', 'sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=48 2>/dev/null; while :; do :; done');
    await firstContainerRunning(burner);
    // first sighting: memory; the next tick: the CPU delta
    await sleep(2 * INTERVAL_MS + STATS_READ_MS + 500);

    const r = await b.call('application.readAppMonitoring', { appName: burner });
    assert.equal(r.status, 200);
    const cpu = r.body.cpu.map((p: { value: string }) => Number.parseFloat(p.value));
    assert.ok(cpu.length >= 1, `a CPU point: ${JSON.stringify(r.body)}`);
    assert.ok(cpu.at(-1) > 10, `the busy loop shows as CPU: ${cpu}`);
    const memory = r.body.memory.at(-1).value;
    assert.ok(memory.usedBytes >= 40 * MiB, `the 48 MiB show as memory: ${memory.used}`);
    assert.match(memory.used, /^\d+(\.\d+)?MiB$/);
    assert.equal(r.body.restarts.at(-1).value.tasks, 1);
    assert.ok(Date.parse(r.body.cpu.at(-1).time) <= Date.now());
  });

  test('a task that keeps exiting shows as restarts', async () => {
    await createService(crasher, '--restart-delay', '0s', 'busybox:latest', 'sh', '-c', 'sleep 2; exit 1');
    let restarts = 0;
    for (let i = 0; i < 40 && restarts < 1; i++) {
      await sleep(500);
      const r = await b.call('application.readAppMonitoring', { appName: crasher });
      restarts = r.body?.restarts.at(-1)?.value.restarts ?? 0;
    }
    assert.ok(restarts >= 1, 'Swarm replaced the failed task and the sample counts it');
  });

  test('/metrics carries the latest samples of each application, and monitoring.server the host', async () => {
    const r = await request(`${b.url}/metrics`, { headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(r.status, 200);
    const families = new Map<string, { metrics: { labels?: Record<string, string>; value?: string }[] }>(
      (parsePrometheus(r.text) as { name: string; metrics: [] }[]).map((f) => [f.name, f]),
    );
    const of = (name: string, app: string) => Number(families.get(name)?.metrics.find((m) => m.labels?.app === app)?.value);
    assert.ok(of('berth_app_cpu_percent', burner) > 10);
    assert.ok(of('berth_app_memory_used_bytes', burner) >= 40 * MiB);
    assert.ok(of('berth_app_restarts', crasher) >= 1);

    const server = await b.call('monitoring.server', {});
    assert.equal(server.status, 200);
    const last = server.body.at(-1);
    assert.equal(typeof last.cpuPercent, 'number');
    assert.ok(last.memory.usedBytes > 0 && last.memory.usedBytes < last.memory.totalBytes);
    assert.ok(last.dataDisk.totalBytes > 0);
    assert.ok(last.dockerDisk && last.dockerDisk.totalBytes > 0, "Docker's root dir is on this host");
    assert.ok(last.controlPlaneRssBytes > 10 * MiB);
    // the node Berth runs on, with the burner's task (and the crasher's, while it runs) summed on it
    const { stdout: self } = await docker('info', '--format', '{{.Swarm.NodeID}}');
    const node = last.nodes.find((n: { nodeId: string }) => n.nodeId === self.trim());
    assert.ok(node, `monitoring.server lists this node: ${JSON.stringify(last.nodes)}`);
    assert.ok(node.cpus > 0 && node.memoryTotalBytes > 0);
    assert.ok(node.tasks >= 1 && node.tasksMemoryUsedBytes >= 40 * MiB, JSON.stringify(node));
  });
});
