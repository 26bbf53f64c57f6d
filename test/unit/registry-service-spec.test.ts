// The cluster's registry service (pure): the Distribution registry on the manager, its
// users and certificate from Swarm secrets, its data in a volume that stays on the manager.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type Docker from 'dockerode';
import { registryNodeOf, registryServiceSpec, registryUrlOf, secretNameOf } from '../../src/docker/registry-service-spec.js';

const containerOf = (spec: Docker.ServiceSpec) => (spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;

describe('registry service spec', () => {
  const htpasswd = { id: 's1', name: 'berth-registry-htpasswd-abc' };
  const spec = registryServiceSpec({ image: 'registry:2', nodeId: 'n1', port: 5000, htpasswd });
  const container = containerOf(spec);

  test('one replica, pinned to the node its data is on, published on the node itself (no routing mesh), replaced stop-first', () => {
    assert.equal(spec.Name, 'berth-registry');
    assert.deepEqual(spec.Mode, { Replicated: { Replicas: 1 } });
    assert.deepEqual(spec.TaskTemplate!.Placement, { Constraints: ['node.id == n1'] });
    assert.deepEqual(spec.EndpointSpec, { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 5000, PublishedPort: 5000, PublishMode: 'host' }] });
    assert.equal(spec.UpdateConfig!.Order, 'stop-first');
    assert.deepEqual(container.Mounts, [{ Type: 'volume', Source: 'berth-registry-data', Target: '/var/lib/registry' }]);
  });

  test('users from the htpasswd secret; plain HTTP without a certificate', () => {
    assert.equal(container.Image, 'registry:2');
    assert.ok(container.Env!.includes('REGISTRY_AUTH=htpasswd'));
    assert.ok(container.Env!.includes('REGISTRY_AUTH_HTPASSWD_PATH=/run/secrets/htpasswd'));
    assert.ok(!container.Env!.some((e) => e.startsWith('REGISTRY_HTTP_TLS')));
    assert.deepEqual(container.Secrets, [{ SecretID: 's1', SecretName: 'berth-registry-htpasswd-abc', File: { Name: 'htpasswd', UID: '0', GID: '0', Mode: 0o400 } }]);
  });

  test('with a certificate: TLS from two more secrets, on another published port', () => {
    const tls = registryServiceSpec({ image: 'registry:2', nodeId: 'n1', port: 5443, htpasswd, tls: { certificate: { id: 'c', name: 'crt' }, key: { id: 'k', name: 'key' } } });
    const env = containerOf(tls).Env!;
    assert.ok(env.includes('REGISTRY_HTTP_TLS_CERTIFICATE=/run/secrets/registry.crt'));
    assert.ok(env.includes('REGISTRY_HTTP_TLS_KEY=/run/secrets/registry.key'));
    assert.deepEqual(containerOf(tls).Secrets!.map((s) => [s.SecretName, s.File!.Name]), [['berth-registry-htpasswd-abc', 'htpasswd'], ['crt', 'registry.crt'], ['key', 'registry.key']]);
    assert.equal(tls.EndpointSpec!.Ports![0].PublishedPort, 5443);
  });

  test('an existing registry stays on the node it was pinned to (its data is there); a new one goes where it is created', () => {
    assert.equal(registryNodeOf(spec, 'n2'), 'n1');
    assert.equal(registryNodeOf(undefined, 'n2'), 'n2');
    // one made before it was pinned to a node id
    assert.equal(registryNodeOf({ TaskTemplate: { Placement: { Constraints: ['node.role == manager'] } } }, 'n2'), 'n2');
  });

  test('a secret is named for its content (secrets cannot change), and the URL is the manager address', () => {
    assert.equal(secretNameOf('htpasswd', 'a'), secretNameOf('htpasswd', 'a'));
    assert.notEqual(secretNameOf('htpasswd', 'a'), secretNameOf('htpasswd', 'b'));
    assert.match(secretNameOf('crt', 'x'), /^berth-registry-crt-[0-9a-f]{12}$/);
    assert.equal(registryUrlOf('10.0.0.1', 5000), '10.0.0.1:5000');
  });
});
