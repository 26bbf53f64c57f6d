import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { edgeServiceSpec, SPEC_DIGEST_LABEL, traefikArgs, type EdgeSettings } from '../../src/routing/edge-spec.js';

const NODE = 'k3q9x0n5y2m7';

const settings = (over: Partial<EdgeSettings> = {}): EdgeSettings => ({
  serviceName: 'berth-traefik',
  image: 'traefik:v3.6',
  network: 'berth-network',
  endpointMode: 'dnsrr',
  httpPort: 80,
  httpsPort: 443,
  http3: false,
  extraEntrypoints: [],
  acmeEmail: 'ops@example.com',
  acmeCaServer: 'https://acme-staging-v02.api.letsencrypt.org/directory',
  dynamicDir: '/var/lib/berth/traefik/dynamic',
  acmeDir: '/var/lib/berth/traefik/acme',
  ...over,
});

describe('the edge (Traefik) service', () => {
  test('static configuration: web and websecure (TLS by default), the file provider on the dynamic folder, the swarm provider, the letsencrypt resolver', () => {
    assert.deepEqual(traefikArgs(settings()), [
      '--entrypoints.web.address=:80',
      '--entrypoints.websecure.address=:443',
      '--entrypoints.websecure.http.tls=true',
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

  test('every router on websecure gets TLS even when its own file says nothing of it', () => {
    assert.ok(traefikArgs(settings()).includes('--entrypoints.websecure.http.tls=true'));
  });

  test('HTTP/3 is off by default; BERTH_HTTP3=on turns it on websecure, advertised on the published HTTPS port, with that port published over UDP too', () => {
    assert.equal(loadConfig({}).edge.http3, false);
    assert.equal(loadConfig({ BERTH_HTTP3: 'on' }).edge.http3, true);
    assert.ok(!traefikArgs(settings()).some((a) => a.includes('http3')));
    const on = settings({ http3: true, httpsPort: 8443 });
    const args = traefikArgs(on);
    assert.ok(args.includes('--entrypoints.websecure.http3=true'));
    assert.ok(args.includes('--entrypoints.websecure.http3.advertisedport=8443'));
    assert.deepEqual(edgeServiceSpec(on, NODE).EndpointSpec?.Ports?.filter((p) => p.Protocol === 'udp'), [{ Protocol: 'udp', TargetPort: 443, PublishedPort: 8443, PublishMode: 'host' }]);
    assert.ok(!edgeServiceSpec(settings(), NODE).EndpointSpec?.Ports?.some((p) => p.Protocol === 'udp'));
  });

  test('extra entry points (BERTH_EXTRA_ENTRYPOINTS) listen on their port inside Traefik and are published on the same host port', () => {
    const extra = loadConfig({ BERTH_EXTRA_ENTRYPOINTS: 'internal:8081, metrics_in:9100' }).edge.extraEntrypoints;
    assert.deepEqual(extra, [{ name: 'internal', port: 8081 }, { name: 'metrics_in', port: 9100 }]);
    const s = settings({ extraEntrypoints: extra });
    const args = traefikArgs(s);
    assert.ok(args.includes('--entrypoints.internal.address=:8081'));
    assert.ok(args.includes('--entrypoints.metrics_in.address=:9100'));
    assert.deepEqual(edgeServiceSpec(s, NODE).EndpointSpec?.Ports?.slice(2), [
      { Protocol: 'tcp', TargetPort: 8081, PublishedPort: 8081, PublishMode: 'host' },
      { Protocol: 'tcp', TargetPort: 9100, PublishedPort: 9100, PublishMode: 'host' },
    ]);
  });

  test('BERTH_EXTRA_ENTRYPOINTS refuses what would clash or not be a Traefik flag: a bad item, web or websecure, a name or port twice, a port already used', () => {
    assert.deepEqual(loadConfig({ BERTH_EXTRA_ENTRYPOINTS: '' }).edge.extraEntrypoints, []);
    for (const [value, error] of [
      ['internal', /name:port/],
      ['in.ternal:8081', /name:port/],
      ['internal:70000', /name:port/],
      ['web:8081', /web is already defined/],
      ['a:8081,a:8082', /a is already defined/],
      ['a:8081,b:8081', /port 8081 of b is already used/],
      ['a:443', /port 443 of a is already used/],
    ] as const)
      assert.throws(() => loadConfig({ BERTH_EXTRA_ENTRYPOINTS: value }), error, value);
    assert.throws(() => loadConfig({ BERTH_EXTRA_ENTRYPOINTS: 'a:8443', BERTH_HTTPS_PORT: '8443' }), /port 8443 of a is already used/);
  });

  test('the default image is an exact Traefik release, not a floating tag', () => {
    assert.match(loadConfig({}).edge.image, /^traefik:v3\.\d+\.\d+$/);
  });

  test('the service runs one Traefik on this engine\'s node, on the platform network, with the folders bound and ports published on the host', () => {
    const spec = edgeServiceSpec(settings({ httpPort: 8080, httpsPort: 8443 }), NODE);
    const task = spec.TaskTemplate as Record<string, any>;
    assert.equal(spec.Name, 'berth-traefik');
    assert.equal(task.ContainerSpec.Image, 'traefik:v3.6');
    assert.deepEqual(task.ContainerSpec.Args, traefikArgs(settings({ httpPort: 8080, httpsPort: 8443 })));
    assert.deepEqual(task.ContainerSpec.Mounts, [
      { Type: 'bind', Source: '/var/lib/berth/traefik/dynamic', Target: '/etc/traefik/dynamic', ReadOnly: true },
      { Type: 'bind', Source: '/var/lib/berth/traefik/acme', Target: '/etc/traefik/acme' },
      { Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock', ReadOnly: true },
    ]);
    assert.deepEqual(task.Placement, { Constraints: [`node.id == ${NODE}`] }, 'the node whose folders it binds, not any manager');
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
    const digest = (s: EdgeSettings, node = NODE) => edgeServiceSpec(s, node).Labels?.[SPEC_DIGEST_LABEL];
    assert.match(digest(settings()) ?? '', /^[0-9a-f]{16}$/);
    assert.equal(digest(settings()), digest(settings()));
    assert.notEqual(digest(settings({ image: 'traefik:v3.7' })), digest(settings()));
    assert.notEqual(digest(settings({ acmeEmail: 'other@example.com' })), digest(settings()));
    assert.notEqual(digest(settings({ http3: true })), digest(settings()));
    assert.notEqual(digest(settings(), 'another-node'), digest(settings()));
  });
});
