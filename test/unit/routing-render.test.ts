import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { fileHeader, renderTraefikConfig, renderTraefikFile, type RoutedDomain, type RoutingInput, type TraefikConfig } from '../../src/routing/render.js';
import { schemaProblems } from '../../src/routing/validate.js';

const APP = 'shop-a1b2c3';

const domain = (over: Partial<RoutedDomain> = {}): RoutedDomain => ({
  uniqueConfigKey: 1,
  host: 'shop.example.com',
  path: '/',
  port: 3000,
  https: false,
  certificateType: 'none',
  customCertResolver: null,
  customEntrypoint: null,
  internalPath: '/',
  stripPath: false,
  middlewares: [],
  enabled: true,
  ...over,
});

const input = (over: Partial<RoutingInput> = {}): RoutingInput => ({ appName: APP, httpsPort: 443, domains: [domain()], redirects: [], users: [], ...over });

/** Every configuration a test renders, checked against Traefik's schema and template pass once the tests have run. */
const rendered: { input: RoutingInput; config: TraefikConfig }[] = [];
const render = (i: RoutingInput) => {
  const config = renderTraefikConfig(i);
  assert.ok(config, 'an application with an enabled domain has a configuration');
  rendered.push({ input: i, config });
  return config;
};

const service = (port: number, key = 1) => ({ [`${APP}-service-${key}`]: { loadBalancer: { servers: [{ url: `http://${APP}:${port}` }], passHostHeader: true } } });

describe('renderTraefikConfig', () => {
  after(async () => {
    for (const { config } of rendered) assert.deepEqual(await schemaProblems(config), [], JSON.stringify(config));
  });

  // Traefik runs each file through Go's text/template first: only "{{" opens an action, so a file without one comes out unchanged.
  after(() => {
    assert.ok(rendered.length > 10);
    for (const { input: i } of rendered) assert.ok(!renderTraefikFile(i)!.includes('{{'), renderTraefikFile(i)!);
  });

  test('an http domain gets one router on web and a load balancer to http://<appName>:<port>', () => {
    assert.deepEqual(render(input()), {
      http: {
        routers: { [`${APP}-router-1`]: { rule: 'Host(`shop.example.com`)', service: `${APP}-service-1`, entryPoints: ['web'] } },
        services: service(3000),
      },
    });
  });

  test('a domain without a port is sent to port 80, as Dokploy does', () => {
    assert.deepEqual(render(input({ domains: [domain({ port: null })] })).http.services, service(80));
  });

  test('an https domain is served on websecure with the letsencrypt resolver, and its web router only redirects to https', () => {
    const config = render(input({ domains: [domain({ https: true, certificateType: 'letsencrypt' })] }));
    assert.deepEqual(config.http.routers, {
      [`${APP}-router-1`]: { rule: 'Host(`shop.example.com`)', service: `${APP}-service-1`, entryPoints: ['web'], middlewares: [`redirect-to-https-${APP}`] },
      [`${APP}-router-websecure-1`]: { rule: 'Host(`shop.example.com`)', service: `${APP}-service-1`, entryPoints: ['websecure'], tls: { certResolver: 'letsencrypt' } },
    });
    assert.deepEqual(config.http.middlewares, { [`redirect-to-https-${APP}`]: { redirectScheme: { scheme: 'https', permanent: true } } });
  });

  test('the HTTP→HTTPS redirect names the HTTPS port when websecure is published elsewhere than 443', () => {
    const https = domain({ https: true, certificateType: 'letsencrypt' });
    assert.deepEqual(render(input({ domains: [https], httpsPort: 8443 })).http.middlewares, {
      [`redirect-to-https-${APP}`]: { redirectScheme: { scheme: 'https', permanent: true, port: '8443' } },
    });
    assert.deepEqual(render(input({ domains: [https] })).http.middlewares, { [`redirect-to-https-${APP}`]: { redirectScheme: { scheme: 'https', permanent: true } } });
  });

  test('braces at the edges of every field never meet as "{{" in the file', () => {
    render(
      input({
        domains: [domain({ path: '/a{', internalPath: '/{b}', stripPath: true, https: true, certificateType: 'letsencrypt', middlewares: ['m@file'] })],
        redirects: [
          { uniqueConfigKey: 1, regex: '^/x{', replacement: '{/y}', permanent: true },
          { uniqueConfigKey: 2, regex: '{2}$', replacement: '/z{', permanent: false },
        ],
        users: [{ username: 'a{', passwordHash: '{SHA}abc' }],
      }),
    );
  });

  test('a custom certificate type uses the domain\'s own resolver', () => {
    const config = render(input({ domains: [domain({ https: true, certificateType: 'custom', customCertResolver: 'dns-cloudflare' })] }));
    assert.deepEqual(config.http.routers[`${APP}-router-websecure-1`].tls, { certResolver: 'dns-cloudflare' });
  });

  test('https without a certificate resolver still terminates TLS on websecure (default or file-provided certificate)', () => {
    const config = render(input({ domains: [domain({ https: true, certificateType: 'none' })] }));
    assert.deepEqual(config.http.routers[`${APP}-router-websecure-1`].tls, {});
  });

  test('a path other than / is matched as a prefix; / and null match the whole host', () => {
    assert.equal(render(input({ domains: [domain({ path: '/api' })] })).http.routers[`${APP}-router-1`].rule, 'Host(`shop.example.com`) && PathPrefix(`/api`)');
    assert.equal(render(input({ domains: [domain({ path: '/' })] })).http.routers[`${APP}-router-1`].rule, 'Host(`shop.example.com`)');
    assert.equal(render(input({ domains: [domain({ path: null })] })).http.routers[`${APP}-router-1`].rule, 'Host(`shop.example.com`)');
  });

  test('stripPath removes the public path before forwarding; it means nothing without a path', () => {
    const config = render(input({ domains: [domain({ path: '/api', stripPath: true })] }));
    assert.deepEqual(config.http.routers[`${APP}-router-1`].middlewares, [`stripprefix-${APP}-1`]);
    assert.deepEqual(config.http.middlewares?.[`stripprefix-${APP}-1`], { stripPrefix: { prefixes: ['/api'] } });
    assert.equal(render(input({ domains: [domain({ path: '/', stripPath: true })] })).http.middlewares, undefined);
  });

  test('internalPath is added before forwarding, unless it is / or the public path itself', () => {
    const config = render(input({ domains: [domain({ path: '/api', stripPath: true, internalPath: '/v2' })] }));
    assert.deepEqual(config.http.routers[`${APP}-router-1`].middlewares, [`stripprefix-${APP}-1`, `addprefix-${APP}-1`]);
    assert.deepEqual(config.http.middlewares?.[`addprefix-${APP}-1`], { addPrefix: { prefix: '/v2' } });
    assert.equal(render(input({ domains: [domain({ path: '/api', internalPath: '/api' })] })).http.middlewares, undefined);
    assert.equal(render(input({ domains: [domain({ internalPath: '/' })] })).http.middlewares, undefined);
    assert.equal(render(input({ domains: [domain({ internalPath: null })] })).http.middlewares, undefined);
  });

  test('redirects become redirectRegex middlewares on every domain, in the order they were created', () => {
    const config = render(
      input({
        domains: [domain(), domain({ uniqueConfigKey: 2, host: 'www.shop.example.com' })],
        redirects: [
          { uniqueConfigKey: 9, regex: '^https?://old\\.example\\.com/(.*)', replacement: 'https://shop.example.com/${1}', permanent: false },
          { uniqueConfigKey: 4, regex: '^http://www\\.(.*)', replacement: 'http://${1}', permanent: true },
        ],
      }),
    );
    const names = [`redirect-${APP}-4`, `redirect-${APP}-9`];
    assert.deepEqual(config.http.routers[`${APP}-router-1`].middlewares, names);
    assert.deepEqual(config.http.routers[`${APP}-router-2`].middlewares, names);
    assert.deepEqual(config.http.middlewares?.[`redirect-${APP}-9`], {
      redirectRegex: { regex: '^https?://old\\.example\\.com/(.*)', replacement: 'https://shop.example.com/${1}', permanent: false },
    });
  });

  test('basic-auth users form one auth-<appName> middleware that removes the header before forwarding', () => {
    const config = render(
      input({ users: [{ username: 'ann', passwordHash: '$2b$10$abcdefghijklmnopqrstuu0123456789012345678901234567890' }, { username: 'bob', passwordHash: '$2b$10$x' }] }),
    );
    assert.deepEqual(config.http.middlewares?.[`auth-${APP}`], {
      basicAuth: { users: ['ann:$2b$10$abcdefghijklmnopqrstuu0123456789012345678901234567890', 'bob:$2b$10$x'], removeHeader: true },
    });
    assert.deepEqual(config.http.routers[`${APP}-router-1`].middlewares, [`auth-${APP}`]);
  });

  test('middlewares run in Dokploy\'s order: strip, add, redirects, basic auth, then the domain\'s own; on https only the websecure router has them', () => {
    const config = render(
      input({
        domains: [domain({ https: true, certificateType: 'letsencrypt', path: '/app', stripPath: true, internalPath: '/srv', middlewares: ['ratelimit@file', 'compress@file'] })],
        redirects: [{ uniqueConfigKey: 3, regex: '^/old', replacement: '/new', permanent: true }],
        users: [{ username: 'ann', passwordHash: '$2b$10$h' }],
      }),
    );
    assert.deepEqual(config.http.routers[`${APP}-router-websecure-1`].middlewares, [
      `stripprefix-${APP}-1`, `addprefix-${APP}-1`, `redirect-${APP}-3`, `auth-${APP}`, 'ratelimit@file', 'compress@file',
    ]);
    assert.deepEqual(config.http.routers[`${APP}-router-1`].middlewares, [`redirect-to-https-${APP}`]);
  });

  test('a custom entry point gets a single router there, with TLS when https', () => {
    const plain = render(input({ domains: [domain({ customEntrypoint: 'internal' })] }));
    assert.deepEqual(plain.http.routers, { [`${APP}-router-1`]: { rule: 'Host(`shop.example.com`)', service: `${APP}-service-1`, entryPoints: ['internal'] } });
    const secure = render(input({ domains: [domain({ customEntrypoint: 'internal', https: true, certificateType: 'letsencrypt' })] }));
    assert.deepEqual(secure.http.routers, {
      [`${APP}-router-1`]: { rule: 'Host(`shop.example.com`)', service: `${APP}-service-1`, entryPoints: ['internal'], tls: { certResolver: 'letsencrypt' } },
    });
    assert.equal(secure.http.middlewares, undefined, 'no https redirect on a custom entry point');
  });

  test('each domain has its own routers and service, named by its uniqueConfigKey', () => {
    const config = render(input({ domains: [domain({ uniqueConfigKey: 7, port: 8080 }), domain({ uniqueConfigKey: 3, host: 'api.example.com', https: true, certificateType: 'letsencrypt' })] }));
    assert.deepEqual(Object.keys(config.http.routers), [`${APP}-router-3`, `${APP}-router-websecure-3`, `${APP}-router-7`]);
    assert.deepEqual(config.http.services, { ...service(3000, 3), ...service(8080, 7) });
  });

  test('disabled domains get no router; an application with no enabled domain has no configuration at all', () => {
    const config = render(input({ domains: [domain(), domain({ uniqueConfigKey: 2, host: 'off.example.com', enabled: false })] }));
    assert.deepEqual(Object.keys(config.http.routers), [`${APP}-router-1`]);
    assert.equal(renderTraefikConfig(input({ domains: [domain({ enabled: false })] })), null);
    assert.equal(renderTraefikConfig(input({ domains: [], users: [{ username: 'a', passwordHash: 'h' }] })), null);
    assert.equal(renderTraefikFile(input({ domains: [] })), null);
  });

  test('the file is the configuration as YAML under a header naming the application and how long edits last', () => {
    const i = input({ domains: [domain({ https: true, certificateType: 'letsencrypt', path: '/a', stripPath: true })], redirects: [{ uniqueConfigKey: 1, regex: '^/x: y', replacement: '/z', permanent: true }] });
    const text = renderTraefikFile(i)!;
    assert.ok(text.startsWith(fileHeader(APP)));
    assert.match(fileHeader(APP), /updateTraefikConfig[\s\S]*domains, redirects or basic-auth users change/);
    assert.deepEqual(parse(text), renderTraefikConfig(i));
    assert.equal(renderTraefikFile(i), text, 'the same rows render the same bytes');
  });
});

describe('the Traefik file-provider schema', () => {
  test('it refuses what Traefik would refuse: an unknown section, an empty file, a router without a service, a middleware of two kinds', async () => {
    assert.notDeepEqual(await schemaProblems({ htp: { routers: {} } }), []);
    assert.notDeepEqual(await schemaProblems(null), []);
    assert.notDeepEqual(await schemaProblems({ http: { routers: { r: { rule: 'Host(`a`)' } } } }), []);
    assert.notDeepEqual(await schemaProblems({ http: { middlewares: { m: { addPrefix: { prefix: '/a' }, stripPrefix: { prefixes: ['/b'] } } } } }), []);
    assert.deepEqual(await schemaProblems({ http: { routers: { r: { rule: 'Host(`a`)', service: 's' } } } }), []);
  });
});
