import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestBerth, type TestBerth } from './helpers/berth.js';

/** Debian's chromium, installed by scripts/test-env.sh. */
const CHROMIUM = 'chromium';

describe('the API reference renders in a browser', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth();
  });
  after(() => b.close());

  test('headless Chromium runs Swagger UI under the page CSP and shows the operations of the OpenAPI document', async () => {
    // --no-sandbox: the tests run as root; the virtual time budget lets the scripts fetch and render
    const { stdout: dom } = await promisify(execFile)(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=10000', '--dump-dom', `${b.url}/api/docs`],
      { timeout: 60_000, maxBuffer: 64 * 1024 ** 2 },
    );
    assert.match(dom, /class="swagger-ui/, 'Swagger UI did not render');
    assert.match(dom, /Berth API/, "the document's title is not shown");
    for (const path of ['/project.create', '/project.all']) assert.ok(dom.includes(`data-path="${path}"`), `operation ${path} not rendered`);
  });
});
