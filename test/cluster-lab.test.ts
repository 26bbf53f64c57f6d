// Proof that the lab (scripts/test-env/cluster.sh, brought up by scripts/test-env.sh) is a
// real three-node swarm on this machine: the host's engine as manager on the lab address and
// two worker daemons in their own namespaces, drained by default. With the workers active, a
// service pulled from the lab registry runs a task on every node, each node's address answers
// and the overlay reaches every task; a worker killed goes down and comes back. The workers are drained again at the end.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from './helpers/e2e.js';
import { labUp, readTestEnv, testEnvIfPresent } from './helpers/test-env.js';
import { until } from './helpers/until.js';

const exec = promisify(execFile);
const CLUSTER_SH = path.resolve(import.meta.dirname, '../scripts/test-env/cluster.sh');
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const SERVICE = `berth-labtest-${run}`;

const env = testEnvIfPresent();
const cli = () => env?.dockerCli ?? 'docker';
/** The docker CLI against `host` (default: this engine, the manager), with its own config dir. */
async function docker(args: string[], host?: string, configDir?: string): Promise<string> {
  const { stdout } = await exec(cli(), [...(host ? ['-H', host] : []), ...args], {
    env: { ...process.env, ...(configDir ? { DOCKER_CONFIG: configDir } : {}) },
    timeout: 60_000,
    maxBuffer: 16 << 20,
  });
  return stdout.trim();
}
const cluster = (...args: string[]) => exec('bash', [CLUSTER_SH, ...args], { timeout: 90_000 });

interface EngineNode {
  ID: string;
  Description: { Hostname: string };
  Spec: { Role: string; Availability: string; Labels: Record<string, string> };
  Status: { State: string; Addr: string };
  ManagerStatus?: { Addr: string; Leader: boolean };
}
const nodes = async (): Promise<EngineNode[]> => JSON.parse(await docker(['node', 'inspect', ...(await docker(['node', 'ls', '-q'])).split('\n')]));
/** A node's state as the manager sees it, by hostname (a node that joins anew gets a new ID). */
const state = async (hostname: string) => docker(['node', 'inspect', '--format', '{{.Status.State}}', hostname]);

/** `docker login` to the lab registry into `configDir`, the password on stdin. */
function login(configDir: string): Promise<void> {
  const { registry } = readTestEnv();
  return new Promise((resolve, reject) => {
    const child = execFile(cli(), ['login', '-u', registry.username, '--password-stdin', registry.labUrl], { env: { ...process.env, DOCKER_CONFIG: configDir }, timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`docker login ${registry.labUrl}: ${stderr}`)) : resolve(),
    );
    child.stdin!.end(registry.password);
  });
}

/** The body `http://address:port/` answers, or undefined while nothing does. */
async function answer(address: string, port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${address}:${port}/`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? (await res.text()).trim() : undefined;
  } catch {
    return undefined;
  }
}

describe('the lab: a three-node swarm on this machine', () => {
  const workers = () => readTestEnv().cluster.nodes.filter((n) => n.role === 'worker');

  before(() => {
    assert.ok(env?.cluster, 'env.json has no cluster: run scripts/test-env.sh');
    // Nothing goes to a lab address unless the lab's network is up here.
    assert.ok(labUp(env), 'the lab network (berth-lab, 10.231.0.1) is down: run scripts/test-env.sh');
  });

  after(async () => {
    await docker(['service', 'rm', SERVICE]).catch(() => {});
    for (const w of workers()) {
      if (!(await docker(['info', '--format', '{{.Name}}'], w.dockerHost).catch(() => ''))) await cluster('node-start', w.hostname.replace('berth-node-', '')).catch(() => {});
      await until(`${w.hostname} ready`, () => state(w.hostname), (s) => s === 'ready', 30_000).catch(() => {});
      await docker(['node', 'update', '--availability', 'drain', w.hostname]).catch(() => {});
    }
  });

  test('the lab range meets a local unreachable route, which the connected /24 outranks while the lab is up', async () => {
    const { stdout } = await exec('ip', ['-j', 'route', 'show', 'table', 'main', env!.cluster.labAddress.replace(/\.\d+$/, '.0/24')]);
    const routes = JSON.parse(stdout) as { type?: string; dev?: string; metric?: number }[];
    const unreachable = routes.find((r) => r.type === 'unreachable');
    const connected = routes.find((r) => r.dev === 'berth-lab');
    assert.ok(unreachable, `no unreachable route for the lab range: ${stdout}`);
    assert.ok(connected, `no connected route on berth-lab: ${stdout}`);
    assert.ok((unreachable.metric ?? 0) > (connected.metric ?? 0), stdout);
    const via = (await exec('ip', ['route', 'get', '10.231.0.99'])).stdout;
    assert.match(via, /dev berth-lab src 10\.231\.0\.1\b/);
  });

  test('three nodes are ready: this engine the manager on 10.231.0.1, two labelled workers drained, as env.json says', async () => {
    const all = await nodes();
    assert.equal(all.length, 3, JSON.stringify(all.map((n) => n.Description.Hostname)));
    for (const n of all) assert.equal(n.Status.State, 'ready', `${n.Description.Hostname} is ${n.Status.State}`);

    const [manager] = all.filter((n) => n.Spec.Role === 'manager');
    assert.equal(manager.Description.Hostname, os.hostname());
    assert.equal(manager.ManagerStatus?.Addr, '10.231.0.1:2377');
    assert.equal(manager.ManagerStatus?.Leader, true);
    assert.equal(manager.Spec.Availability, 'active');

    const seen = all.filter((n) => n.Spec.Role === 'worker').sort((a, b) => a.Description.Hostname.localeCompare(b.Description.Hostname));
    assert.deepEqual(
      seen.map((n) => [n.Description.Hostname, n.Status.Addr, n.Spec.Labels['berth.engine'], n.Spec.Availability]),
      [
        ['berth-node-1', '10.231.0.11', 'unix:///run/berth-node-1.sock', 'drain'],
        ['berth-node-2', '10.231.0.12', 'tcp://10.231.0.12:2376', 'drain'],
      ],
    );
    assert.deepEqual(
      readTestEnv().cluster.nodes.map((n) => [n.hostname, n.nodeId, n.role, n.address, n.dockerHost, n.engine]),
      [
        [manager.Description.Hostname, manager.ID, 'manager', '10.231.0.1', 'unix:///var/run/docker.sock', null],
        ...seen.map((n) => [n.Description.Hostname, n.ID, 'worker', n.Status.Addr, `unix:///run/${n.Description.Hostname}.sock`, n.Spec.Labels['berth.engine']]),
      ],
      'env.json is not the swarm (a node re-joined since it was written: scripts/test-env/cluster.sh up writes it again)',
    );
    // Each worker's own engine answers on its socket, under its own name and engine ID.
    const ids = new Set([await docker(['info', '--format', '{{.ID}}'])]);
    for (const w of workers()) {
      const [name, id, swarm] = (await docker(['info', '--format', '{{.Name}} {{.ID}} {{.Swarm.NodeID}}'], w.dockerHost)).split(' ');
      assert.deepEqual([name, swarm], [w.hostname, w.nodeId]);
      ids.add(id);
    }
    assert.equal(ids.size, 3, 'the engines share an engine ID (key path)');
  });

  test("berth-node-2's engine also answers on tcp://10.231.0.12:2376 with TLS, to the client certificate in env.json only", async () => {
    const { engineCertPath, nodes: all } = readTestEnv().cluster;
    const node2 = all.find((n) => n.hostname === 'berth-node-2')!;
    assert.equal(node2.engine, 'tcp://10.231.0.12:2376');
    const tls = ['--tlsverify', '--tlscacert', path.join(engineCertPath, 'ca.pem'), '--tlscert', path.join(engineCertPath, 'cert.pem'), '--tlskey', path.join(engineCertPath, 'key.pem')];
    assert.equal(await docker([...tls, 'info', '--format', '{{.Name}} {{.Swarm.NodeID}}'], node2.engine), `berth-node-2 ${node2.nodeId}`);
    // the server asks for a client certificate: without one the handshake fails
    const version = ['version', '--format', '{{.Server.Version}}'];
    await assert.rejects(docker(['--tlsverify', '--tlscacert', path.join(engineCertPath, 'ca.pem'), ...version], node2.engine), /tls: bad certificate/);
    await assert.rejects(docker(version, node2.engine), /Client sent an HTTP request to an HTTPS server/);
  });

  test('with the workers active, a 3-replica service from the lab registry runs a task on each node, each node answering, all reachable through the overlay; a killed worker goes down and comes back', { timeout: 120_000 }, async (t) => {
    const e = readTestEnv();
    const image = `${e.registry.labUrl}/berth-labtest/web:${run}`;
    const port = await freePort();
    const config = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-labtest-'));
    let pinned: string | undefined;
    t.after(async () => {
      fs.rmSync(config, { recursive: true, force: true });
      await docker(['service', 'rm', SERVICE]).catch(() => {});
      // The pushed manifest, through the registry's loopback side (same storage).
      if (pinned) {
        const basic = `Basic ${Buffer.from(`${e.registry.username}:${e.registry.password}`).toString('base64')}`;
        await fetch(`http://${e.registry.url}/v2/berth-labtest/web/manifests/${pinned.split('@')[1]}`, { method: 'DELETE', headers: { authorization: basic } }).catch(() => {});
      }
      await until(`network ${SERVICE} removed`, () => docker(['network', 'rm', SERVICE]).then(() => true, (err) => /not found|No such network/i.test(String(err.stderr))), Boolean, 30_000).catch(() => {});
      // Each node's copy goes once its task's container has.
      for (const [host, ref] of [[undefined, image], ...workers().map((w) => [w.dockerHost, pinned])]) {
        if (!ref) continue;
        const gone = async () => (await docker(['image', 'ls', '-q', ref], host)) === '' || (await docker(['image', 'rm', ref], host).then(() => true, () => false));
        await until(`${ref} removed from ${host ?? 'this engine'}`, gone, Boolean, 30_000).catch(() => {});
      }
    });

    // The image reaches the workers from the registry, over TLS with the test CA.
    await login(config);
    await docker(['tag', 'busybox:latest', image]);
    await docker(['push', image], undefined, config);

    await docker(['network', 'create', '--driver', 'overlay', '--attachable', SERVICE]);
    for (const w of workers()) await docker(['node', 'update', '--availability', 'active', w.hostname]);
    await docker(
      [
        'service', 'create', '--detach', '--with-registry-auth',
        '--name', SERVICE,
        '--network', SERVICE,
        '--replicas', '3',
        '--endpoint-mode', 'dnsrr',
        '--publish', `mode=host,target=8080,published=${port}`,
        '--init', '--restart-delay', '0s', '--stop-grace-period', '1s',
        '--env', 'NODE={{.Node.Hostname}}',
        image,
        'sh', '-c', 'mkdir -p /www && echo "$NODE" > /www/index.html && exec httpd -f -p 8080 -h /www',
      ],
      undefined,
      config,
    );

    const expected = [
      [e.cluster.labAddress, os.hostname()],
      ...workers().map((w) => [w.address, w.hostname]),
    ];
    for (const [address, hostname] of expected) {
      await until(`${hostname} answering on ${address}:${port}`, () => answer(address, port), (body) => body === hostname, 60_000);
    }
    const running = (await docker(['service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}', SERVICE])).split('\n').sort();
    assert.deepEqual(running.map((l) => l.split(' ')[0]), expected.map(([, h]) => h).sort());
    for (const line of running) assert.match(line, / Running /);
    // The workers pulled the image by the digest the service pins, from the lab registry.
    const spec = await docker(['service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', SERVICE]);
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(spec)?.[1];
    assert.ok(spec.startsWith(`${image}@`) && digest, spec);
    pinned = `${e.registry.labUrl}/berth-labtest/web@${digest}`;
    for (const w of workers()) {
      const digests = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', pinned], w.dockerHost);
      assert.ok(JSON.parse(digests).includes(pinned), `${w.hostname}: ${digests}`);
    }

    // Through the overlay (VXLAN between the host's namespace and the nodes'), a client on a
    // worker reaches the task on every node.
    const client = await docker(
      ['run', '--rm', '--network', SERVICE, pinned, 'sh', '-c', `for ip in $(nslookup tasks.${SERVICE} 127.0.0.11 | awk '/^Address: / { print $2 }' | grep -vx 127.0.0.11); do wget -qO- http://$ip:8080/; done`],
      workers()[0].dockerHost,
    );
    assert.deepEqual(client.split('\n').sort(), expected.map(([, h]) => h).sort());

    // Power node 2 off: Swarm marks it down (1 s heartbeat), and its address stops answering.
    const victim = workers()[1];
    const killedAt = Date.now();
    await cluster('node-kill', '2');
    await until(`${victim.hostname} down`, () => state(victim.hostname), (s) => s === 'down', 30_000);
    t.diagnostic(`${victim.hostname} down ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    assert.equal(await answer(victim.address, port), undefined);

    const startedAt = Date.now();
    await cluster('node-start', '2');
    await until(`${victim.hostname} ready again`, () => state(victim.hostname), (s) => s === 'ready', 30_000);
    t.diagnostic(`${victim.hostname} ready ${((Date.now() - startedAt) / 1000).toFixed(1)} s after node-start`);
    // Its task comes back (the host-mode port left it pending for want of a node).
    await until(`${victim.hostname} answering again`, () => answer(victim.address, port), (body) => body === victim.hostname, 60_000);
  });
});
