import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { ORGANIZATION_ID } from '../src/model/common.js';
import { containerRow, formatPorts, humanDuration, maskContainerEnv, namesContainer, nodeRow, serviceRow, taskRow } from '../src/model/docker.js';
import { binarySize, decimalSize, statsRow } from '../src/monitoring/stats-row.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { until } from './helpers/until.js';
import { readTestEnv } from './helpers/test-env.js';

describe('docker rows', () => {
  test('a container is named by its exact name or 12+ characters of its ID, never a short prefix', () => {
    const c = { Id: 'abcdef0123456789abcdef', Name: '/web.1.xyz' };
    assert.ok(namesContainer('web.1.xyz', c));
    assert.ok(namesContainer('abcdef012345', c));
    assert.ok(!namesContainer('abcdef', c));
    assert.ok(!namesContainer('web', c));
  });

  test("ports read as docker ps's column", () => {
    assert.equal(formatPorts([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' }]), '0.0.0.0:8080->80/tcp, 443/tcp');
    assert.equal(containerRow({ Id: '0123456789abcdef', Names: ['/x'], Image: 'busybox', Ports: [], State: 'running', Status: 'Up 2 seconds' }).containerId, '0123456789ab');
  });

  test('env values are masked, keys kept', () => {
    const info = { Id: 'x', Config: { Env: ['A=secret=with=equals', 'B='], Image: 'i' } };
    assert.deepEqual(maskContainerEnv(info).Config.Env, ['A=********', 'B=********']);
    assert.equal(info.Config.Env[0], 'A=secret=with=equals', 'the original is untouched');
  });

  test("durations and task rows read as docker service ps's", () => {
    assert.equal(humanDuration(500), 'Less than a second');
    assert.equal(humanDuration(45_000), '45 seconds');
    assert.equal(humanDuration(90_000), 'About a minute');
    assert.equal(humanDuration(3 * 86_400_000), '3 days');
    const now = Date.parse('2026-01-01T00:10:00Z');
    const row = taskRow('web', { ID: 't', Slot: 1, NodeID: 'n', DesiredState: 'running', Status: { Timestamp: '2026-01-01T00:00:00Z', State: 'running', ContainerStatus: { ContainerID: '0123456789abcdef' } } }, new Map([['n', 'host-1']]), now);
    assert.deepEqual(row, { containerId: '0123456789ab', name: 'web.1', state: 'running', currentState: 'Running 10 minutes ago', node: 'host-1', error: '' });
  });

  test("nodes and services read as docker node ls's and docker service ls's JSON rows", () => {
    const node = {
      ID: 'n1',
      Description: { Hostname: 'h', Engine: { EngineVersion: '20.10.24' }, TLSInfo: { TrustRoot: 'ca' }, Resources: { NanoCPUs: 2e9, MemoryBytes: 8 * 1024 ** 3 } },
      Spec: { Availability: 'active', Role: 'manager', Labels: { zone: 'a' } },
      Status: { State: 'ready', Addr: '10.231.0.1' },
      ManagerStatus: { Leader: true, Reachability: 'reachable' },
    };
    assert.deepEqual(nodeRow(node, { nodeId: 'n1', trustRoot: 'ca' }), {
      Availability: 'Active',
      EngineVersion: '20.10.24',
      Hostname: 'h',
      ID: 'n1',
      ManagerStatus: 'Leader',
      Self: true,
      Status: 'Ready',
      TLSStatus: 'Ready',
      // Berth's additions: what `docker node inspect` would have to be asked for
      Role: 'manager',
      Address: '10.231.0.1',
      CPUs: 2,
      MemoryBytes: 8 * 1024 ** 3,
      Labels: { zone: 'a' },
    });
    assert.equal(nodeRow({ ...node, ManagerStatus: undefined }, { nodeId: 'n2', trustRoot: 'other' }).TLSStatus, 'Needs Rotation');
    const service = { ID: '0123456789abcdef', Spec: { Name: 'web', Mode: { Replicated: {} }, TaskTemplate: { ContainerSpec: { Image: `busybox:latest@sha256:${'a'.repeat(64)}` } } }, Endpoint: { Ports: [{ PublishedPort: 8080, TargetPort: 80, Protocol: 'tcp' }] }, ServiceStatus: { RunningTasks: 1, DesiredTasks: 2 } };
    assert.deepEqual(serviceRow(service), { ID: '0123456789ab', Image: 'busybox:latest', Mode: 'replicated', Name: 'web', Ports: '*:8080->80/tcp', Replicas: '1/2' });
  });
});

describe('docker stats rows', () => {
  test('sizes read as docker prints them: memory in binary steps, I/O in decimal ones, 4 significant digits', () => {
    assert.equal(binarySize(0), '0B');
    assert.equal(binarySize(1536), '1.5KiB');
    assert.equal(binarySize(25 * 1024 ** 3), '25GiB');
    assert.equal(binarySize(123_456_789), '117.7MiB');
    assert.equal(decimalSize(999), '999B');
    assert.equal(decimalSize(1234), '1.234kB');
    assert.equal(decimalSize(5_000_000), '5MB');
  });

  test('CPU % is the delta against precpu_stats; memory without the page cache against the limit', () => {
    const row = statsRow(
      { id: '0123456789abcdef', name: 'web' },
      {
        cpu_stats: { cpu_usage: { total_usage: 3_000_000 }, system_cpu_usage: 20_000_000, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: 1_000_000 }, system_cpu_usage: 10_000_000, online_cpus: 2 },
        memory_stats: { usage: 3 * 1024 ** 2, limit: 100 * 1024 ** 2, stats: { inactive_file: 1024 ** 2 } },
        networks: { eth0: { rx_bytes: 1500, tx_bytes: 0 } },
        blkio_stats: { io_service_bytes_recursive: [{ op: 'read', value: 2_000_000 }, { op: 'write', value: 1000 }] },
      },
    );
    assert.deepEqual(row, { BlockIO: '2MB / 1kB', CPUPerc: '40.00%', Container: '0123456789ab', ID: '0123456789ab', MemPerc: '2.00%', MemUsage: '2MiB / 100MiB', Name: 'web', NetIO: '1.5kB / 0B' });
  });
});

// ---------------------------------------------------------------- on the real engine

const testEnv = readTestEnv();
const docker = new Docker({ socketPath: testEnv.dockerHost.replace('unix://', ''), version: 'v1.41' });
const RUN = `t-dr-${randomBytes(3).toString('hex')}`;
const SECRET = `s3cr3t-${randomBytes(6).toString('hex')}`;
const metadata = { organizationId: ORGANIZATION_ID };

async function runContainer(name: string, labels: Record<string, string> = {}) {
  const c = await docker.createContainer({ name, Image: 'busybox:latest', Cmd: ['sleep', '600'], Env: [`SECRET_VALUE=${SECRET}`], Labels: labels, StopTimeout: 1 });
  await c.start();
  return (await c.inspect()).Id;
}

const state = async (id: string) => (await docker.getContainer(id).inspect()).State.Status;

describe('docker.* and mounts.allNamedByApplicationId on the real engine', () => {
  let b: TestBerth;
  let reader: string;
  let deployer: string;
  let id: string;
  let appName: string;
  let applicationId: string;
  const created: string[] = [];

  before(async () => {
    b = await startTestBerth();
    reader = (await b.call('user.createApiKey', { name: 'reader', role: 'read-only', metadata })).body.key;
    deployer = (await b.call('user.createApiKey', { name: 'deployer', role: 'deployer', metadata })).body.key;
    id = await runContainer(`${RUN}-a`);
    created.push(id);
    created.push(await runContainer(`${RUN}-compose`, { 'com.docker.compose.project': `${RUN}-proj` }));

    const { environment } = (await b.call('project.create', { name: 'docker' })).body;
    ({ appName, applicationId } = (await b.call('application.create', { name: 'svc', appName: RUN, environmentId: environment.environmentId })).body);
    await docker.createService({
      Name: appName,
      TaskTemplate: {
        ContainerSpec: { Image: 'busybox:latest', Command: ['sleep', '600'], Mounts: [{ Type: 'volume', Source: `${RUN}-vol`, Target: '/data' }], StopGracePeriod: 1_000_000_000 },
      },
      Mode: { Replicated: { Replicas: 1 } },
    });
    await until('the service task to run', () => docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${appName}`] } }), (l) => l.length === 1);
  });

  after(async () => {
    await docker.getService(appName).remove().catch(() => {});
    for (const c of created) await docker.getContainer(c).remove({ force: true }).catch(() => {});
    await until('the service containers to go', () => docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${appName}`] } }), (l) => l.length === 0).catch(() => {});
    await docker.getVolume(`${RUN}-vol`).remove().catch(() => {});
    await b?.close();
  });

  test('getContainers lists the containers of the host as docker ps does', async () => {
    const r = await b.call('docker.getContainers', {}, { token: reader });
    assert.equal(r.status, 200);
    const mine = r.body.find((c: { name: string }) => c.name === `${RUN}-a`);
    assert.deepEqual(mine && { ...mine, status: undefined }, { containerId: id.slice(0, 12), name: `${RUN}-a`, image: 'busybox:latest', ports: '', state: 'running', status: undefined });
    assert.match(mine.status, /^Up /);
  });

  test('getConfig shows env values to admins only', async () => {
    const admin = await b.call('docker.getConfig', { containerId: `${RUN}-a` });
    assert.equal(admin.status, 200);
    assert.equal(admin.body.Id, id);
    assert.ok(admin.body.Config.Env.includes(`SECRET_VALUE=${SECRET}`));
    for (const token of [reader, deployer]) {
      const r = await b.call('docker.getConfig', { containerId: id.slice(0, 12) }, { token });
      assert.equal(r.status, 200);
      assert.ok(r.body.Config.Env.includes('SECRET_VALUE=********'));
      assert.ok(!r.text.includes(SECRET));
    }
  });

  test('a container that does not exist, or a short ID prefix, is a 404; a path-like reference a 400', async () => {
    for (const containerId of ['no-such-container', id.slice(0, 4)]) {
      const r = await b.call('docker.getConfig', { containerId });
      assert.equal(r.status, 404, containerId);
      assert.equal(r.body.code, 'NOT_FOUND');
      assert.equal((await b.call('docker.killContainer', { containerId })).status, 404);
    }
    assert.equal(await state(id), 'running', 'the short prefix did not reach the container');
    const bad = await b.call('docker.getConfig', { containerId: '../etc' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.issues[0].path[0], 'containerId');
    assert.equal((await b.call('docker.getContainers', { serverId: 'remote-1' })).status, 404);
  });

  test('lifecycle actions need the deploy role and do what they say', async () => {
    const act = (proc: string, token = deployer) => b.call(`docker.${proc}`, { containerId: `${RUN}-a` }, { token });
    const denied = await act('stopContainer', reader);
    assert.equal(denied.status, 403);
    assert.equal(await state(id), 'running');

    assert.equal((await act('stopContainer')).status, 200);
    assert.equal(await state(id), 'exited');
    assert.equal((await act('stopContainer')).status, 200, 'stopping a stopped container is done already');
    assert.equal((await act('startContainer')).status, 200);
    assert.equal(await state(id), 'running');
    const startedAt = (await docker.getContainer(id).inspect()).State.StartedAt;
    assert.equal((await act('restartContainer')).status, 200);
    assert.notEqual((await docker.getContainer(id).inspect()).State.StartedAt, startedAt);
    assert.equal((await act('killContainer')).status, 200);
    assert.equal(await state(id), 'exited');
    const again = await act('killContainer');
    assert.equal(again.status, 409, again.text);
    assert.equal((await act('removeContainer')).status, 200);
    assert.equal((await docker.listContainers({ all: true, filters: { id: [id] } })).length, 0);
    assert.equal((await act('removeContainer')).status, 404);
  });

  test('containers by name prefix, compose project and service label', async () => {
    const byName = await b.call('docker.getContainersByAppNameMatch', { appName: RUN });
    assert.ok(byName.body.some((c: { name: string }) => c.name === `${RUN}-compose`));
    assert.ok(byName.body.every((c: { name: string }) => c.name.startsWith(RUN)));
    const compose = await b.call('docker.getContainersByAppNameMatch', { appName: `${RUN}-proj`, appType: 'docker-compose' });
    assert.deepEqual(compose.body.map((c: { name: string }) => c.name), [`${RUN}-compose`]);
    assert.deepEqual(Object.keys(compose.body[0]).sort(), ['containerId', 'name', 'state', 'status']);

    const swarm = await b.call('docker.getContainersByAppLabel', { appName, type: 'swarm' });
    assert.equal(swarm.body.length, 1);
    assert.match(swarm.body[0].name, new RegExp(`^${appName}\\.1\\.`));
    assert.deepEqual(Object.keys(swarm.body[0]).sort(), ['containerId', 'name', 'state']);
    assert.equal((await b.call('docker.getContainersByAppLabel', { appName, type: 'other' })).status, 400);
  });

  test("getServiceContainersByAppName shows the service's tasks with their containers", async () => {
    const r = await b.call('docker.getServiceContainersByAppName', { appName });
    assert.equal(r.status, 200);
    const [task] = r.body;
    const [container] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${appName}`] } });
    assert.equal(task.containerId, container.Id.slice(0, 12));
    assert.equal(task.name, `${appName}.1`);
    assert.equal(task.state, 'running');
    assert.match(task.currentState, /^Running .+ ago$/);
    assert.equal(task.node, os.hostname());
    assert.deepEqual((await b.call('docker.getServiceContainersByAppName', { appName: `${RUN}-none` })).body, []);
  });

  test('swarm.* and cluster.getNodes show this Swarm', async () => {
    const nodes = (await b.call('swarm.getNodes', {}, { token: reader })).body;
    const self = nodes.find((n: { Self: boolean }) => n.Self);
    assert.equal(self.Hostname, os.hostname());
    assert.equal(self.Status, 'Ready');
    assert.equal(self.ManagerStatus, 'Leader');
    assert.equal((await b.call('swarm.getNodeInfo', { nodeId: self.ID })).body.ID, self.ID);
    assert.equal((await b.call('swarm.getNodeInfo', { nodeId: 'no-such-node' })).status, 404);
    const cluster = (await b.call('cluster.getNodes', {})).body;
    assert.ok(cluster.some((n: { ID: string; Spec: object }) => n.ID === self.ID && n.Spec));
    const apps = (await b.call('swarm.getNodeApps', {})).body;
    assert.deepEqual(apps.find((s: { Name: string }) => s.Name === appName), { ID: apps.find((s: { Name: string }) => s.Name === appName).ID, Image: 'busybox:latest', Mode: 'replicated', Name: appName, Ports: '', Replicas: '1/1' });
  });

  test('swarm.getContainerStats shows each running container as docker stats does', async () => {
    const rows = (await b.call('swarm.getContainerStats', {}, { token: reader })).body;
    const other = created[1]; // the compose-labelled container: the lifecycle test removed the first
    const mine = rows.find((r: { Name: string }) => r.Name === `${RUN}-compose`);
    assert.ok(mine, 'the container is not listed');
    assert.equal(mine.ID, other.slice(0, 12));
    assert.equal(mine.Container, other.slice(0, 12));
    assert.match(mine.CPUPerc, /^\d+\.\d\d%$/);
    assert.match(mine.MemPerc, /^\d+\.\d\d%$/);
    assert.match(mine.MemUsage, /^[\d.]+(B|KiB|MiB) \/ [\d.]+(MiB|GiB)$/);
    assert.match(mine.NetIO, /^[\d.]+(B|kB|MB) \/ [\d.]+(B|kB|MB)$/);
    assert.match(mine.BlockIO, /^[\d.]+(B|kB|MB) \/ [\d.]+(B|kB|MB)$/);
    // the memory limit is the host's, as docker stats shows it
    const cli = JSON.parse(execFileSync(testEnv.dockerCli, ['stats', '--no-stream', '--format', '{{json .}}', other], { encoding: 'utf8' }));
    assert.equal(mine.MemUsage.split(' / ')[1], cli.MemUsage.split(' / ')[1]);
  });

  test("mounts.allNamedByApplicationId returns the running container's named volumes", async () => {
    const r = await b.call('mounts.allNamedByApplicationId', { applicationId });
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 1);
    assert.equal(r.body[0].Type, 'volume');
    assert.equal(r.body[0].Name, `${RUN}-vol`);
    assert.equal(r.body[0].Destination, '/data');
    const { environment } = (await b.call('project.create', { name: 'idle' })).body;
    const idle = (await b.call('application.create', { name: 'idle', environmentId: environment.environmentId })).body;
    const none = await b.call('mounts.allNamedByApplicationId', { applicationId: idle.applicationId });
    assert.equal(none.status, 200);
    assert.equal(none.text, '');
    assert.equal((await b.call('mounts.allNamedByApplicationId', { applicationId: 'nope' })).status, 404);
  });
});
