// The dashboard's weight and first paint: what the browser downloads before the first page
// renders (from the built dist/web), and first contentful paint in Debian's chromium against
// the benchmark's server (median of RUNS fresh browser contexts: nothing cached).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../test/helpers/browser.js';

export const RUNS = 5;

export interface BundleFigures {
  /** The entry script, its preloaded chunks and stylesheets: what the first page needs. */
  initialJsGzipKb: number;
  initialCssGzipKb: number;
  /** Every script of the build, lazy chunks (charts) included. */
  allJsGzipKb: number;
  files: { file: string; gzipKb: number; initial: boolean }[];
}

const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;

export function bundleFigures(webDir: string): BundleFigures {
  const html = fs.readFileSync(path.join(webDir, 'index.html'), 'utf8');
  const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]));
  const assets = fs.readdirSync(path.join(webDir, 'assets')).filter((f) => /\.(js|css)$/.test(f));
  const files = assets.map((f) => ({ file: `assets/${f}`, gzipKb: kb(fs.statSync(path.join(webDir, 'assets', `${f}.gz`)).size), initial: initial.has(`assets/${f}`) }));
  const sum = (pick: (f: (typeof files)[number]) => boolean) => Math.round(files.filter(pick).reduce((a, f) => a + f.gzipKb, 0) * 10) / 10;
  return {
    initialJsGzipKb: sum((f) => f.initial && f.file.endsWith('.js')),
    initialCssGzipKb: sum((f) => f.initial && f.file.endsWith('.css')),
    allJsGzipKb: sum((f) => f.file.endsWith('.js')),
    files,
  };
}

export interface PaintFigures {
  /** The sign-in page (no token yet). */
  signInFcpMs: number[];
  /** Signed in (token in session storage): first paint, and the projects listed. */
  overviewFcpMs: number[];
  overviewListedMs: number[];
}

/** undefined when chromium is not installed (scripts/test-env.sh installs it). */
export async function paintFigures(url: string, token: string): Promise<PaintFigures | undefined> {
  if (!fs.existsSync(CHROMIUM)) return undefined;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const out: PaintFigures = { signInFcpMs: [], overviewFcpMs: [], overviewListedMs: [] };
  const fcp = () => new Promise<number>((resolve) => new PerformanceObserver((list, obs) => (obs.disconnect(), resolve(list.getEntries()[0].startTime))).observe({ type: 'paint', buffered: true }));
  try {
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(url);
      out.signInFcpMs.push(Math.round(await page.evaluate(fcp)));
      await context.close();

      const signedIn = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await signedIn.addInitScript((t) => sessionStorage.setItem('berth.token', t), token);
      const overview = await signedIn.newPage();
      await overview.goto(url);
      await overview.waitForFunction(() => document.body.innerText.includes('bench-0'));
      out.overviewListedMs.push(Math.round(await overview.evaluate(() => performance.now())));
      out.overviewFcpMs.push(Math.round(await overview.evaluate(fcp)));
      await signedIn.close();
    }
  } finally {
    await browser.close();
  }
  return out;
}
