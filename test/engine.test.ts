import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { createEngine, dockerClientOptions, Engine, type Rollout } from '../src/docker/engine.js';
import { endpointModeSetting, resolveEndpointMode } from '../src/docker/endpoint-mode.js';
import { serviceSpec, type ServiceSource } from '../src/docker/service-spec.js';
import { serviceSource } from './helpers/service-source.js';
import { readTestEnv } from './helpers/test-env.js';

const run = promisify(execFile);
const testEnv = readTestEnv();
const RUN = `bt${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const REPO = `berth-engine-test-${RUN}`;
const SECOND = 1_000_000_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What a user sees on the published port: the page, or why there is none. */
async function page(port: number): Promise<string> {
  let last: unknown;
  // the task is running once its process started; give httpd a moment to listen
  for (let i = 0; i < 20; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      return (await res.text()).trim();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return `unreachable: ${(last as Error)?.message}`;
}

async function buildImage(tag: string, dockerfile: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-engine-test-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
    await run(testEnv.dockerCli, ['build', '-q', '-t', tag, '--', dir], { env: { ...process.env, DOCKER_BUILDKIT: '1' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const httpdImage = (version: string) =>
  `FROM busybox:latest\nRUN mkdir -p /www && echo ${version} > /www/index.html\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n`;

function app(name: string, port: number, over: Partial<ServiceSource> = {}): ServiceSource {
  return serviceSource({
    appName: name,
    applicationId: `id-${name}`,
    env: 'GREETING=hello',
    // busybox httpd ignores SIGTERM: without this every stop waits Docker's 10 s
    stopGracePeriodSwarm: 1 * SECOND,
    ports: [{ publishedPort: port, targetPort: 3000, protocol: 'tcp', publishMode: 'host' }],
    ...over,
  });
}

describe('endpoint mode', () => {
  test('BERTH_ENDPOINT_MODE accepts vip, dnsrr and auto (the default) and refuses anything else', () => {
    assert.equal(endpointModeSetting(undefined), 'auto');
    assert.equal(endpointModeSetting(''), 'auto');
    assert.equal(endpointModeSetting('dnsrr'), 'dnsrr');
    assert.throws(() => endpointModeSetting('ipvs'), /BERTH_ENDPOINT_MODE must be one of vip, dnsrr, auto, got "ipvs"/);
  });

  test('auto is dnsrr where the local kernel has no IPVS, vip where it has; a set mode is kept', () => {
    const local = 'unix:///var/run/docker.sock';
    assert.equal(resolveEndpointMode('auto', local, () => false), 'dnsrr');
    assert.equal(resolveEndpointMode('auto', local, () => true), 'vip');
    assert.equal(resolveEndpointMode('vip', local, () => false), 'vip');
    assert.equal(resolveEndpointMode('dnsrr', 'tcp://10.0.0.2:2376', () => true), 'dnsrr');
    // a remote engine's kernel cannot be seen from here: Docker's default
    assert.equal(resolveEndpointMode('auto', 'ssh://root@10.0.0.2', () => false), 'vip');
  });

  test('on this machine auto finds what the test environment found', () => {
    assert.equal(resolveEndpointMode('auto', testEnv.dockerHost), testEnv.ipvs ? 'vip' : 'dnsrr');
  });

  test('DOCKER_HOST: a unix socket is used as given; a remote host must be the one docker-modem reads', () => {
    assert.deepEqual(dockerClientOptions('unix:///run/other.sock', {}), { socketPath: '/run/other.sock', host: undefined, protocol: 'http', version: 'v1.41' });
    assert.deepEqual(dockerClientOptions('tcp://10.0.0.2:2375', { DOCKER_HOST: 'tcp://10.0.0.2:2375' }), { version: 'v1.41' });
    assert.throws(() => dockerClientOptions('ssh://root@10.0.0.2', {}), /must be given as DOCKER_HOST in the environment/);
  });
});

describe('what dockerode sends', () => {
  interface Seen {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
  }
  let server: http.Server;
  let socketDir: string;
  let engine: Engine;
  const seen: Seen[] = [];
  let exists = false;

  before(async () => {
    socketDir = mkdtempSync(path.join(os.tmpdir(), 'berth-fake-engine-'));
    const socketPath = path.join(socketDir, 'docker.sock');
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        if (req.method === 'GET' && req.url!.startsWith('/v1.41/services/')) {
          if (!exists) return res.writeHead(404).end(JSON.stringify({ message: 'service web not found' }));
          return res.end(JSON.stringify({ ID: 'svc1', Version: { Index: 7 }, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-01-01T00:00:00Z', Spec: { Name: 'web', TaskTemplate: { ForceUpdate: 2 } } }));
        }
        if (req.url === '/v1.41/services/create') exists = true;
        res.end(JSON.stringify(req.url === '/v1.41/services/create' ? { ID: 'svc1' } : {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    engine = createEngine({ docker: { host: `unix://${socketPath}` } });
  });
  after(() => {
    server.close();
    rmSync(socketDir, { recursive: true, force: true });
  });

  const spec = { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'web:1', Env: ['SECRET=hunter2'] } } };

  test('create: the spec goes in the body only, with no registry auth and an API version that never queries a registry', async () => {
    const rollout = await engine.applyService(spec);
    assert.deepEqual(rollout, { serviceId: 'svc1', created: true, forceUpdate: 2, since: '2026-01-01T00:00:00Z' });
    const create = seen.find((r) => r.method === 'POST')!;
    assert.equal(create.url, '/v1.41/services/create');
    assert.deepEqual(JSON.parse(create.body), spec);
    assert.equal(create.headers['x-registry-auth'], undefined);
  });

  test('update: version in the query, the spec with ForceUpdate bumped in the body, secrets never in the URL', async () => {
    seen.length = 0;
    const rollout = await engine.applyService(spec);
    assert.equal(rollout.created, false);
    const update = seen.find((r) => r.method === 'POST')!;
    assert.equal(update.url, '/v1.41/services/svc1/update?version=7');
    assert.deepEqual(JSON.parse(update.body), { ...spec, TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: 3 } });
    assert.equal(update.headers['x-registry-auth'], undefined);
  });

  test('registry credentials travel as X-Registry-Auth and hold the credentials only', async () => {
    seen.length = 0;
    exists = false;
    const auth = { username: 'berth', password: 'pw', serveraddress: '127.0.0.1:5000' };
    await engine.applyService(spec, { auth });
    await engine.applyService(spec, { auth });
    const posts = seen.filter((r) => r.method === 'POST');
    assert.equal(posts.length, 2);
    for (const p of posts) {
      const header = String(p.headers['x-registry-auth']).replace(/-/g, '+').replace(/_/g, '/');
      assert.deepEqual(JSON.parse(Buffer.from(header, 'base64').toString()), auth);
      assert.ok(!p.url.includes('pw') && !p.body.includes('"pw"'));
    }
  });
});

describe('engine against the real swarm', () => {
  const engine = createEngine({ docker: { host: testEnv.dockerHost } });
  const docker = new Docker(dockerClientOptions(testEnv.dockerHost));
  const endpointMode = resolveEndpointMode('auto', testEnv.dockerHost);
  const name = `${RUN}-web`;
  const images = { v1: `${REPO}:v1`, v2: `${REPO}:v2`, crash: `${REPO}:crash` };
  const pinned: Record<string, string> = {};
  const services = new Set<string>();
  const timings = { create: [] as number[], update: [] as number[], startFirst: [] as number[] };
  let port: number;
  const log: string[] = [];
  const wait = (service: string, rollout: Rollout, timeoutMs = 120_000) =>
    engine.waitForRollout(service, rollout, { timeoutMs, log: (l) => log.push(`${service}: ${l}`) });

  const spec = (image: string, over: Partial<ServiceSource> = {}, svc = name, p = port) =>
    serviceSpec(app(svc, p, over), { image, endpointMode, network: testEnv.network, filesDir: '/nonexistent', labels: { 'berth.test': RUN } });

  async function deploy(image: string, over: Partial<ServiceSource> = {}, svc = name, p = port) {
    services.add(svc);
    const started = performance.now();
    const rollout = await engine.applyService(spec(image, over, svc, p));
    await wait(svc, rollout);
    (rollout.created ? timings.create : timings.update).push(performance.now() - started);
    return rollout;
  }

  before(async () => {
    port = await freePort();
    await Promise.all([
      buildImage(images.v1, httpdImage(`v1-${RUN}`)),
      buildImage(images.v2, httpdImage(`v2-${RUN}`)),
      buildImage(images.crash, 'FROM busybox:latest\nCMD ["sh", "-c", "echo starting; exit 1"]\n'),
    ]);
    for (const [k, ref] of Object.entries(images)) pinned[k] = await engine.pinnedImage(ref);
  });

  after(async () => {
    for (const s of services) await engine.removeService(s);
    for (const ref of Object.values(images)) await engine.removeImage(ref);
    if (process.env.BERTH_TEST_VERBOSE) console.log(log.join('\n'));
  });

  test('a locally built image is pinned by its image ID, which no node will try to pull', async () => {
    const info = await engine.inspectImage(images.v1);
    assert.ok(info);
    assert.equal(pinned.v1, info.Id);
    assert.match(pinned.v1, /^sha256:[0-9a-f]{64}$/);
    await assert.rejects(engine.pinnedImage(`${REPO}:missing`), /No such image: berth-engine-test-.*:missing/);
  });

  test('a new service is running and answers on its published port when waitForRollout resolves', async () => {
    assert.equal(await engine.serviceExists(name), false);
    const rollout = await deploy(pinned.v1);
    assert.equal(rollout.created, true);
    assert.equal(await page(port), `v1-${RUN}`);
    const running = (await engine.listTasks(name)).filter((t) => t.Status.State === 'running');
    assert.equal(running.length, 1);
    const inspected = await engine.inspectService(name);
    assert.deepEqual(inspected?.Spec?.EndpointSpec, spec(pinned.v1).EndpointSpec);
    assert.deepEqual(inspected?.Spec?.Labels, { 'berth.appName': name, 'berth.applicationId': `id-${name}`, 'berth.test': RUN });
  });

  test('an update to a new image replaces the task and the new version answers', async () => {
    const rollout = await deploy(pinned.v2);
    assert.equal(rollout.created, false);
    assert.equal(await page(port), `v2-${RUN}`);
  });

  test('redeploying the very same spec still replaces the task (ForceUpdate), so env changes reload', async () => {
    const before = (await engine.listTasks(name)).find((t) => t.Status.State === 'running')!;
    const first = await deploy(pinned.v2);
    const second = await deploy(pinned.v2, { env: 'GREETING=changed' });
    assert.equal(second.forceUpdate, first.forceUpdate + 1);
    const now = (await engine.listTasks(name)).find((t) => t.Status.State === 'running')!;
    assert.notEqual(now.ID, before.ID);
    const container = await docker.getContainer(now.Status.ContainerStatus!.ContainerID!).inspect();
    assert.ok(container.Config.Env.includes('GREETING=changed'));
    assert.equal(await page(port), `v2-${RUN}`);
  });

  test('an update whose new task exits 1 fails with the task error, after Swarm rolled back: the previous version answers', async () => {
    const rollout = await engine.applyService(spec(pinned.crash));
    await assert.rejects(wait(name, rollout), (err: Error) => {
      assert.match(err.message, /^task: non-zero exit \(1\)/);
      assert.match(err.message, /Swarm rolled back: the previous version runs again/);
      return true;
    });
    assert.equal(await page(port), `v2-${RUN}`);
  });

  test('a health check that never passes fails naming the check, and the previous version keeps answering', async () => {
    const healthCheckSwarm = { Test: ['CMD-SHELL', 'exit 1'], Interval: SECOND / 2, Timeout: SECOND, Retries: 1 };
    const rollout = await engine.applyService(spec(pinned.v1, { healthCheckSwarm }));
    await assert.rejects(wait(name, rollout), (err: Error) => {
      assert.match(err.message, /unhealthy container; health check "exit 1" failed \(exit code 1\)/);
      assert.match(err.message, /Swarm rolled back: the previous version runs again/);
      return true;
    });
    assert.equal(await page(port), `v2-${RUN}`);
  });

  test('a health check that passes: the rollout is done once the new task is healthy', async () => {
    const healthCheckSwarm = { Test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:3000/'], Interval: SECOND / 2, Timeout: SECOND, Retries: 2 };
    await deploy(pinned.v1, { healthCheckSwarm });
    const task = (await engine.listTasks(name)).find((t) => t.Status.State === 'running')!;
    const container = await docker.getContainer(task.Status.ContainerStatus!.ContainerID!).inspect();
    assert.equal(container.State.Health?.Status, 'healthy');
    assert.equal(await page(port), `v1-${RUN}`);
  });

  test('scaling to 0 stops every task; scaling back to the configured replicas serves again', async () => {
    await wait(name, await engine.scaleService(name, 0));
    assert.equal((await engine.listTasks(name)).filter((t) => t.Status.State === 'running').length, 0);
    assert.match(await page(port), /^unreachable/);
    await wait(name, await engine.scaleService(name, 1));
    assert.equal(await page(port), `v1-${RUN}`);
  });

  test('scaling up keeps the running task and waits for the added ones', async () => {
    const other = `${RUN}-noports`;
    await deploy(pinned.v1, { ports: [] }, other);
    await wait(other, await engine.scaleService(other, 3));
    assert.equal((await engine.listTasks(other)).filter((t) => t.Status.State === 'running').length, 3);
  });

  test('a new service whose task exits 1 is reported with the task error at once', async () => {
    const crash = `${RUN}-crash`;
    services.add(crash);
    const rollout = await engine.applyService(spec(pinned.crash, {}, crash, await freePort()));
    const started = performance.now();
    await assert.rejects(wait(crash, rollout), /^Error: task: non-zero exit \(1\)$/);
    assert.ok(performance.now() - started < 5000, 'no waiting for a restart or a timeout');
    await engine.removeService(crash);
  });

  test('tasks no node may run fail at once with what Swarm says; tasks waiting for resources time out naming it; an abort stops the wait', async () => {
    const nowhere = `${RUN}-nowhere`;
    services.add(nowhere);
    const placed = await engine.applyService(spec(pinned.v1, { placementSwarm: { Constraints: ['node.labels.berth-nowhere==1'] } }, nowhere, await freePort()));
    await assert.rejects(
      engine.waitForRollout(nowhere, placed, { timeoutMs: 60_000, log: () => {} }),
      /^Error: Swarm cannot place the new tasks on any node: no suitable node \((\d+ nodes? not available for new tasks; )?scheduling constraints not satisfied on \d+ nodes?\)$/,
    );
    await engine.removeService(nowhere);

    // more CPUs reserved than any node has: Swarm words it as resources, which running tasks could free
    const stuck = `${RUN}-stuck`;
    services.add(stuck);
    const rollout = await engine.applyService(spec(pinned.v1, { cpuReservation: String(1000 * 1e9) }, stuck, await freePort()));
    await assert.rejects(
      engine.waitForRollout(stuck, rollout, { timeoutMs: 1500, log: () => {} }),
      /The new tasks of .*-stuck were not running after 2 s; last: task \w+ \(replica 1\): pending — no suitable node \(.*insufficient resources on \d+ nodes?/,
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by the user')), 200);
    await assert.rejects(engine.waitForRollout(stuck, rollout, { timeoutMs: 60_000, signal: controller.signal, log: () => {} }), /cancelled by the user/);
    await engine.removeService(stuck);
  });

  test('done means the replaced release is out of service discovery: right after it, the name resolves to the new task only and every answer is the new version, even while the old one still drains', async () => {
    const svc = `${RUN}-dns`;
    // on SIGTERM, keeps serving for 4 s before it exits (a production server's drain)
    const draining = { ports: [], command: `sh -c "trap 'sleep 4; exit 0' TERM; httpd -f -p 3000 -h /www & wait"` };
    await deploy(pinned.v1, { ports: [] }, svc);
    const client = await docker.createContainer({
      name: `${RUN}-resolver`,
      Image: 'busybox:latest',
      Cmd: ['sleep', '600'],
      Labels: { 'berth.test': RUN },
      HostConfig: { NetworkMode: testEnv.network },
    });
    try {
      await client.start();
      const inClient = async (...cmd: string[]) => (await run(testEnv.dockerCli, ['exec', client.id, ...cmd])).stdout;
      /** The addresses Docker's DNS gives for the name now, as a client without a cache sees them. */
      const resolve = async () => {
        const answer = (await inClient('nslookup', svc)).split('Name:').slice(1).join('\n');
        return [...answer.matchAll(/Address(?: \d+)?:\s*([\d.]+)/g)].map((m) => m[1]).sort();
      };
      assert.equal((await resolve()).length, 1);
      // start-first (no published port): first replacing a task that stops at once, then one that drains
      const releases: [string, Partial<ServiceSource>, string][] = [[pinned.v2, draining, 'v2'], [pinned.v1, { ports: [] }, 'v1']];
      for (const [image, over, version] of releases) {
        const replaced = (await engine.listTasks(svc)).find((t) => t.Status.State === 'running')!;
        await deploy(image, over, svc);
        const addresses = await resolve();
        const running = (await engine.listTasks(svc)).filter((t) => t.Status.State === 'running' && t.DesiredState === 'running');
        const taskAddresses = running.map((t) => (t as { NetworksAttachments?: { Addresses?: string[] }[] }).NetworksAttachments?.[0]?.Addresses?.[0]?.split('/')[0]);
        assert.deepEqual(addresses, taskAddresses, `${version}: right after done the name resolves to ${addresses.join(', ')}`);
        for (const ip of addresses) assert.equal((await inClient('wget', '-q', '-O', '-', `http://${ip}:3000/`)).trim(), `${version}-${RUN}`);
        if (version === 'v1') {
          const old = await docker.getContainer(replaced.Status.ContainerStatus!.ContainerID!).inspect();
          assert.equal(old.State.Running, true, 'done came while the replaced release still drained');
        }
      }
    } finally {
      await client.remove({ force: true });
    }
  });

  test('an app that ignores SIGTERM (busybox httpd as PID 1 would) is stopped by it behind the init process: the replaced task exits 143, not killed after the grace period', async (t) => {
    const svc = `${RUN}-init`;
    const p = await freePort();
    const replacedExit = async (over: Partial<ServiceSource>) => {
      const before = (await engine.listTasks(svc)).find((task) => task.Status.State === 'running')!;
      const started = performance.now();
      await deploy(pinned.v2, over, svc, p); // a host-mode published port: stop-first
      const ms = Math.round(performance.now() - started);
      const old = await docker.getContainer(before.Status.ContainerStatus!.ContainerID!).inspect();
      return { exitCode: old.State.ExitCode, ms };
    };
    // Docker's default grace period (10 s) on the init run: it must not be waited for
    await deploy(pinned.v1, { stopGracePeriodSwarm: null }, svc, p);
    const withInit = await replacedExit({ stopGracePeriodSwarm: null });
    assert.equal(withInit.exitCode, 143, 'stopped by its SIGTERM');
    assert.equal(await page(p), `v2-${RUN}`);
    const inspected = await engine.inspectService(svc);
    assert.equal((inspected?.Spec?.TaskTemplate as { ContainerSpec?: { Init?: boolean } }).ContainerSpec?.Init, true);
    // turned off: httpd is PID 1 and ignores SIGTERM; Swarm kills it after the (here 1 s) grace period
    const withoutInit = await replacedExit({ initProcess: false });
    const withoutInitAgain = await replacedExit({ initProcess: false });
    assert.equal(withoutInitAgain.exitCode, 137, 'killed after the grace period');
    t.diagnostic(`stop-first redeploy → done: ${withInit.ms} ms with init (10 s grace period), ${withoutInit.ms} / ${withoutInitAgain.ms} ms without (1 s grace period)`);
    await engine.removeService(svc);
  });

  test('removeService removes the service and its containers, and a missing one is fine', async () => {
    await engine.removeService(name);
    assert.equal(await engine.serviceExists(name), false);
    const left = await docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${name}`] } });
    assert.equal(left.length, 0);
    await engine.removeService(name);
    assert.deepEqual(await engine.listTasks(name), []);
  });

  test('images: removeImage reports a missing image and one still in use instead of throwing', async () => {
    assert.equal(await engine.imageExists(images.crash), true);
    const inUse = `${RUN}-inuse`;
    await deploy(pinned.v2, { ports: [] }, inUse);
    const refused = await engine.removeImage(pinned.v2);
    assert.equal(refused.removed, false);
    assert.match((refused as { reason: string }).reason, /being used|conflict/i);
    await engine.removeService(inUse);
    assert.deepEqual(await engine.removeImage(images.crash), { removed: true });
    assert.equal(await engine.imageExists(images.crash), false);
    const missing = await engine.removeImage(images.crash);
    assert.equal(missing.removed, false);
    assert.match((missing as { reason: string }).reason, /No such image/);
  });

  test('timing: applyService to waitForRollout resolved, for new services and for updates', async (t) => {
    // start-first updates of a service without published ports (what sits behind Traefik)
    const other = `${RUN}-noports`;
    await wait(other, await engine.applyService(spec(pinned.v1, { ports: [] }, other))); // back to one replica
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await wait(other, await engine.applyService(spec(i % 2 ? pinned.v1 : pinned.v2, { ports: [] }, other)));
      timings.startFirst.push(performance.now() - started);
    }
    const ms = (xs: number[]) => `median ${Math.round(median(xs))} ms of ${xs.map(Math.round).join(', ')}`;
    t.diagnostic(`new service: ${ms(timings.create)}`);
    t.diagnostic(`update, start-first (no published port): ${ms(timings.startFirst)}`);
    t.diagnostic(`update, stop-first (host-mode published port): ${ms(timings.update)}`);
    // a sanity bound, not a figure (npm run bench measures): a new task starting, Swarm taking
    // the old one out of DNS ~1 s later, then 2 s before it stops it
    assert.ok(median(timings.startFirst) < 15_000);
  });
});
