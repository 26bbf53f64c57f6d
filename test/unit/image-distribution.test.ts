// How images reach every node (pure): where a build is pushed, which credentials the
// nodes get with a service, the cluster registry settings.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { isIn, needsNodeCount, pullAuthFor, pushPlan, type ClusterRegistry, type PushRegistry } from '../../src/deploy/image-distribution.js';
import { registryImageOf } from '../../src/deploy/push.js';

const own: PushRegistry = { registryUrl: 'ghcr.io', imagePrefix: 'acme', username: 'u', password: 'own-pass' };
const cluster = (push: ClusterRegistry['push']): ClusterRegistry => ({ registryUrl: '10.0.0.1:5000', imagePrefix: 'berth', username: 'berth', password: 'cluster-pass', push });

describe('push plan', () => {
  const cases: { name: string; input: Parameters<typeof pushPlan>[0]; to: PushRegistry | undefined; line: RegExp | undefined }[] = [
    { name: 'the application registry wins, on one node too', input: { appRegistry: own, cluster: cluster('always'), nodes: 1 }, to: own, line: /application's registry ghcr\.io/ },
    { name: 'the application registry on many nodes', input: { appRegistry: own, nodes: 3 }, to: own, line: /application's registry/ },
    { name: 'multi-node: one node runs its own build, no push', input: { cluster: cluster('multi-node'), nodes: 1 }, to: undefined, line: undefined },
    { name: 'multi-node: a second node makes Berth push', input: { cluster: cluster('multi-node'), nodes: 2 }, to: cluster('multi-node'), line: /cluster's registry 10\.0\.0\.1:5000: the swarm has 2 nodes/ },
    { name: 'always: pushed on one node', input: { cluster: cluster('always'), nodes: 1 }, to: cluster('always'), line: /cluster's registry/ },
    { name: 'no registry, one node: nothing to say', input: { nodes: 1 }, to: undefined, line: undefined },
    { name: 'no registry, many nodes: a warning, no push', input: { nodes: 3 }, to: undefined, line: /^Warning: the swarm has 3 nodes .*BERTH_REGISTRY_URL/ },
  ];
  for (const c of cases)
    test(c.name, () => {
      const plan = pushPlan(c.input);
      assert.deepEqual(plan.registry, c.to);
      if (c.line) assert.match(plan.line ?? '', c.line);
      else assert.equal(plan.line, undefined);
    });

  test('the node count is asked for only when it can change the plan', () => {
    assert.equal(needsNodeCount({ appRegistry: own, cluster: cluster('multi-node') }), false);
    assert.equal(needsNodeCount({ cluster: cluster('always') }), false);
    assert.equal(needsNodeCount({ cluster: cluster('multi-node') }), true);
    assert.equal(needsNodeCount({}), true);
  });

  test('a cluster push is named like any registry push: <registry>/<prefix>/<app>:<deployment>', () => {
    assert.equal(registryImageOf(cluster('always'), 'shop-web', 'd1'), '10.0.0.1:5000/berth/shop-web:d1');
  });
});

describe('pull credentials for the nodes (X-Registry-Auth)', () => {
  const registries = [own, cluster('multi-node')];
  const auth = (p: PushRegistry) => ({ username: p.username, password: p.password });
  const cases: { name: string; image: string; source?: { username: string | null; password: string | null; registryUrl: string | null }; want: object | undefined }[] = [
    { name: 'a push to the cluster registry, by digest', image: `10.0.0.1:5000/berth/app@sha256:${'a'.repeat(64)}`, want: { ...auth(cluster('always')), serveraddress: '10.0.0.1:5000' } },
    { name: 'a push to the application registry, by tag', image: 'ghcr.io/acme/app:d1', want: { ...auth(own), serveraddress: 'ghcr.io' } },
    { name: 'an image ID is never pulled', image: `sha256:${'b'.repeat(64)}`, want: undefined },
    { name: 'a bare local name is never pulled with credentials', image: 'app:d1', want: undefined },
    { name: 'an image in no known registry', image: 'quay.io/x/y:1', want: undefined },
    {
      name: "the docker source's own credentials come first",
      image: 'ghcr.io/acme/app:1',
      source: { username: 'src', password: 'src-pass', registryUrl: 'ghcr.io' },
      want: { username: 'src', password: 'src-pass', serveraddress: 'ghcr.io' },
    },
    {
      name: "docker source credentials for another registry do not apply; the known registry's do",
      image: 'ghcr.io/acme/app:1',
      source: { username: 'src', password: 'src-pass', registryUrl: 'quay.io' },
      want: { ...auth(own), serveraddress: 'ghcr.io' },
    },
    { name: 'Docker Hub with the source credentials', image: `busybox@sha256:${'c'.repeat(64)}`, source: { username: 'hub', password: 'hub-pass', registryUrl: null }, want: { username: 'hub', password: 'hub-pass', serveraddress: 'docker.io' } },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(pullAuthFor(c.image, { source: c.source, registries }), c.want));

  test('isIn compares the registry part only, the way Docker reads references', () => {
    assert.equal(isIn('10.0.0.1:5000/berth/app:1', { registryUrl: '10.0.0.1:5000' }), true);
    assert.equal(isIn('10.0.0.1:5000/berth/app:1', { registryUrl: '10.0.0.1:5001' }), false);
    assert.equal(isIn('10.0.0.1:50000/berth/app:1', { registryUrl: '10.0.0.1:5000' }), false);
    assert.equal(isIn('nginx:1', { registryUrl: '' }), true);
    assert.equal(isIn('not a reference', { registryUrl: '' }), false);
  });
});

describe('cluster registry settings', () => {
  const base = { BERTH_REGISTRY_URL: '10.0.0.1:5000', BERTH_REGISTRY_USERNAME: 'berth', BERTH_REGISTRY_PASSWORD: 'pw' };
  test('unset: no cluster registry', () => assert.equal(loadConfig({}).registry, undefined));
  test('set: pushes on more than one node by default, under the prefix "berth"', () =>
    assert.deepEqual(loadConfig(base).registry, { registryUrl: '10.0.0.1:5000', username: 'berth', password: 'pw', imagePrefix: 'berth', push: 'multi-node' }));
  test('BERTH_REGISTRY_PUSH=always and a prefix', () => assert.deepEqual(loadConfig({ ...base, BERTH_REGISTRY_PUSH: 'always', BERTH_REGISTRY_PREFIX: 'ops' }).registry?.push, 'always'));
  const bad: [string, Record<string, string>, RegExp][] = [
    ['a scheme', { ...base, BERTH_REGISTRY_URL: 'https://r.example' }, /host\[:port\]/],
    ['a path', { ...base, BERTH_REGISTRY_URL: 'r.example/x' }, /host\[:port\]/],
    ['no password', { ...base, BERTH_REGISTRY_PASSWORD: '' }, /needs BERTH_REGISTRY_USERNAME and BERTH_REGISTRY_PASSWORD/],
    ['an unknown push mode', { ...base, BERTH_REGISTRY_PUSH: 'never' }, /BERTH_REGISTRY_PUSH must be "multi-node" or "always"/],
    ['a prefix with a slash', { ...base, BERTH_REGISTRY_PREFIX: 'a/b' }, /BERTH_REGISTRY_PREFIX/],
  ];
  for (const [name, env, message] of bad) test(`refused at start: ${name}`, () => assert.throws(() => loadConfig(env), message));
});
