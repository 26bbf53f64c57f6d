import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { assertBadField, newApplication, type AppRef } from '../helpers/app-children.js';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';
import { until } from '../helpers/until.js';

/**
 * What Traefik itself would refuse or drop, refused by Berth before it reaches a file:
 * regexes Go's RE2 does not compile, "{{" (Traefik's template pass), entry points its
 * edge does not define. Traefik cannot run here, so the rules are Traefik's own.
 */
describe('routing Traefik would reject or drop', () => {
  let b: TestBerth;
  let hosts = 0;
  const uniqueHost = () => `t${++hosts}-${Date.now().toString(36)}.example.com`;
  const fileOf = (x: TestBerth, app: AppRef) => path.join(x.dataDir, 'traefik', 'dynamic', `${app.appName}.yml`);
  const onDisk = (x: TestBerth, app: AppRef) => (fs.existsSync(fileOf(x, app)) ? fs.readFileSync(fileOf(x, app), 'utf8') : null);
  const ok = async (x: TestBerth, proc: string, input: Record<string, unknown>) => {
    const r = await x.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };
  /** An application with one enabled domain, so it has a file to keep unchanged. */
  const routedApp = async (x = b) => {
    const app = await newApplication(x);
    const domain = await ok(x, 'domain.create', { applicationId: app.applicationId, host: uniqueHost() });
    return { app, domain };
  };

  before(async () => {
    b = await startTestBerth();
  });
  after(() => b.close());

  describe('redirect regexes are checked as Go (RE2) compiles them', () => {
    const refused = [
      ['^https?://(?!www\\.)(.+)', '(?!'],
      ['(?<=x)y', '(?<=x)y'],
      ['(a)\\1', '\\1'],
    ];

    test('lookahead, lookbehind and backreferences are a 400 naming regex and the construct, and nothing is written', async () => {
      const { app } = await routedApp();
      const before = onDisk(b, app);
      for (const [regex, construct] of refused) {
        const r = await b.call('redirects.create', { applicationId: app.applicationId, regex, replacement: 'https://$1', permanent: true });
        assertBadField(r, 'regex');
        assert.ok(r.body.message.includes(`\`${construct}`), `${regex}: ${r.body.message}`);
        assert.match(r.body.message, /Go's RE2.*no lookahead, lookbehind or backreferences/);
      }
      assert.deepEqual((await ok(b, 'application.one', { applicationId: app.applicationId })).redirects, []);
      assert.equal(onDisk(b, app), before);
    });

    test('redirects.update refuses them too and keeps the stored regex and the file', async () => {
      const { app } = await routedApp();
      await ok(b, 'redirects.create', { applicationId: app.applicationId, regex: '^http://old/(.*)', replacement: 'http://new/${1}', permanent: true });
      const [row] = (await ok(b, 'application.one', { applicationId: app.applicationId })).redirects;
      const before = onDisk(b, app);
      for (const [regex] of refused) assertBadField(await b.call('redirects.update', { redirectId: row.redirectId, regex, replacement: '/x', permanent: false }), 'regex');
      assert.equal((await ok(b, 'redirects.one', { redirectId: row.redirectId })).regex, '^http://old/(.*)');
      assert.equal(onDisk(b, app), before);
    });

    test("Go's own syntax that JavaScript refuses is accepted and written: (?i) flags and (?P<name>) groups", async () => {
      const { app } = await routedApp();
      for (const regex of ['(?i)^http://OLD\\.example\\.com/(.*)', '^http://(?P<host>[^/]+)/(.*)']) {
        await ok(b, 'redirects.create', { applicationId: app.applicationId, regex, replacement: 'https://new.example.com/${2}', permanent: false });
        const middlewares = parse(onDisk(b, app)!).http.middlewares;
        assert.ok(Object.values(middlewares).some((m: any) => m.redirectRegex?.regex === regex), regex);
      }
    });
  });

  describe('"{{" never reaches a dynamic file (Traefik runs each file through Go\'s text/template)', () => {
    test('in a domain path or internal path, on create and update: 400 naming the field, nothing changed', async () => {
      const { app, domain } = await routedApp();
      const before = onDisk(b, app);
      for (const field of ['path', 'internalPath']) {
        const r = await b.call('domain.create', { applicationId: app.applicationId, host: uniqueHost(), [field]: '/a{{x}}' });
        assertBadField(r, field);
        assert.match(r.body.message, /must not contain "\{\{".*Go templates/);
        assertBadField(await b.call('domain.update', { domainId: domain.domainId, host: domain.host, [field]: '/{{ .Env }}' }), field);
      }
      assert.equal((await ok(b, 'domain.byApplicationId', { applicationId: app.applicationId })).length, 1);
      assert.equal(onDisk(b, app), before);
    });

    test('in a redirect regex or replacement, or a basic-auth username: 400 naming the field, nothing changed', async () => {
      const { app } = await routedApp();
      const before = onDisk(b, app);
      const redirect = { applicationId: app.applicationId, regex: '^/old', replacement: '/new', permanent: true };
      assertBadField(await b.call('redirects.create', { ...redirect, regex: '^/a{{2}' }), 'regex');
      assertBadField(await b.call('redirects.create', { ...redirect, replacement: '/{{ .Name }}' }), 'replacement');
      assertBadField(await b.call('security.create', { applicationId: app.applicationId, username: 'a{{b', password: 'pw' }), 'username');
      const one = await ok(b, 'application.one', { applicationId: app.applicationId });
      assert.deepEqual([one.redirects, one.security], [[], []]);
      assert.equal(onDisk(b, app), before);
    });

    test('in a hand-edited file, even in a comment: 400 naming traefikConfig, the file stays as it was', async () => {
      const { app, domain } = await routedApp();
      const before = onDisk(b, app);
      const edited = `# {{ .Host }}\nhttp:\n  routers:\n    r:\n      rule: Host(\`${domain.host}\`)\n      service: s\n`;
      const r = await b.call('application.updateTraefikConfig', { applicationId: app.applicationId, traefikConfig: edited });
      assertBadField(r, 'traefikConfig');
      assert.match(r.body.message, /"\{\{"/);
      assert.equal(onDisk(b, app), before);
    });

    test('single braces are plain text to the template pass and stay accepted', async () => {
      const { app } = await routedApp();
      await ok(b, 'domain.create', { applicationId: app.applicationId, host: uniqueHost(), path: '/a{b}' });
      await ok(b, 'redirects.create', { applicationId: app.applicationId, regex: '^/x{2}', replacement: '/${1}}', permanent: false });
      assert.ok(!onDisk(b, app)!.includes('{{'));
    });
  });

  describe('regex fields of a hand-edited file are compiled as Go would', () => {
    const withMiddleware = (host: string, middleware: string) =>
      `http:\n  routers:\n    r:\n      rule: Host(\`${host}\`)\n      service: s\n      middlewares: [m]\n  middlewares:\n    m:\n${middleware}  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: http://x:80\n`;

    test('every regex-bearing middleware field: 400 naming the field path and the construct, the file unchanged', async () => {
      const { app, domain } = await routedApp();
      const before = onDisk(b, app);
      const cases = [
        ['      redirectRegex:\n        regex: "^https?://(?!www\\\\.)(.+)"\n        replacement: "https://$1"\n', '/http/middlewares/m/redirectRegex/regex', '(?!'],
        ['      replacePathRegex:\n        regex: "(?<=/api)/v1"\n        replacement: /v2\n', '/http/middlewares/m/replacePathRegex/regex', '(?<'],
        ['      stripPrefixRegex:\n        regex: ["/ok/[0-9]+", "/(a)\\\\1"]\n', '/http/middlewares/m/stripPrefixRegex/regex/1', '\\1'],
        ['      forwardAuth:\n        address: http://auth:80\n        authResponseHeadersRegex: "^X-(?!Secret)"\n', '/http/middlewares/m/forwardAuth/authResponseHeadersRegex', '(?!'],
        ['      headers:\n        accessControlAllowOriginListRegex: ["https://(?<=a)b"]\n', '/http/middlewares/m/headers/accessControlAllowOriginListRegex/0', '(?<'],
      ];
      for (const [middleware, field, construct] of cases) {
        const r = await b.call('application.updateTraefikConfig', { applicationId: app.applicationId, traefikConfig: withMiddleware(domain.host, middleware) });
        assertBadField(r, 'traefikConfig');
        assert.ok(r.body.message.includes(field), `${field}: ${r.body.message}`);
        assert.ok(r.body.message.includes(`\`${construct}`), `${construct}: ${r.body.message}`);
      }
      assert.equal(onDisk(b, app), before);
    });

    test('regexes in router rules too: 400 naming the router, the matcher and the construct', async () => {
      const { app, domain } = await routedApp();
      const before = onDisk(b, app);
      const service = '  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: http://x:80\n';
      for (const [rule, where, construct] of [
        [`Host(\`${domain.host}\`) && PathRegexp(\`^/(?!api)\`)`, '/http/routers/r/rule PathRegexp', '(?!'],
        [`HeaderRegexp(\`X-Id\`, \`(a)\\1\`)`, '/http/routers/r/rule HeaderRegexp', '\\1'],
        [`HostRegexp("^(?<=www)\\\\.example\\\\.com$")`, '/http/routers/r/rule HostRegexp', '(?<'],
      ]) {
        const r = await b.call('application.updateTraefikConfig', { applicationId: app.applicationId, traefikConfig: `http:\n  routers:\n    r:\n      rule: '${rule}'\n      service: s\n${service}` });
        assertBadField(r, 'traefikConfig');
        assert.ok(r.body.message.includes(where) && r.body.message.includes(`\`${construct}`), `${rule}: ${r.body.message}`);
      }
      assert.equal(onDisk(b, app), before);
      const good = `http:\n  routers:\n    r:\n      rule: 'HostRegexp(\`(?i)^${domain.host.replaceAll('.', '\\.')}$\`) && PathRegexp("^/(?P<v>v[0-9]+)/")'\n      service: s\n${service}`;
      await ok(b, 'application.updateTraefikConfig', { applicationId: app.applicationId, traefikConfig: good });
      assert.equal(onDisk(b, app), good);
    });

    test('Go regexes JavaScript would refuse are accepted', async () => {
      const { app, domain } = await routedApp();
      const text = withMiddleware(domain.host, '      replacePathRegex:\n        regex: "(?i)^/API/(?P<rest>.*)"\n        replacement: /${rest}\n');
      await ok(b, 'application.updateTraefikConfig', { applicationId: app.applicationId, traefikConfig: text });
      assert.equal(onDisk(b, app), text);
    });
  });

  describe('custom entry points are ones the edge defines', () => {
    let extra: TestBerth;
    before(async () => {
      extra = await startTestBerth({ BERTH_EXTRA_ENTRYPOINTS: 'internal:8081', BERTH_HTTPS_PORT: '8443' });
    });
    after(() => extra.close());

    test('an entry point Traefik does not define is a 400 naming customEntrypoint and listing those it has', async () => {
      const { app, domain } = await routedApp();
      const before = onDisk(b, app);
      const r = await b.call('domain.create', { applicationId: app.applicationId, host: uniqueHost(), customEntrypoint: 'internal' });
      assertBadField(r, 'customEntrypoint');
      assert.match(r.body.message, /"internal" is not an entry point of Berth's Traefik, which has web, websecure \(BERTH_EXTRA_ENTRYPOINTS/);
      assertBadField(await b.call('domain.update', { domainId: domain.domainId, host: domain.host, customEntrypoint: 'internal' }), 'customEntrypoint');
      assert.equal(onDisk(b, app), before);
    });

    test('web and websecure are accepted, and so is an entry point the operator declared, its router on it', async () => {
      await ok(b, 'domain.create', { applicationId: (await newApplication(b)).applicationId, host: uniqueHost(), customEntrypoint: 'websecure' });
      const app = await newApplication(extra);
      const d = await ok(extra, 'domain.create', { applicationId: app.applicationId, host: uniqueHost(), customEntrypoint: 'internal' });
      assert.deepEqual(parse(onDisk(extra, app)!).http.routers[`${app.appName}-router-${d.uniqueConfigKey}`].entryPoints, ['internal']);
      const r = await extra.call('domain.create', { applicationId: app.applicationId, host: uniqueHost(), customEntrypoint: 'other' });
      assert.match(r.body.message, /which has web, websecure, internal/);
    });

    test('with BERTH_HTTPS_PORT moved, the HTTP→HTTPS redirect sends clients to that port', async () => {
      const app = await newApplication(extra);
      await ok(extra, 'domain.create', { applicationId: app.applicationId, host: uniqueHost(), https: true, certificateType: 'letsencrypt' });
      assert.deepEqual(parse(onDisk(extra, app)!).http.middlewares[`redirect-to-https-${app.appName}`], { redirectScheme: { scheme: 'https', permanent: true, port: '8443' } });
    });
  });

  describe('a changed BERTH_HTTPS_PORT reaches the files already written', () => {
    const portOf = (x: TestBerth, app: AppRef) => parse(onDisk(x, app) ?? 'null')?.http.middlewares[`redirect-to-https-${app.appName}`].redirectScheme.port;
    const ports = (x: TestBerth, ...apps: AppRef[]) => apps.map((app) => portOf(x, app));

    test('at the next start every redirect names the new port; a rendered file is then what Berth renders, an edited one keeps its edit', async () => {
      const x = await startTestBerth();
      try {
        const https = { https: true, certificateType: 'letsencrypt' };
        const rendered = await newApplication(x);
        await ok(x, 'domain.create', { applicationId: rendered.applicationId, host: uniqueHost(), ...https });
        const edited = await newApplication(x);
        await ok(x, 'domain.create', { applicationId: edited.applicationId, host: uniqueHost(), ...https });
        const edit = `# kept by hand\n${onDisk(x, edited)}`;
        await ok(x, 'application.updateTraefikConfig', { applicationId: edited.applicationId, traefikConfig: edit });
        assert.equal(portOf(x, rendered), undefined);

        await x.restart({ BERTH_HTTPS_PORT: '8443' });
        await until('both files to name port 8443', () => ports(x, rendered, edited), (p) => p.every((port) => port === '8443'), 5000);
        const patched = onDisk(x, rendered);
        const other = await ok(x, 'domain.create', { applicationId: rendered.applicationId, host: uniqueHost() });
        await ok(x, 'domain.delete', { domainId: other.domainId });
        assert.equal(onDisk(x, rendered), patched, 'the patched file is byte for byte what Berth renders at the new port');
        assert.ok(onDisk(x, edited)!.startsWith('# kept by hand\n'));
        const expected = parse(edit);
        expected.http.middlewares[`redirect-to-https-${edited.appName}`].redirectScheme.port = '8443';
        assert.deepEqual(parse(onDisk(x, edited)!), expected);

        await x.restart();
        await until('no port named, back on 443', () => ports(x, rendered, edited), (p) => p.every((port) => port === undefined), 5000);
        assert.equal(onDisk(x, edited), edit);
      } finally {
        await x.close();
      }
    });
  });
});
