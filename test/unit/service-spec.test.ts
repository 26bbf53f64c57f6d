import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeployableApplication } from '../../src/deploy/types.js';
import { serviceSpec, splitCommand, type ServiceSource, type ServiceSpecOptions } from '../../src/docker/service-spec.js';
import { serviceSource } from '../helpers/service-source.js';

// A compile-time guarantee: what the pipeline holds is what the spec reads.
export const pipelineAppFits = (app: DeployableApplication): ServiceSource => app;

const app = serviceSource;

const opts = (over: Partial<ServiceSpecOptions> = {}): ServiceSpecOptions => ({
  image: 'web-abc123@sha256:1111111111111111111111111111111111111111111111111111111111111111',
  endpointMode: 'vip',
  network: 'berth-network',
  filesDir: '/var/lib/berth/files/web-abc123',
  ...over,
});

const container = (a: ServiceSource, o = opts()) => {
  const t = serviceSpec(a, o).TaskTemplate;
  assert.ok(t && 'ContainerSpec' in t && t.ContainerSpec);
  return t.ContainerSpec;
};
const task = (a: ServiceSource, o = opts()) => serviceSpec(a, o).TaskTemplate as Record<string, unknown>;

describe('serviceSpec', () => {
  test('an application with nothing set gets Dokploy defaults: one replica, start-first with rollback, the platform network', () => {
    assert.deepEqual(serviceSpec(app(), opts()), {
      Name: 'web-abc123',
      Labels: { 'berth.appName': 'web-abc123', 'berth.applicationId': 'app_0000000000000001' },
      TaskTemplate: {
        ContainerSpec: { Image: opts().image, Env: [], Mounts: [], Init: true },
        Networks: [{ Target: 'berth-network' }],
      },
      Mode: { Replicated: { Replicas: 1 } },
      UpdateConfig: { Parallelism: 1, Order: 'start-first', FailureAction: 'rollback' },
      RollbackConfig: { Parallelism: 1, Order: 'start-first' },
      EndpointSpec: { Mode: 'vip', Ports: [] },
    });
  });

  test('env: the dotenv text becomes KEY=value entries, secrets included, quoted and multi-line values intact', () => {
    const env = '# comment\nDATABASE_URL=postgres://u:p@db/x\nGREETING="hello world"\nPEM="line1\nline2"\nEMPTY=\n';
    assert.deepEqual(container(app({ env })).Env, [
      'DATABASE_URL=postgres://u:p@db/x',
      'GREETING=hello world',
      'PEM=line1\nline2',
      'EMPTY=',
    ]);
  });

  test('env: an already-resolved environment given by the caller replaces the raw text', () => {
    const a = app({ env: 'URL=${{project.URL}}' });
    assert.deepEqual(container(a, opts({ env: { URL: 'https://example.test' } })).Env, ['URL=https://example.test']);
  });

  test('mounts: volume by name, bind by host path, file from the files folder; any mount pins the service to the manager', () => {
    const a = app({
      mounts: [
        { type: 'volume', volumeName: 'web-data', hostPath: null, filePath: null, mountPath: '/data' },
        { type: 'bind', hostPath: '/srv/shared', volumeName: null, filePath: null, mountPath: '/shared' },
        { type: 'file', filePath: 'conf/app.ini', hostPath: null, volumeName: null, mountPath: '/etc/app.ini' },
      ],
    });
    assert.deepEqual(container(a).Mounts, [
      { Type: 'volume', Source: 'web-data', Target: '/data' },
      { Type: 'bind', Source: '/srv/shared', Target: '/shared' },
      { Type: 'bind', Source: '/var/lib/berth/files/web-abc123/conf/app.ini', Target: '/etc/app.ini' },
    ]);
    assert.deepEqual(task(a).Placement, { Constraints: ['node.role==manager'] });
    assert.equal(task(app()).Placement, undefined);
  });

  test('mounts: a file mount can never point outside the files folder, and a mount without a source is refused', () => {
    const escaping = app({ mounts: [{ type: 'file', filePath: '../../etc/shadow', hostPath: null, volumeName: null, mountPath: '/x' }] });
    assert.throws(() => serviceSpec(escaping, opts()), /file mount at \/x points outside/);
    const sourceless = app({ mounts: [{ type: 'volume', volumeName: null, hostPath: null, filePath: null, mountPath: '/data' }] });
    assert.throws(() => serviceSpec(sourceless, opts()), /volume mount at \/data has no source/);
  });

  test('ports: Port rows become published ports with their protocol and publish mode (vip keeps ingress)', () => {
    const a = app({
      ports: [
        { publishedPort: 8080, targetPort: 80, protocol: 'tcp', publishMode: 'ingress' },
        { publishedPort: 5353, targetPort: 53, protocol: 'udp', publishMode: 'ingress' },
      ],
    });
    assert.deepEqual(serviceSpec(a, opts()).EndpointSpec, {
      Mode: 'vip',
      Ports: [
        { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
        { Protocol: 'udp', TargetPort: 53, PublishedPort: 5353, PublishMode: 'ingress' },
      ],
    });
  });

  test('ports: in dnsrr mode every port is published in host mode, since the ingress mesh needs IPVS', () => {
    const a = app({ ports: [{ publishedPort: 8080, targetPort: 80, protocol: 'tcp', publishMode: 'ingress' }] });
    assert.deepEqual(serviceSpec(a, opts({ endpointMode: 'dnsrr' })).EndpointSpec, {
      Mode: 'dnsrr',
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }],
    });
  });

  test('ports: a host-mode published port makes updates and rollbacks stop-first (start-first would wait forever for the port)', () => {
    const a = app({ ports: [{ publishedPort: 8080, targetPort: 80, protocol: 'tcp', publishMode: 'host' }] });
    const spec = serviceSpec(a, opts());
    assert.deepEqual(spec.UpdateConfig, { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback' });
    assert.deepEqual(spec.RollbackConfig, { Parallelism: 1, Order: 'stop-first' });
    // a host port left for Docker to pick (0) cannot collide
    const dynamic = app({ ports: [{ publishedPort: 0, targetPort: 80, protocol: 'tcp', publishMode: 'host' }] });
    assert.equal(serviceSpec(dynamic, opts()).UpdateConfig?.Order, 'start-first');
  });

  test('zero-downtime defaults (test/zero-downtime.test.ts): no fixed host port in dnsrr mode is start-first with automatic rollback; Swarm\'s Monitor and Docker\'s stop grace period stay in force', () => {
    const healthCheckSwarm = { Test: ['CMD', 'node', '/srv/health.js'], Interval: 5e8, Timeout: 2e9, Retries: 3 };
    const spec = serviceSpec(app({ healthCheckSwarm }), opts({ endpointMode: 'dnsrr' }));
    assert.deepEqual(spec.EndpointSpec, { Mode: 'dnsrr', Ports: [] });
    // no Monitor, Delay or StopGracePeriod sent: Swarm's 5 s failure monitor and Docker's 10 s grace apply
    assert.deepEqual(spec.UpdateConfig, { Parallelism: 1, Order: 'start-first', FailureAction: 'rollback' });
    assert.deepEqual(spec.RollbackConfig, { Parallelism: 1, Order: 'start-first' });
    const c = container(app({ healthCheckSwarm }), opts({ endpointMode: 'dnsrr' }));
    assert.deepEqual(c.HealthCheck, healthCheckSwarm);
    assert.equal(c.StopGracePeriod, undefined);
  });

  test('endpointSpecSwarm replaces the Port rows; its Mode defaults to the server setting and its ports to tcp/host', () => {
    const a = app({
      ports: [{ publishedPort: 9999, targetPort: 99, protocol: 'tcp', publishMode: 'host' }],
      endpointSpecSwarm: { Ports: [{ TargetPort: 3000, PublishedPort: 3001 }, { Protocol: 'udp', TargetPort: 53, PublishedPort: 53, PublishMode: 'ingress' }] },
    });
    assert.deepEqual(serviceSpec(a, opts({ endpointMode: 'dnsrr' })).EndpointSpec, {
      Mode: 'dnsrr',
      Ports: [
        { TargetPort: 3000, PublishedPort: 3001, Protocol: 'tcp', PublishMode: 'host' },
        { Protocol: 'udp', TargetPort: 53, PublishedPort: 53, PublishMode: 'host' },
      ],
    });
    const vip = app({ endpointSpecSwarm: { Mode: 'vip', Ports: [{ TargetPort: 80, PublishedPort: 80, PublishMode: 'ingress' }] } });
    assert.deepEqual(serviceSpec(vip, opts({ endpointMode: 'dnsrr' })).EndpointSpec, {
      Mode: 'vip',
      Ports: [{ TargetPort: 80, PublishedPort: 80, Protocol: 'tcp', PublishMode: 'ingress' }],
    });
    assert.deepEqual(serviceSpec(app({ endpointSpecSwarm: { Mode: 'dnsrr' } }), opts()).EndpointSpec, { Mode: 'dnsrr', Ports: [] });
  });

  test('replicas: the replica count unless modeSwarm says otherwise', () => {
    assert.deepEqual(serviceSpec(app({ replicas: 3 }), opts()).Mode, { Replicated: { Replicas: 3 } });
    assert.deepEqual(serviceSpec(app({ replicas: 0 }), opts()).Mode, { Replicated: { Replicas: 0 } });
    assert.deepEqual(serviceSpec(app({ replicas: 3, modeSwarm: { Global: {} } }), opts()).Mode, { Global: {} });
    assert.deepEqual(serviceSpec(app({ modeSwarm: { Replicated: { Replicas: 2 } } }), opts()).Mode, { Replicated: { Replicas: 2 } });
  });

  test('resources: integer text becomes MemoryBytes and NanoCPUs limits and reservations; empty means none', () => {
    const a = app({ memoryLimit: '268435456', cpuLimit: '1500000000', memoryReservation: '134217728', cpuReservation: '250000000' });
    assert.deepEqual(task(a).Resources, {
      Limits: { MemoryBytes: 268435456, NanoCPUs: 1500000000 },
      Reservations: { MemoryBytes: 134217728, NanoCPUs: 250000000 },
    });
    assert.deepEqual(task(app({ memoryLimit: '1073741824', cpuReservation: '' })).Resources, { Limits: { MemoryBytes: 1073741824 } });
    assert.equal(task(app({ memoryLimit: '', cpuLimit: '  ' })).Resources, undefined);
  });

  test('resources: text that is not a whole number is an error, never NaN in the spec', () => {
    assert.throws(() => serviceSpec(app({ memoryLimit: 'abc' }), opts()), /memoryLimit must be a whole number as text, got "abc"/);
    assert.throws(() => serviceSpec(app({ cpuLimit: '1.5' }), opts()), /cpuLimit must be a whole number/);
    assert.throws(() => serviceSpec(app({ memoryReservation: '-1' }), opts()), /memoryReservation must be a whole number/);
    assert.throws(() => serviceSpec(app({ cpuReservation: '99999999999999999999' }), opts()), /cpuReservation must be a whole number/);
  });

  test('health check, restart policy, stop grace period and ulimits pass through as set', () => {
    const a = app({
      healthCheckSwarm: { Test: ['CMD-SHELL', 'wget -q -O- http://localhost:3000/'], Interval: 2e9, Timeout: 1e9, StartPeriod: 5e9, Retries: 3 },
      restartPolicySwarm: { Condition: 'on-failure', Delay: 1e9, MaxAttempts: 5 },
      stopGracePeriodSwarm: 1_000_000_000,
      ulimitsSwarm: [{ Name: 'nofile', Soft: 1024, Hard: 4096 }],
    });
    const c = container(a);
    assert.deepEqual(c.HealthCheck, { Test: ['CMD-SHELL', 'wget -q -O- http://localhost:3000/'], Interval: 2e9, Timeout: 1e9, StartPeriod: 5e9, Retries: 3 });
    assert.equal(c.StopGracePeriod, 1_000_000_000);
    assert.deepEqual(c.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 4096 }]);
    assert.deepEqual(task(a).RestartPolicy, { Condition: 'on-failure', Delay: 1e9, MaxAttempts: 5 });
    // unset: the image's own HEALTHCHECK and Docker's own defaults
    const plain = container(app());
    assert.equal(plain.HealthCheck, undefined);
    assert.equal(plain.StopGracePeriod, undefined);
    assert.equal(plain.Ulimits, undefined);
    assert.equal(task(app()).RestartPolicy, undefined);
  });

  test('httpHealthCheck becomes a wget-or-curl check in seconds; healthCheckSwarm, when set, wins', () => {
    const check = { path: '/health?full=1', port: 8080, interval: 2, timeout: 1, retries: 4, startPeriod: 10 };
    const c = container(app({ httpHealthCheck: check }));
    assert.deepEqual(c.HealthCheck, {
      Test: ['CMD-SHELL', "wget -q -O /dev/null 'http://127.0.0.1:8080/health?full=1' 2>/dev/null || curl -fsS -o /dev/null 'http://127.0.0.1:8080/health?full=1'"],
      Interval: 2e9,
      Timeout: 1e9,
      Retries: 4,
      StartPeriod: 10e9,
    });
    const swarm = { Test: ['CMD', 'true'], Retries: 1 };
    assert.deepEqual(container(app({ httpHealthCheck: check, healthCheckSwarm: swarm })).HealthCheck, swarm);
  });

  test('an httpHealthCheck path that could escape its quotes is refused, naming the field', () => {
    assert.throws(() => container(app({ httpHealthCheck: { path: "/x'; rm -rf /", port: 80 } })), /httpHealthCheck is not a valid Swarm setting: path/);
    assert.throws(() => container(app({ httpHealthCheck: { path: 'health', port: 80 } })), /httpHealthCheck.*path/);
  });

  test('update and rollback configs given by the application win over the defaults, host ports or not', () => {
    const a = app({
      ports: [{ publishedPort: 8080, targetPort: 80, protocol: 'tcp', publishMode: 'host' }],
      updateConfigSwarm: { Parallelism: 2, Delay: 1e9, FailureAction: 'pause', Monitor: 5e9, MaxFailureRatio: 0.5, Order: 'start-first' },
      rollbackConfigSwarm: { Parallelism: 0, Order: 'stop-first', FailureAction: 'continue' },
    });
    const spec = serviceSpec(a, opts());
    assert.deepEqual(spec.UpdateConfig, { Parallelism: 2, Delay: 1e9, FailureAction: 'pause', Monitor: 5e9, MaxFailureRatio: 0.5, Order: 'start-first' });
    assert.deepEqual(spec.RollbackConfig, { Parallelism: 0, Order: 'stop-first', FailureAction: 'continue' });
  });

  test('placement: replicas spread within the app\'s own placement; mounted data pins the service to the node that holds it, on top of the app\'s constraints', () => {
    const volume = [{ type: 'volume' as const, volumeName: 'data', hostPath: null, filePath: null, mountPath: '/data' }];
    const own = { Constraints: ['node.labels.disk==ssd'], Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }], MaxReplicas: 2 };
    const rows: [string, Partial<ServiceSource>, string | undefined, unknown][] = [
      ['no mounts, no placement: Swarm spreads over every node', {}, 'n-berth', undefined],
      ['no mounts: the app\'s placement as it is', { placementSwarm: own }, 'n-berth', own],
      ['mounts: pinned to Berth\'s node by ID', { mounts: volume }, 'n-berth', { Constraints: ['node.id==n-berth'] }],
      ['mounts, node unknown: the manager', { mounts: volume }, undefined, { Constraints: ['node.role==manager'] }],
      ['mounts and the app\'s placement: both', { mounts: volume, placementSwarm: own }, 'n-berth', { ...own, Constraints: ['node.labels.disk==ssd', 'node.id==n-berth'] }],
      ['mounts, the app names a node itself: its choice', { mounts: volume, placementSwarm: { Constraints: ['node.hostname == db-host'] } }, 'n-berth', { Constraints: ['node.hostname == db-host'] }],
      ['mounts, the app already pins Berth\'s node: once', { mounts: volume, placementSwarm: { Constraints: ['node.id==n-berth'] } }, 'n-berth', { Constraints: ['node.id==n-berth'] }],
    ];
    for (const [what, over, dataNode, expected] of rows) assert.deepEqual(task(app(over), opts({ dataNode })).Placement, expected, what);
  });

  test('labels: labelsSwarm label the containers; the service carries Berth labels and the caller labels', () => {
    const a = app({ labelsSwarm: { 'com.example.team': 'web' } });
    const spec = serviceSpec(a, opts({ labels: { 'berth.deploymentId': 'dep_1' } }));
    assert.deepEqual(container(a).Labels, { 'com.example.team': 'web' });
    assert.deepEqual(spec.Labels, { 'berth.appName': 'web-abc123', 'berth.applicationId': 'app_0000000000000001', 'berth.deploymentId': 'dep_1' });
    assert.equal(container(app()).Labels, undefined);
  });

  test('networks: networkSwarm replaces the platform network; detaching leaves none', () => {
    const custom = [{ Target: 'backend', Aliases: ['api'] }];
    assert.deepEqual(task(app({ networkSwarm: custom })).Networks, custom);
    assert.deepEqual(task(app({ detachDokployNetwork: true })).Networks, []);
    assert.deepEqual(task(app(), opts({ network: 'other-net' })).Networks, [{ Target: 'other-net' }]);
  });

  test('init: an init process is PID 1 unless the application turns it off; a release snapshotted before the setting runs as it ran, without', () => {
    assert.equal(container(app()).Init, true);
    assert.equal(container(app({ initProcess: false })).Init, false);
    const { initProcess: _, ...before } = app();
    assert.equal(container(before).Init, false);
  });

  test('command and args: the command is split into argv honouring quotes; args pass as they are', () => {
    const c = container(app({ command: `node server.js --title "Hello world" --motd 'a  b'`, args: ['--port', '3000'] }));
    assert.deepEqual(c.Command, ['node', 'server.js', '--title', 'Hello world', '--motd', 'a  b']);
    assert.deepEqual(c.Args, ['--port', '3000']);
    const none = container(app({ command: '   ', args: [] }));
    assert.equal(none.Command, undefined);
    assert.equal(none.Args, undefined);
  });

  test('a stored Swarm setting that does not match its schema is an error naming the field', () => {
    assert.throws(() => serviceSpec(app({ healthCheckSwarm: { Test: ['CMD', 'true'], Bogus: 1 } }), opts()), /healthCheckSwarm is not a valid Swarm setting/);
    assert.throws(() => serviceSpec(app({ modeSwarm: { Replicated: {}, Global: {} } }), opts()), /modeSwarm is not a valid Swarm setting/);
  });

  test('the spec is a pure function: the same input gives the same spec and the input is not changed', () => {
    const a = app({ endpointSpecSwarm: { Ports: [{ TargetPort: 80, PublishedPort: 80, PublishMode: 'ingress' }] }, args: ['x'] });
    const before = structuredClone(a);
    const first = serviceSpec(a, opts({ endpointMode: 'dnsrr' }));
    assert.deepEqual(serviceSpec(a, opts({ endpointMode: 'dnsrr' })), first);
    assert.deepEqual(a, before);
  });
});

describe('splitCommand', () => {
  test('blanks separate words; runs of blanks, tabs and newlines count once', () => {
    assert.deepEqual(splitCommand('  npm   run\tstart\n'), ['npm', 'run', 'start']);
  });

  test('single quotes are literal, double quotes keep blanks and take \\" and \\\\', () => {
    assert.deepEqual(splitCommand(`echo 'it''s' "say \\"hi\\" \\\\ \\n" ''`), ['echo', 'its', 'say "hi" \\ \\n', '']);
    assert.deepEqual(splitCommand(`sh -c 'echo $HOME && exit 3'`), ['sh', '-c', 'echo $HOME && exit 3']);
  });

  test('a backslash outside quotes escapes the next character; quotes join with adjacent text', () => {
    assert.deepEqual(splitCommand('a\\ b --x="1 2"y'), ['a b', '--x=1 2y']);
  });

  test('nothing is interpreted: variables, globs and operators stay literal words', () => {
    assert.deepEqual(splitCommand('cat *.txt $HOME | wc; rm -rf /'), ['cat', '*.txt', '$HOME', '|', 'wc;', 'rm', '-rf', '/']);
  });

  test('an unterminated quote or a trailing backslash is an error, not a guess', () => {
    assert.throws(() => splitCommand(`echo 'oops`), /unterminated ' quote/);
    assert.throws(() => splitCommand(`echo "oops`), /unterminated " quote/);
    assert.throws(() => splitCommand('echo \\'), /lone backslash/);
  });
});
