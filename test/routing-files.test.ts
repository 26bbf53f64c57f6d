import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { assertBadField, newApplication, type AppRef } from './helpers/app-children.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';

describe('Traefik files over HTTP', () => {
  let b: TestBerth;
  let hosts = 0;
  const uniqueHost = () => `r${++hosts}-${Date.now().toString(36)}.example.com`;
  const fileOf = (app: AppRef) => path.join(b.dataDir, 'traefik', 'dynamic', `${app.appName}.yml`);
  const onDisk = (app: AppRef) => (fs.existsSync(fileOf(app)) ? fs.readFileSync(fileOf(app), 'utf8') : null);
  const configOf = (app: AppRef) => parse(onDisk(app) ?? 'null');
  const ok = async (proc: string, input: Record<string, unknown>) => {
    const r = await b.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };
  const addDomain = (app: AppRef, input: Record<string, unknown> = {}) => ok('domain.create', { applicationId: app.applicationId, host: uniqueHost(), ...input });

  before(async () => {
    b = await startTestBerth();
  });
  after(() => b.close());

  test('an application without domains has no file, and readTraefikConfig answers null', async () => {
    const app = await newApplication(b);
    assert.equal(onDisk(app), null);
    assert.equal((await b.call('application.readTraefikConfig', { applicationId: app.applicationId })).body, null);
  });

  test('creating a domain writes the application\'s file at once, and readTraefikConfig returns exactly that file', async () => {
    const app = await newApplication(b);
    const d = await addDomain(app, { port: 8080 });
    const config = configOf(app);
    assert.equal(config.http.routers[`${app.appName}-router-${d.uniqueConfigKey}`].rule, `Host(\`${d.host}\`)`);
    assert.deepEqual(config.http.services[`${app.appName}-service-${d.uniqueConfigKey}`].loadBalancer.servers, [{ url: `http://${app.appName}:8080` }]);
    const read = await b.call('application.readTraefikConfig', { applicationId: app.applicationId });
    assert.equal(read.body, onDisk(app));
  });

  test('updating a domain rewrites the file: https adds the websecure router and the redirect, a path adds PathPrefix', async () => {
    const app = await newApplication(b);
    const d = await addDomain(app);
    await ok('domain.update', { domainId: d.domainId, host: d.host, https: true, certificateType: 'letsencrypt', path: '/shop', stripPath: true });
    const { routers, middlewares } = configOf(app).http;
    const k = d.uniqueConfigKey;
    assert.deepEqual(routers[`${app.appName}-router-${k}`].middlewares, [`redirect-to-https-${app.appName}`]);
    assert.deepEqual(routers[`${app.appName}-router-websecure-${k}`].tls, { certResolver: 'letsencrypt' });
    assert.equal(routers[`${app.appName}-router-websecure-${k}`].rule, `Host(\`${d.host}\`) && PathPrefix(\`/shop\`)`);
    assert.deepEqual(middlewares[`stripprefix-${app.appName}-${k}`], { stripPrefix: { prefixes: ['/shop'] } });
  });

  test('disabling a domain removes its router; disabling the last removes the file; enabling brings it back', async () => {
    const app = await newApplication(b);
    const one = await addDomain(app);
    const two = await addDomain(app);
    await ok('domain.toggleEnable', { domainId: one.domainId });
    assert.deepEqual(Object.keys(configOf(app).http.routers), [`${app.appName}-router-${two.uniqueConfigKey}`]);
    await ok('domain.toggleEnable', { domainId: two.domainId });
    assert.equal(onDisk(app), null);
    assert.equal((await b.call('application.readTraefikConfig', { applicationId: app.applicationId })).body, null);
    await ok('domain.toggleEnable', { domainId: one.domainId });
    assert.deepEqual(Object.keys(configOf(app).http.routers), [`${app.appName}-router-${one.uniqueConfigKey}`]);
  });

  test('deleting a domain removes its router and service; deleting the last removes the file', async () => {
    const app = await newApplication(b);
    const one = await addDomain(app);
    const two = await addDomain(app);
    await ok('domain.delete', { domainId: one.domainId });
    assert.deepEqual(Object.keys(configOf(app).http.services), [`${app.appName}-service-${two.uniqueConfigKey}`]);
    await ok('domain.delete', { domainId: two.domainId });
    assert.equal(onDisk(app), null);
  });

  test('redirects and basic-auth users are applied at once, in the application\'s own file, passwords as bcrypt hashes', async () => {
    const app = await newApplication(b);
    const d = await addDomain(app);
    await ok('redirects.create', { applicationId: app.applicationId, regex: '^http://old/(.*)', replacement: 'http://new/${1}', permanent: true });
    await ok('security.create', { applicationId: app.applicationId, username: 'ann', password: 'correct horse' });
    let http = configOf(app).http;
    const redirect = Object.keys(http.middlewares).find((n) => n.startsWith(`redirect-${app.appName}-`))!;
    assert.deepEqual(http.routers[`${app.appName}-router-${d.uniqueConfigKey}`].middlewares, [redirect, `auth-${app.appName}`]);
    const [line] = http.middlewares[`auth-${app.appName}`].basicAuth.users;
    assert.ok(line.startsWith('ann:'));
    assert.ok(await bcrypt.compare('correct horse', line.slice('ann:'.length)));
    assert.ok(!onDisk(app)!.includes('correct horse'));

    const users = (await ok('application.one', { applicationId: app.applicationId })).security;
    await ok('security.update', { securityId: users[0].securityId, username: 'anna', password: users[0].password });
    http = configOf(app).http;
    assert.ok(http.middlewares[`auth-${app.appName}`].basicAuth.users[0].startsWith('anna:'), 'a rename keeps the password (sent back masked)');
    await ok('security.delete', { securityId: users[0].securityId });
    const redirectId = (await ok('application.one', { applicationId: app.applicationId })).redirects[0].redirectId;
    await ok('redirects.delete', { redirectId });
    assert.equal(configOf(app).http.middlewares, undefined);
  });

  test('deleting the application removes its file', async () => {
    const app = await newApplication(b);
    await addDomain(app);
    assert.ok(onDisk(app));
    await ok('application.delete', { applicationId: app.applicationId });
    assert.equal(onDisk(app), null);
  });

  test('a reader polling the file never sees a partial file while domains change', async () => {
    const app = await newApplication(b);
    // Many domains make a file of several kB: a non-atomic write would be caught half-done.
    const domains = [];
    for (let i = 0; i < 25; i++) domains.push(await addDomain(app, { https: i % 2 === 0, certificateType: i % 2 === 0 ? 'letsencrypt' : 'none', path: `/p${i}`, stripPath: true }));
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const reader = new Worker(
      `const fs = require('node:fs');
       const { workerData, parentPort } = require('node:worker_threads');
       const stop = new Int32Array(workerData.stop);
       const seen = new Map(); let reads = 0, missing = 0;
       while (Atomics.load(stop, 0) === 0) {
         try { const t = fs.readFileSync(workerData.file, 'utf8'); reads++; seen.set(t, (seen.get(t) ?? 0) + 1); }
         catch (e) { if (e.code !== 'ENOENT') throw e; missing++; }
       }
       parentPort.postMessage({ texts: [...seen.keys()], reads, missing });`,
      { eval: true, workerData: { file: fileOf(app), stop: stop.buffer } },
    );
    const result = new Promise<{ texts: string[]; reads: number; missing: number }>((resolve, reject) => {
      reader.once('message', resolve);
      reader.once('error', reject);
    });
    const versions = new Set([onDisk(app)]);
    for (let round = 0; round < 3; round++) {
      for (const d of domains.slice(0, 8)) {
        await ok('domain.toggleEnable', { domainId: d.domainId });
        versions.add(onDisk(app));
        await ok('domain.update', { domainId: d.domainId, host: d.host, port: 4000 + round, path: `/p${round}-${d.uniqueConfigKey}` });
        versions.add(onDisk(app));
      }
    }
    Atomics.store(stop, 0, 1);
    const { texts, reads } = await result;
    assert.ok(reads > 50, `the reader read ${reads} times`);
    assert.ok(texts.length > 3, `the reader saw ${texts.length} versions`);
    for (const t of texts) assert.ok(versions.has(t), `the reader saw a text Berth never wrote whole (${t.length} bytes)`);
  });

  test('updateTraefikConfig refuses YAML that does not parse, naming traefikConfig, and the file stays as it was', async () => {
    const app = await newApplication(b);
    await addDomain(app);
    const before = onDisk(app);
    const r = await b.call('application.updateTraefikConfig', { applicationId: app.applicationId, traefikConfig: 'http:\n  routers: {unclosed: [\n' });
    assertBadField(r, 'traefikConfig');
    assert.match(r.body.message, /not valid YAML/);
    assert.equal(onDisk(app), before);
  });

  test('updateTraefikConfig refuses YAML that Traefik\'s schema refuses, and the file stays as it was', async () => {
    const app = await newApplication(b);
    await addDomain(app);
    const before = onDisk(app);
    for (const bad of ['htp:\n  routers: {}\n', 'http:\n  routers:\n    r:\n      rule: Host(`a.example.com`)\n', '']) {
      const r = await b.call('application.updateTraefikConfig', { applicationId: app.applicationId, traefikConfig: bad });
      assertBadField(r, 'traefikConfig');
      assert.equal(onDisk(app), before);
    }
  });

  test('an accepted edit is written verbatim and lasts until the next change to the application\'s domains', async () => {
    const app = await newApplication(b);
    const d = await addDomain(app);
    const edited = `# by hand\nhttp:\n  routers:\n    custom:\n      rule: Host(\`${d.host}\`)\n      service: custom\n  services:\n    custom:\n      loadBalancer:\n        servers:\n          - url: http://${app.appName}:9999\n`;
    const r = await b.call('application.updateTraefikConfig', { applicationId: app.applicationId, traefikConfig: edited });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body, true);
    assert.equal(onDisk(app), edited);
    assert.equal((await b.call('application.readTraefikConfig', { applicationId: app.applicationId })).body, edited);
    await addDomain(app);
    assert.notEqual(onDisk(app), edited);
    assert.ok(configOf(app).http.routers[`${app.appName}-router-${d.uniqueConfigKey}`], 're-rendered from the domains');
  });

  test('the Traefik config of an unknown application is a 404', async () => {
    assert.equal((await b.call('application.readTraefikConfig', { applicationId: 'nope' })).status, 404);
    assert.equal((await b.call('application.updateTraefikConfig', { applicationId: 'nope', traefikConfig: 'http: {}' })).status, 404);
  });

  test('at start, files Berth wrote for deleted applications go, missing ones come back, and other files and edits stay', async () => {
    const app = await newApplication(b);
    await addDomain(app);
    const dir = path.dirname(fileOf(app));
    const edited = await newApplication(b);
    await addDomain(edited);
    await ok('application.updateTraefikConfig', { applicationId: edited.applicationId, traefikConfig: 'http: {}\n' });
    const rendered = onDisk(app)!;
    fs.rmSync(fileOf(app));
    const orphan = rendered.replaceAll(app.appName, 'gone-abc123');
    fs.writeFileSync(path.join(dir, 'gone-abc123.yml'), orphan);
    fs.writeFileSync(path.join(dir, 'operator.yml'), 'http: {}\n');
    await b.restart();
    await waitFor(() => onDisk(app) !== null, 'the missing file is written again');
    assert.equal(onDisk(app), rendered);
    assert.equal(fs.existsSync(path.join(dir, 'gone-abc123.yml')), false);
    assert.equal(fs.readFileSync(path.join(dir, 'operator.yml'), 'utf8'), 'http: {}\n');
    assert.equal(onDisk(edited), 'http: {}\n');
  });
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
