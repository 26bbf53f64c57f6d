import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.mjs';

const root = path.resolve(import.meta.dirname, '..', '..');
/** Debian's chromium, installed by scripts/test-env.sh (playwright's own download cannot run here). */
export const CHROMIUM = process.env.BERTH_CHROMIUM || '/usr/bin/chromium';
/** Where the test runs write their screenshots (desktop and 360 px of each main page). */
export const SCREENSHOTS = path.join(root, 'test-results', 'screenshots');

function hashTree(dir: string, h = crypto.createHash('sha256')) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, entry.name);
    h.update(p);
    if (entry.isDirectory()) hashTree(p, h);
    else h.update(fs.readFileSync(p));
  }
  return h;
}

/** The dashboard built from this checkout's web/ (once per content: later runs reuse it), for BERTH_WEB_DIR. */
export async function builtDashboard(): Promise<string> {
  const digest = hashTree(path.join(root, 'web')).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `berth-web-${digest}`);
  if (!fs.existsSync(path.join(dir, 'index.html'))) await buildWeb(dir);
  return dir;
}

export interface TestBrowser {
  browser: Browser;
  /** A new page (own context: own session storage) whose console errors and failed requests are collected. */
  page(opts?: { width?: number; height?: number }): Promise<{ page: Page; context: BrowserContext; problems: string[] }>;
  close(): Promise<void>;
}

/** Headless Debian chromium, without the network chatter the closed machine refuses. */
export async function launchBrowser(): Promise<TestBrowser> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/test-env.sh (it installs Debian's chromium)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    async page({ width = 1280, height = 800 } = {}) {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      return { page, context, problems };
    },
    close: () => browser.close(),
  };
}

/** Signs in through the dashboard's form and waits for the overview. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
}

/** Writes `<name>-<width>.png` under test-results/screenshots. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}-${page.viewportSize()?.width ?? 0}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
