import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertBadField, newApplication, readOnlyToken, type AppRef } from './helpers/app-children.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { nativeBinding } from '../src/store/native-binding.js';

describe('ports, redirects and basic-auth users', () => {
  let b: TestBerth;
  let app: AppRef;

  before(async () => {
    b = await startTestBerth();
    app = await newApplication(b, 'edge');
  });
  after(() => b.close());

  /** Redirects and basic-auth users are created with `true`; users find them on the application. */
  const listed = async (key: 'redirects' | 'security', applicationId = app.applicationId) => {
    const one = await b.call('application.one', { applicationId });
    assert.equal(one.status, 200, one.text);
    return one.body[key] as Record<string, any>[];
  };

  test('ports: create with the API defaults, one, update, delete', async () => {
    const p = await b.call('port.create', { publishedPort: 8080, targetPort: 80, applicationId: app.applicationId });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.publishMode, 'ingress');
    assert.equal(p.body.protocol, 'tcp');
    assert.equal(p.body.applicationId, app.applicationId);

    const one = await b.call('port.one', { portId: p.body.portId });
    assert.equal(one.body.targetPort, 80);
    assert.deepEqual(one.body.application, app);

    const upd = await b.call('port.update', { portId: p.body.portId, publishedPort: 9090, targetPort: 90, publishMode: 'host', protocol: 'udp' });
    assert.equal(upd.status, 200, upd.text);
    assert.deepEqual(
      { publishedPort: upd.body.publishedPort, targetPort: upd.body.targetPort, publishMode: upd.body.publishMode, protocol: upd.body.protocol },
      { publishedPort: 9090, targetPort: 90, publishMode: 'host', protocol: 'udp' },
    );
    const del = await b.call('port.delete', { portId: p.body.portId });
    assert.equal(del.body.portId, p.body.portId);
    assert.equal((await b.call('port.one', { portId: p.body.portId })).status, 404);
  });

  test('ports: numbers and enums are checked, naming the field', async () => {
    const base = { publishedPort: 7000, targetPort: 7000, applicationId: app.applicationId };
    assertBadField(await b.call('port.create', { ...base, publishedPort: 0 }), 'publishedPort');
    assertBadField(await b.call('port.create', { ...base, publishedPort: 65536 }), 'publishedPort');
    assertBadField(await b.call('port.create', { ...base, targetPort: 1.5 }), 'targetPort');
    assertBadField(await b.call('port.create', { ...base, targetPort: '80' }), 'targetPort');
    assertBadField(await b.call('port.create', { ...base, protocol: 'sctp' }), 'protocol');
    assertBadField(await b.call('port.create', { ...base, publishMode: 'global' }), 'publishMode');
    assertBadField(await b.call('port.create', { publishedPort: 7000, targetPort: 7000 }), 'applicationId');
    const p = (await b.call('port.create', { ...base, publishMode: 'host' })).body;
    // an update sends what changes: the rest (a host-mode port stays host-mode) is kept
    const moved = await b.call('port.update', { portId: p.portId, targetPort: 7000 });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual([moved.body.publishedPort, moved.body.targetPort, moved.body.publishMode], [7000, 7000, 'host']);
    assertBadField(await b.call('port.update', { portId: p.portId, publishMode: 'global' }), 'publishMode');
  });

  test('ports: one application publishes a port once per protocol', async () => {
    const base = { publishedPort: 5353, targetPort: 53, applicationId: app.applicationId };
    assert.equal((await b.call('port.create', base)).status, 200);
    assert.equal((await b.call('port.create', { ...base, targetPort: 54 })).status, 409);
    const udp = await b.call('port.create', { ...base, protocol: 'udp' });
    assert.equal(udp.status, 200, udp.text);
    const upd = await b.call('port.update', { portId: udp.body.portId, publishedPort: 5353, targetPort: 53, publishMode: 'ingress', protocol: 'tcp' });
    assert.equal(upd.status, 409);
    const other = await newApplication(b, 'edge-other');
    assert.equal((await b.call('port.create', { ...base, applicationId: other.applicationId })).status, 200);
  });

  test('redirects: create answers true; one, update, delete', async () => {
    const created = await b.call('redirects.create', { regex: '^http://(.*)', replacement: 'https://$1', permanent: true, applicationId: app.applicationId });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body, true);
    const r = (await listed('redirects')).find((x) => x.regex === '^http://(.*)')!;
    assert.ok(r, 'the redirect is listed on the application');

    const one = await b.call('redirects.one', { redirectId: r.redirectId });
    assert.equal(one.body.replacement, 'https://$1');
    assert.equal(one.body.permanent, true);
    assert.equal(typeof one.body.uniqueConfigKey, 'number');

    const upd = await b.call('redirects.update', { redirectId: r.redirectId, regex: '^/old/(.*)', replacement: '/new/$1', permanent: false });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(upd.body.regex, '^/old/(.*)');
    assert.equal(upd.body.permanent, false);

    await b.call('redirects.create', { regex: 'a', replacement: 'b', permanent: false, applicationId: app.applicationId });
    const keys = (await listed('redirects')).map((x) => x.uniqueConfigKey);
    assert.equal(new Set(keys).size, keys.length, 'each redirect has its own config key');

    const del = await b.call('redirects.delete', { redirectId: r.redirectId });
    assert.equal(del.body.redirectId, r.redirectId);
    assert.equal((await b.call('redirects.one', { redirectId: r.redirectId })).status, 404);
  });

  test('redirects: the regex must compile and every field is required', async () => {
    const base = { regex: '^/a', replacement: '/b', permanent: false, applicationId: app.applicationId };
    assertBadField(await b.call('redirects.create', { ...base, regex: '(unclosed' }), 'regex');
    assertBadField(await b.call('redirects.create', { ...base, regex: '' }), 'regex');
    assertBadField(await b.call('redirects.create', { ...base, replacement: '' }), 'replacement');
    assertBadField(await b.call('redirects.create', { regex: '^/a', replacement: '/b', applicationId: app.applicationId }), 'permanent');
    await b.call('redirects.create', base);
    const r = (await listed('redirects')).find((x) => x.regex === '^/a')!;
    assertBadField(await b.call('redirects.update', { redirectId: r.redirectId, regex: '[', replacement: '/b', permanent: false }), 'regex');
    assert.equal((await b.call('redirects.one', { redirectId: r.redirectId })).body.regex, '^/a');
  });

  test('basic auth: create answers true; the password is masked in every answer', async () => {
    const password = 'pw-' + Math.random().toString(36).slice(2);
    const created = await b.call('security.create', { applicationId: app.applicationId, username: 'alice', password });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body, true);
    const s = (await listed('security')).find((x) => x.username === 'alice')!;
    assert.ok(s);
    assert.notEqual(s.password, password);

    const one = await b.call('security.one', { securityId: s.securityId });
    assert.equal(one.body.username, 'alice');
    assert.equal(one.body.password, '********');

    const renamed = await b.call('security.update', { securityId: s.securityId, username: 'alice2', password: one.body.password });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.username, 'alice2');
    assert.equal(renamed.body.password, '********');
    assert.ok(!renamed.text.includes(password));
    // Sending the mask back keeps the stored password; routing (a later step) reads it from the store.
    assert.equal(b.store.security.getSecurity(s.securityId).password, password);
    await b.call('security.update', { securityId: s.securityId, username: 'alice2', password: 'new-secret' });
    assert.equal(b.store.security.getSecurity(s.securityId).password, 'new-secret');

    const del = await b.call('security.delete', { securityId: s.securityId });
    assert.equal(del.body.securityId, s.securityId);
    assert.equal(del.body.password, '********');
    assert.equal((await b.call('security.one', { securityId: s.securityId })).status, 404);
  });

  test('basic auth: usernames are unique per application and fit an htpasswd line', async () => {
    const base = { applicationId: app.applicationId, password: 'x' };
    assert.equal((await b.call('security.create', { ...base, username: 'bob' })).status, 200);
    assert.equal((await b.call('security.create', { ...base, username: 'bob' })).status, 409);
    await b.call('security.create', { ...base, username: 'carol' });
    const carol = (await listed('security')).find((x) => x.username === 'carol')!;
    assert.equal((await b.call('security.update', { securityId: carol.securityId, username: 'bob', password: 'x' })).status, 409);
    const other = await newApplication(b, 'edge-auth');
    assert.equal((await b.call('security.create', { ...base, applicationId: other.applicationId, username: 'bob' })).status, 200);
    assertBadField(await b.call('security.create', { ...base, username: 'a:b' }), 'username');
    assertBadField(await b.call('security.create', { ...base, username: '' }), 'username');
    assertBadField(await b.call('security.create', { ...base, username: 'dave', password: '' }), 'password');
    assertBadField(await b.call('security.update', { securityId: carol.securityId, username: 'carol' }), 'password');
  });

  test('unknown ids answer 404', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['port.create', { publishedPort: 1, targetPort: 1, applicationId: 'nope' }],
      ['port.one', { portId: 'nope' }],
      ['port.update', { portId: 'nope', publishedPort: 1, targetPort: 1 }],
      ['port.delete', { portId: 'nope' }],
      ['redirects.create', { regex: 'a', replacement: 'b', permanent: false, applicationId: 'nope' }],
      ['redirects.one', { redirectId: 'nope' }],
      ['redirects.update', { redirectId: 'nope', regex: 'a', replacement: 'b', permanent: false }],
      ['redirects.delete', { redirectId: 'nope' }],
      ['security.create', { applicationId: 'nope', username: 'u', password: 'p' }],
      ['security.one', { securityId: 'nope' }],
      ['security.update', { securityId: 'nope', username: 'u', password: 'p' }],
      ['security.delete', { securityId: 'nope' }],
    ];
    for (const [proc, input] of calls) assert.equal((await b.call(proc, input)).status, 404, proc);
  });

  test('a read-only token reads but cannot change ports, redirects or users', async () => {
    const ro = readOnlyToken(b);
    const p = (await b.call('port.create', { publishedPort: 6000, targetPort: 6000, applicationId: app.applicationId })).body;
    assert.equal((await b.call('port.one', { portId: p.portId }, { token: ro })).status, 200);
    const calls: [string, Record<string, unknown>][] = [
      ['port.create', { publishedPort: 6001, targetPort: 1, applicationId: app.applicationId }],
      ['port.update', { portId: p.portId, publishedPort: 6002, targetPort: 1 }],
      ['port.delete', { portId: p.portId }],
      ['redirects.create', { regex: 'ro', replacement: 'b', permanent: false, applicationId: app.applicationId }],
      ['redirects.update', { redirectId: 'any', regex: 'a', replacement: 'b', permanent: false }],
      ['redirects.delete', { redirectId: 'any' }],
      ['security.create', { applicationId: app.applicationId, username: 'ro', password: 'p' }],
      ['security.update', { securityId: 'any', username: 'u', password: 'p' }],
      ['security.delete', { securityId: 'any' }],
    ];
    for (const [proc, input] of calls) assert.equal((await b.call(proc, input, { token: ro })).status, 403, proc);
    assert.equal((await b.call('port.one', { portId: p.portId })).body.publishedPort, 6000);
    assert.ok(!(await listed('redirects')).some((x) => x.regex === 'ro'));
    assert.ok(!(await listed('security')).some((x) => x.username === 'ro'));
  });

  test('basic-auth passwords are not stored in plaintext', async () => {
    const password = 'plaintext-canary-' + Math.random().toString(36).slice(2);
    await b.call('security.create', { applicationId: app.applicationId, username: 'canary', password });
    const s = (await listed('security')).find((x) => x.username === 'canary')!;
    await b.call('security.update', { securityId: s.securityId, username: 'canary', password: password + '-2' });
    const db = new Database(path.join(b.dataDir, 'berth.db'), { nativeBinding, readonly: true });
    try {
      const tables = db.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[];
      let scanned = 0;
      for (const { name } of tables) {
        const cols = db.prepare(`select name from pragma_table_info(?) where upper(type) = 'TEXT'`).all(name) as { name: string }[];
        for (const col of cols) {
          const hit = db.prepare(`select count(*) as n from "${name}" where instr("${col.name}", ?) > 0`).get(password) as { n: number };
          assert.equal(hit.n, 0, `${name}.${col.name} holds the password in plaintext`);
          scanned++;
        }
      }
      assert.ok(scanned > 10, 'the scan covered the text columns');
      assert.equal((db.prepare('select count(*) as n from security where username = ?').get('canary') as { n: number }).n, 1);
    } finally {
      db.close();
    }
    for (const file of ['berth.db', 'berth.db-wal']) {
      const full = path.join(b.dataDir, file);
      if (fs.existsSync(full)) assert.ok(!fs.readFileSync(full).includes(password), `${file} holds the password in plaintext`);
    }
  });

  test('deleting the application removes its domains, ports, mounts, redirects and users', async () => {
    const doomed = await newApplication(b, 'doomed');
    const id = doomed.applicationId;
    const domain = (await b.call('domain.create', { host: 'doomed.example.com', applicationId: id })).body;
    const port = (await b.call('port.create', { publishedPort: 4000, targetPort: 4000, applicationId: id })).body;
    const mount = (await b.call('mounts.create', { type: 'volume', volumeName: 'doomed', mountPath: '/d', serviceId: id })).body;
    await b.call('redirects.create', { regex: '^/x', replacement: '/y', permanent: false, applicationId: id });
    await b.call('security.create', { applicationId: id, username: 'u', password: 'p' });
    const redirect = (await listed('redirects', id))[0];
    const user = (await listed('security', id))[0];

    const deleted = await b.call('application.delete', { applicationId: id });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal((await b.call('domain.one', { domainId: domain.domainId })).status, 404);
    assert.equal((await b.call('port.one', { portId: port.portId })).status, 404);
    assert.equal((await b.call('mounts.one', { mountId: mount.mountId })).status, 404);
    assert.equal((await b.call('redirects.one', { redirectId: redirect.redirectId })).status, 404);
    assert.equal((await b.call('security.one', { securityId: user.securityId })).status, 404);
    // The host is free again.
    assert.equal((await b.call('domain.create', { host: 'doomed.example.com', applicationId: app.applicationId })).status, 200);
  });
});
