import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { edgeServiceSpec, SPEC_DIGEST_LABEL, traefikArgs, type EdgeSettings } from '../../src/routing/edge-spec.js';

const settings = (over: Partial<EdgeSettings> = {}): EdgeSettings => ({
  serviceName: 'berth-traefik',
  image: 'traefik:v3.6',
  network: 'berth-network',
  endpointMode: 'dnsrr',
  httpPort: 80,
  httpsPort: 443,
  acmeEmail: 'ops@example.com',
  acmeCaServer: 'https://acme-staging-v02.api.letsencrypt.org/directory',
  dynamicDir: '/var/lib/berth/traefik/dynamic',
  acmeDir: '/var/lib/berth/traefik/acme',
  ...over,
});

describe('the edge (Traefik) service', () => {
  test('static configuration: web and websecure, the file provider on the dynamic folder, the swarm provider, the letsencrypt resolver', () => {
    assert.deepEqual(traefikArgs(settings()), [
      '--entrypoints.web.address=:80',
      '--entrypoints.websecure.address=:443',
      '--providers.file.directory=/etc/traefik/dynamic',
      '--providers.file.watch=true',
      '--providers.swarm.endpoint=unix:///var/run/docker.sock',
      '--providers.swarm.exposedbydefault=false',
      '--providers.swarm.network=berth-network',
      '--certificatesresolvers.letsencrypt.acme.email=ops@example.com',
      '--certificatesresolvers.letsencrypt.acme.caserver=https://acme-staging-v02.api.letsencrypt.org/directory',
      '--certificatesresolvers.letsencrypt.acme.storage=/etc/traefik/acme/acme.json',
      '--certificatesresolvers.letsencrypt.acme.httpchallenge.entrypoint=web',
      '--ping=true',
      '--log.level=INFO',
    ]);
  });

  test('without an ACME email none is sent (LetsEncrypt accepts an account without one)', () => {
    assert.ok(!traefikArgs(settings({ acmeEmail: '' })).some((a) => a.includes('acme.email')));
  });

  test('the service runs one Traefik on a manager, on the platform network, with the folders bound and ports published on the host', () => {
    const spec = edgeServiceSpec(settings({ httpPort: 8080, httpsPort: 8443 }));
    const task = spec.TaskTemplate as Record<string, any>;
    assert.equal(spec.Name, 'berth-traefik');
    assert.equal(task.ContainerSpec.Image, 'traefik:v3.6');
    assert.deepEqual(task.ContainerSpec.Args, traefikArgs(settings()));
    assert.deepEqual(task.ContainerSpec.Mounts, [
      { Type: 'bind', Source: '/var/lib/berth/traefik/dynamic', Target: '/etc/traefik/dynamic', ReadOnly: true },
      { Type: 'bind', Source: '/var/lib/berth/traefik/acme', Target: '/etc/traefik/acme' },
      { Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock', ReadOnly: true },
    ]);
    assert.deepEqual(task.Placement, { Constraints: ['node.role == manager'] });
    assert.deepEqual(task.Networks, [{ Target: 'berth-network' }]);
    assert.deepEqual(spec.Mode, { Replicated: { Replicas: 1 } });
    assert.equal(spec.UpdateConfig?.Order, 'stop-first', 'a host port cannot be held by the old and the new task at once');
    assert.deepEqual(spec.EndpointSpec, {
      Mode: 'dnsrr',
      Ports: [
        { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' },
        { Protocol: 'tcp', TargetPort: 443, PublishedPort: 8443, PublishMode: 'host' },
      ],
    });
  });

  test('the spec carries a digest that changes exactly when the spec does (an unchanged edge is not restarted)', () => {
    const digest = (s: EdgeSettings) => edgeServiceSpec(s).Labels?.[SPEC_DIGEST_LABEL];
    assert.match(digest(settings()) ?? '', /^[0-9a-f]{16}$/);
    assert.equal(digest(settings()), digest(settings()));
    assert.notEqual(digest(settings({ image: 'traefik:v3.7' })), digest(settings()));
    assert.notEqual(digest(settings({ acmeEmail: 'other@example.com' })), digest(settings()));
  });
});
