import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';

/** The page's scripts and stylesheets, in the order it names them. */
const assetsOf = (html: string) => [...html.matchAll(/<(?:script src|link rel="stylesheet" href)="([^"]+)"/g)].map((m) => m[1]);

describe('the API reference at /api/docs', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth();
  });
  after(() => b.close());

  test('the page, its scripts and stylesheet load without a token, from this server only, with no inline script', async () => {
    const page = await request(`${b.url}/api/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self';/);
    assert.doesNotMatch(page.text, /<script>|<script(?![^>]*\bsrc=)[^>]*>/, 'an inline script would break the CSP');
    const assets = assetsOf(page.text);
    assert.deepEqual(assets.map((a) => a.split('/').pop()), ['swagger-ui.css', 'swagger-ui-bundle.js', 'berth-docs.js']);
    for (const url of assets) {
      assert.ok(url.startsWith('/api/docs/'), `${url} is not served by Berth`);
      const r = await fetch(`${b.url}${url}`);
      assert.equal(r.status, 200, url);
      assert.match(r.headers.get('content-type')!, url.endsWith('.css') ? /^text\/css/ : /javascript/, url);
      assert.ok((await r.text()).length > 100, `${url} is empty`);
    }
  });

  test('the initializer starts Swagger UI on the OpenAPI document, which is public too', async () => {
    const init = await request(`${b.url}/api/docs/berth-docs.js`);
    const url = /url: '([^']+)'/.exec(init.text)?.[1];
    assert.equal(url, '/api/openapi.json');
    assert.match(init.text, /SwaggerUIBundle\(/);
    const doc = await request(`${b.url}${url}`);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.ok(doc.body.paths['/application.deploy'].post);
  });

  test('no other file of the package, and nothing outside it, is served: 404 in the API error form', async () => {
    for (const path of ['/api/docsx', '/api/docs/package.json', '/api/docs/index.html', '/api/docs/swagger-initializer.js', '/api/docs/..%2Fpackage.json']) {
      const r = await request(`${b.url}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.code, 'NOT_FOUND', path);
    }
  });
});
