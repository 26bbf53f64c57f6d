import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertBadField, newApplication, readOnlyToken, type AppRef } from '../helpers/app-children.js';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';

describe('domains', () => {
  let b: TestBerth;
  let app: AppRef;
  let hosts = 0;
  const uniqueHost = () => `site-${++hosts}.example.com`;
  const create = (input: Record<string, unknown>) => b.call('domain.create', { applicationId: app.applicationId, ...input });

  before(async () => {
    b = await startTestBerth();
    app = await newApplication(b, 'web');
  });
  after(() => b.close());

  test('a new domain gets the contract defaults and a fresh uniqueConfigKey', async () => {
    const first = await create({ host: uniqueHost() });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.applicationId, app.applicationId);
    assert.equal(first.body.port, 3000);
    assert.equal(first.body.path, '/');
    assert.equal(first.body.internalPath, '/');
    assert.equal(first.body.https, false);
    assert.equal(first.body.stripPath, false);
    assert.equal(first.body.certificateType, 'none');
    assert.equal(first.body.customCertResolver, null);
    assert.deepEqual(first.body.middlewares, []);
    assert.equal(first.body.enabled, true);
    assert.equal(first.body.domainType, 'application');
    assert.equal(first.body.composeId, null);
    const second = await create({ host: uniqueHost(), port: null, path: null });
    assert.equal(second.body.uniqueConfigKey, first.body.uniqueConfigKey + 1);
    assert.equal(second.body.port, null, 'an explicit null is kept');
    assert.equal(second.body.path, null);
  });

  test('hosts are trimmed, lower-cased and IDN-encoded', async () => {
    const r = await create({ host: '  Shop.EXAMPLE.com ' });
    assert.equal(r.body.host, 'shop.example.com');
    const idn = await create({ host: 'Bücher.example' });
    assert.equal(idn.body.host, 'xn--bcher-kva.example');
  });

  test('full lifecycle: list, one, update, toggle, delete', async () => {
    const host = uniqueHost();
    const d = (await create({ host, https: true, certificateType: 'letsencrypt', middlewares: ['auth@file'] })).body;
    const list = await b.call('domain.byApplicationId', { applicationId: app.applicationId });
    assert.equal(list.status, 200);
    const listed = list.body.find((x: { domainId: string }) => x.domainId === d.domainId);
    assert.deepEqual(listed.application, app);
    assert.deepEqual(listed.middlewares, ['auth@file']);

    const one = await b.call('domain.one', { domainId: d.domainId });
    assert.equal(one.body.host, host);
    assert.deepEqual(one.body.application, app);

    const upd = await b.call('domain.update', { domainId: d.domainId, host: 'New.' + host, port: 8080, path: '/api', stripPath: true, enabled: false });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(upd.body.host, 'new.' + host);
    assert.equal(upd.body.port, 8080);
    assert.equal(upd.body.path, '/api');
    assert.equal(upd.body.stripPath, true);
    assert.equal(upd.body.enabled, false);
    assert.equal(upd.body.certificateType, 'letsencrypt', 'fields not sent are kept');

    const on = await b.call('domain.toggleEnable', { domainId: d.domainId });
    assert.equal(on.status, 200, on.text);
    assert.equal(on.body.enabled, true);
    assert.equal(on.body.requiresRedeploy, false);
    const off = await b.call('domain.toggleEnable', { domainId: d.domainId });
    assert.equal(off.body.enabled, false);

    const del = await b.call('domain.delete', { domainId: d.domainId });
    assert.equal(del.status, 200);
    assert.equal(del.body.domainId, d.domainId);
    assert.equal((await b.call('domain.one', { domainId: d.domainId })).status, 404);
    const after = (await b.call('domain.byApplicationId', { applicationId: app.applicationId })).body;
    assert.ok(!after.some((x: { domainId: string }) => x.domainId === d.domainId));
  });

  test('a host that is not a host name is refused, naming host', async () => {
    for (const host of ['https://example.com', 'example.com/path', 'example.com:8080', '*.example.com', 'exa mple.com', '-bad.example.com', 'a..b', '', '   ']) {
      assertBadField(await create({ host }), 'host');
    }
  });

  test('ports, paths and names out of range are refused, naming the field', async () => {
    assertBadField(await create({ host: uniqueHost(), port: 0 }), 'port');
    assertBadField(await create({ host: uniqueHost(), port: 65536 }), 'port');
    assertBadField(await create({ host: uniqueHost(), port: 80.5 }), 'port');
    assertBadField(await create({ host: uniqueHost(), path: 'api' }), 'path');
    assertBadField(await create({ host: uniqueHost(), path: '/a`) || Host(`evil' }), 'path');
    assertBadField(await create({ host: uniqueHost(), internalPath: 'v1' }), 'internalPath');
    assertBadField(await create({ host: uniqueHost(), middlewares: ['bad name'] }), 'middlewares');
    assertBadField(await create({ host: uniqueHost(), certificateType: 'selfsigned' }), 'certificateType');
  });

  test('forward auth (Dokploy\'s enterprise SSO) is refused rather than silently not applied', async () => {
    assertBadField(await create({ host: uniqueHost(), forwardAuthEnabled: true }), 'forwardAuthEnabled');
    assert.equal((await create({ host: uniqueHost(), forwardAuthEnabled: false })).status, 200);
  });

  test('https needs a certificate type, and a custom one needs its resolver', async () => {
    assertBadField(await create({ host: uniqueHost(), https: true }), 'certificateType');
    assertBadField(await create({ host: uniqueHost(), https: true, certificateType: 'custom' }), 'customCertResolver');
    const ok = await create({ host: uniqueHost(), https: true, certificateType: 'custom', customCertResolver: 'myresolver' });
    assert.equal(ok.status, 200, ok.text);
    const id = ok.body.domainId;
    const host = ok.body.host;
    // The rules apply to the domain as it will be stored, not only to what an update sends.
    assertBadField(await b.call('domain.update', { domainId: id, host, customCertResolver: null }), 'customCertResolver');
    assertBadField(await b.call('domain.update', { domainId: id, host, https: true }), 'certificateType');
    const kept = await b.call('domain.update', { domainId: id, host, port: 4000 });
    assert.equal(kept.status, 200, kept.text);
    assert.equal(kept.body.customCertResolver, 'myresolver');
  });

  test('every domain belongs to one application', async () => {
    assertBadField(await b.call('domain.create', { host: uniqueHost() }), 'applicationId');
    assertBadField(await b.call('domain.create', { host: uniqueHost(), applicationId: null }), 'applicationId');
    assertBadField(await create({ host: uniqueHost(), composeId: 'c1' }), 'composeId');
    assertBadField(await create({ host: uniqueHost(), previewDeploymentId: 'p1' }), 'previewDeploymentId');
    assertBadField(await create({ host: uniqueHost(), domainType: 'compose' }), 'domainType');
    const nulls = await create({ host: uniqueHost(), composeId: null, previewDeploymentId: null, domainType: 'application' });
    assert.equal(nulls.status, 200, nulls.text);
  });

  test('unknown ids answer 404', async () => {
    assert.equal((await b.call('domain.create', { host: uniqueHost(), applicationId: 'nope' })).status, 404);
    assert.equal((await b.call('domain.byApplicationId', { applicationId: 'nope' })).status, 404);
    assert.equal((await b.call('domain.one', { domainId: 'nope' })).status, 404);
    assert.equal((await b.call('domain.update', { domainId: 'nope', host: uniqueHost() })).status, 404);
    assert.equal((await b.call('domain.toggleEnable', { domainId: 'nope' })).status, 404);
    assert.equal((await b.call('domain.delete', { domainId: 'nope' })).status, 404);
  });

  test('a host and path are routed to one application only', async () => {
    const other = await newApplication(b, 'other');
    const host = uniqueHost();
    const taken = (await create({ host })).body;
    const clash = await b.call('domain.create', { host: host.toUpperCase(), applicationId: other.applicationId });
    assert.equal(clash.status, 409, clash.text);
    assert.ok(clash.body.message.includes(app.appName), clash.body.message);
    // path null routes like "/"
    assert.equal((await create({ host, path: null })).status, 409);
    const api = await b.call('domain.create', { host, path: '/api', applicationId: other.applicationId });
    assert.equal(api.status, 200, api.text);
    assert.equal((await b.call('domain.update', { domainId: api.body.domainId, host, path: '/' })).status, 409);
    // A disabled domain has no router: its route is free until it is enabled again.
    await b.call('domain.toggleEnable', { domainId: taken.domainId });
    const moved = await b.call('domain.update', { domainId: api.body.domainId, host, path: '/' });
    assert.equal(moved.status, 200, moved.text);
    assert.equal((await b.call('domain.toggleEnable', { domainId: taken.domainId })).status, 409);
  });

  test('a read-only token reads domains but cannot change them', async () => {
    const ro = readOnlyToken(b);
    const d = (await create({ host: uniqueHost() })).body;
    assert.equal((await b.call('domain.one', { domainId: d.domainId }, { token: ro })).status, 200);
    assert.equal((await b.call('domain.byApplicationId', { applicationId: app.applicationId }, { token: ro })).status, 200);
    for (const [proc, input] of [
      ['domain.create', { host: uniqueHost(), applicationId: app.applicationId }],
      ['domain.update', { domainId: d.domainId, host: d.host, port: 1 }],
      ['domain.toggleEnable', { domainId: d.domainId }],
      ['domain.delete', { domainId: d.domainId }],
    ] as const) {
      assert.equal((await b.call(proc, input, { token: ro })).status, 403, proc);
    }
    const still = (await b.call('domain.one', { domainId: d.domainId })).body;
    assert.equal(still.port, 3000);
    assert.equal(still.enabled, true);
  });
});

describe('generated domains and DNS checks', () => {
  let b: TestBerth;
  let app: AppRef;

  before(async () => {
    b = await startTestBerth();
    app = await newApplication(b, 'gen');
  });
  after(() => b.close());

  test('generateDomain gives <appName>-<6 hex>.traefik.me, a host domain.create accepts, different each time', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await b.call('domain.generateDomain', { appName: app.appName });
      assert.equal(r.status, 200, r.text);
      assert.match(r.body, new RegExp(`^${app.appName}-[0-9a-f]{6}\\.traefik\\.me$`));
      seen.add(r.body);
    }
    assert.equal(seen.size, 5);
    const [host] = seen;
    const created = await b.call('domain.create', { applicationId: app.applicationId, host });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.host, host);
  });

  test('the wildcard and the server IP are server settings; canGenerateTraefikMeDomains answers that IP', async () => {
    const other = await startTestBerth({ BERTH_DOMAIN_WILDCARD: 'sslip.io', BERTH_SERVER_IP: '203.0.113.7' });
    try {
      const r = await other.call('domain.generateDomain', { appName: 'My_Shop' });
      assert.match(r.body, /^my-shop-[0-9a-f]{6}-203-0-113-7\.sslip\.io$/);
      // tRPC is how Dokploy's clients send the main server's empty id (REST drops empty query values)
      const ip = await fetch(`${other.url}/api/trpc/domain.canGenerateTraefikMeDomains?input=${encodeURIComponent(JSON.stringify({ json: { serverId: '' } }))}`, {
        headers: { 'x-api-key': other.token },
      });
      assert.equal((await ip.json()).result.data.json, '203.0.113.7');
    } finally {
      await other.close();
    }
    assert.equal((await b.call('domain.canGenerateTraefikMeDomains', { serverId: '' }, { method: 'POST' })).status, 404, 'a query');
  });

  test('Berth has one server: a serverId naming another is refused, naming serverId', async () => {
    assertBadField(await b.call('domain.generateDomain', { appName: app.appName, serverId: 'srv_1' }), 'serverId');
    assertBadField(await b.call('domain.canGenerateTraefikMeDomains', { serverId: 'srv_1' }), 'serverId');
    assertBadField(await b.call('domain.canGenerateTraefikMeDomains', {}), 'serverId');
  });

  test('validateDomain answers a name that does not resolve with isValid false and the reason, not an error', async () => {
    const r = await b.call('domain.validateDomain', { domain: 'berth-test-nothing.invalid' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.isValid, false);
    assert.match(r.body.error, /berth-test-nothing\.invalid (does not exist|has no A record|could not be resolved)/);
    const pasted = await b.call('domain.validateDomain', { domain: 'https://not a host/path' });
    assert.equal(pasted.status, 200, pasted.text);
    assert.equal(pasted.body.isValid, false);
    assert.match(pasted.body.error, /not a valid host name/);
  });

  test('validateDomain refuses a serverIp that is not an IP address, naming serverIp', async () => {
    assertBadField(await b.call('domain.validateDomain', { domain: 'example.com', serverIp: 'my-server' }), 'serverIp');
    assertBadField(await b.call('domain.validateDomain', {}), 'domain');
  });
});
