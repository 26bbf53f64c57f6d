import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { builtDashboard, launchBrowser, screenshot, type TestBrowser } from './helpers/browser.js';

let berth: TestBerth;
let browser: TestBrowser;

before(async () => {
  berth = await startTestBerth({ BERTH_WEB_DIR: await builtDashboard() });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await berth?.close();
});

test('a wrong token is refused with a message, the right one signs in, sign-out forgets it', async () => {
  const { page, problems } = await browser.page();
  await page.goto(berth.url);
  await page.getByLabel('API token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'That token was refused' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('berth.token')), null);

  await page.getByLabel('API token').fill(berth.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('berth.token')), berth.token);
  await screenshot(page, 'overview');

  // a reload keeps the session (same tab), a deep link is served the page
  await page.goto(`${berth.url}/no/such/page`);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API token').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('berth.token')), null);
  // the failed sign-in's 401 is the only console error chromium reports
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
});

test('the dashboard is served with a CSP that allows no inline script and no other origin, hashed assets cached for a year', async () => {
  const page = await fetch(`${berth.url}/`, { headers: { 'accept-encoding': 'br' } });
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const html = await page.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
  assert.ok(asset, html);
  const js = await fetch(`${berth.url}${asset}`, { headers: { 'accept-encoding': 'br' } });
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('content-encoding'), 'br');
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const api = await fetch(`${berth.url}/api/no/such`);
  assert.equal(api.status, 404);
  assert.equal((await api.json()).code, 'NOT_FOUND');
});
