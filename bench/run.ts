// `npm run bench [-- --duration <s>] [-- --profile] [-- --only cluster]`: builds Berth, runs it the way production
// does (`node dist/main.js`, a child process on a temporary data directory) and measures start
// time, memory and the hot API routes under autocannon on loopback. Prints a table beside the
// targets and writes it as JSON to bench/results/<timestamp>.json.
// --profile then runs each route again on its own server under `node --cpu-prof`, started on a
// copy of the seeded database, and prints where that server spent its time.
// --only cluster measures nothing but deploy → done of `replicas: 3` on one node and on the lab's three.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { testEnvIfPresent } from '../test/helpers/test-env.js';
import { CLUSTER_RUNS, clusterDeploy, type ClusterDeployFigures } from './cluster-deploy.js';
import { deployOverhead, RUNS as DEPLOY_RUNS, type Call } from './deploy-overhead.js';
import { freePort } from './free-port.js';
import { redeployFigures, REDEPLOYS, type RedeployFigures } from './redeploy.js';
import { rollbackTimes, ROLLBACKS } from './rollback.js';
import { PUSHES, pushToServed, type PushRun } from './push-to-deploy.js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RateLimiter } from '../src/api/rate-limit.js';
import { summarizeProfile } from './profile.js';
import { bundleFigures, paintFigures, RUNS as PAINT_RUNS } from './dashboard.js';
import { nativeBinding } from '../src/store/native-binding.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: { profile: { type: 'boolean', default: false }, duration: { type: 'string', default: '10' }, only: { type: 'string' } },
});
if (flags.only !== undefined && flags.only !== 'cluster') throw new Error(`--only takes "cluster", not "${flags.only}"`);
const DURATION_S = Number(flags.duration);
const CONNECTIONS = 10;
const PROJECTS = 20;
const APPS = 1000;
// Far above anything 10 connections can send in a 60 s window, so no request is refused.
const RATE_LIMIT = 1_000_000_000;
const TOKEN = 'berth_bench_' + randomBytes(16).toString('hex');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = path.join(root, 'bench/results');
const profileRoot = path.join(resultsDir, `profile-${stamp}`);

interface Server {
  url: string;
  child: ChildProcess;
  startMs: number;
  dataDir: string;
}

interface Seeded {
  environmentIds: string[];
  applicationIds: string[];
}

interface Route {
  name: string;
  target?: { rps: number; p99?: number };
  /** autocannon options for this route, given the server and the seeded ids. */
  load(s: Server, seeded: Seeded): Partial<autocannon.Options>;
}

interface RouteResult {
  route: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  target: string;
  met: boolean | null;
}

const routes: Route[] = [
  {
    name: 'GET application.one',
    target: { rps: 4000, p99: 5 },
    load: (_, { applicationIds }) => {
      let i = 0;
      const next = () => `/api/application.one?applicationId=${applicationIds[i++ % applicationIds.length]}`;
      return { requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: next() }) }] };
    },
  },
  { name: 'GET project.all', target: { rps: 4000 }, load: (s) => ({ url: `${s.url}/api/project.all` }) },
  { name: 'GET application.search', load: (s) => ({ url: `${s.url}/api/application.search?q=svc-1&limit=20` }) },
  {
    name: 'POST application.create',
    target: { rps: 1000, p99: 20 },
    load: (_, { environmentIds }) => {
      let n = 0;
      const body = () => JSON.stringify({ name: `load-${n}`, environmentId: environmentIds[n++ % environmentIds.length] });
      return { requests: [{ method: 'POST', path: '/api/application.create', setupRequest: (req) => ({ ...req, body: body() }) }] };
    },
  },
];

/** Resident memory of a process in MB, from the kernel's own count. */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return +(Number(kb) / 1024).toFixed(1);
}

/** One health probe with node:http: lighter than fetch, so polling steals little CPU from the booting server. */
function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

/** The V8 flags `npm start` runs Berth with (a small young generation keeps idle RSS low). */
const serverNodeFlags: string[] = JSON.parse(fs.readFileSync(path.join(root, 'scripts/node-flags.json'), 'utf8'));

/** Starts `node dist/main.js` and times it from spawn to the first healthy answer. */
async function startServer(dataDir: string, profileDir?: string): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nodeArgs = [...serverNodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'dist/main.js')], {
    env: {
      ...process.env,
      BERTH_DATA_DIR: dataDir,
      BERTH_PORT: String(port),
      BERTH_HOST: '127.0.0.1',
      BERTH_ADMIN_TOKEN: TOKEN,
      BERTH_RATE_LIMIT: String(RATE_LIMIT),
      BERTH_LOG_LEVEL: 'warn',
      // The bench's Berth is not the server's: it must not create the one Traefik per machine.
      BERTH_EDGE: 'off',
      // The docker CLI the test environment says builds and pulls work with.
      BERTH_DOCKER_CLI: testEnvIfPresent()?.dockerCli ?? process.env.BERTH_DOCKER_CLI ?? 'docker',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Berth exited with ${child.exitCode} before it was healthy`);
    if (await healthy(`${url}/api/health`)) break;
    await sleep(5);
  }
  return { url, child, startMs: Math.round(performance.now() - t0), dataDir };
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  await exited;
  fs.rmSync(s.dataDir, { recursive: true, force: true });
}

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));

/** A consistent copy of a live data directory (SQLite's own online copy, plus the secret key). */
function snapshot(dataDir: string): string {
  const copy = tempDir();
  fs.copyFileSync(path.join(dataDir, 'secret.key'), path.join(copy, 'secret.key'));
  const db = new Database(path.join(dataDir, 'berth.db'), { nativeBinding, readonly: true });
  db.prepare('VACUUM INTO ?').run(path.join(copy, 'berth.db'));
  db.close();
  return copy;
}

async function post(s: Server, proc: string, body: unknown): Promise<any> {
  const r = await fetch(`${s.url}/api/${proc}`, {
    method: 'POST',
    headers: { 'x-api-key': TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${proc}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** The API as the deploy measures call it: POST for mutations, GET with query parameters for queries. */
function apiCaller(s: Server): Call {
  return async (proc, input, method = 'POST') => {
    if (method === 'POST') return post(s, proc, input);
    const r = await fetch(`${s.url}/api/${proc}?${new URLSearchParams(input as Record<string, string>)}`, { headers: { 'x-api-key': TOKEN } });
    if (!r.ok) throw new Error(`${proc}: ${r.status} ${await r.text()}`);
    return r.json();
  };
}

/** deploy → done of `replicas: 3`, on one node and over the lab's three, or why not measured. */
async function measureCluster(s: Server): Promise<ClusterDeployFigures | string> {
  const env = testEnvIfPresent();
  if (!env) return 'no test environment (run scripts/test-env.sh as root)';
  console.error(`Cluster: ${CLUSTER_RUNS} deploys of replicas: 3 on one node, then over the lab's three nodes…`);
  return clusterDeploy(env, apiCaller(s));
}

function printCluster(figures: ClusterDeployFigures | string, widths: number[]): void {
  if (typeof figures === 'string') {
    console.log(`deploy → done, replicas: 3 over three nodes: not measured (${figures})`);
    return;
  }
  console.log(pad([`deploy → done, replicas: 3, one node (median/${CLUSTER_RUNS})`, `${median(figures.oneNodeMs)} ms`, '', ''], widths));
  console.log(pad([`deploy → done, replicas: 3, three nodes (median/${CLUSTER_RUNS})`, `${median(figures.threeNodesMs)} ms`, '', ''], widths));
}

/** 20 projects, 1,000 applications spread evenly, created through the API, 10 at a time. */
async function seed(s: Server): Promise<Seeded & { ms: number }> {
  const t0 = performance.now();
  const environmentIds: string[] = [];
  for (let p = 0; p < PROJECTS; p++) {
    environmentIds.push((await post(s, 'project.create', { name: `bench-${p}` })).environment.environmentId);
  }
  const applicationIds: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < APPS; i = next++) {
      const app = await post(s, 'application.create', { name: `svc-${i % PROJECTS}-${i}`, environmentId: environmentIds[i % PROJECTS] });
      applicationIds.push(app.applicationId);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return { environmentIds, applicationIds, ms: Math.round(performance.now() - t0) };
}

/** Seconds a read route runs before it is measured: the first pass fills the response cache and warms the JIT, as any server that has run a while has. */
const WARM_UP_S = 3;

async function cannon(s: Server, route: Route, seeded: Seeded): Promise<RouteResult> {
  if (route.name.startsWith('GET ')) await autocannon({ url: s.url, connections: CONNECTIONS, duration: WARM_UP_S, headers: { 'x-api-key': TOKEN, 'content-type': 'application/json' }, ...route.load(s, seeded) });
  const r = await autocannon({
    url: s.url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { 'x-api-key': TOKEN, 'content-type': 'application/json' },
    ...route.load(s, seeded),
  });
  const t = route.target;
  const result: RouteResult = {
    route: route.name,
    reqPerSec: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    target: t ? `≥ ${t.rps} req/s` + (t.p99 ? `, p99 ≤ ${t.p99} ms` : '') : '—',
    met: t ? r.requests.average >= t.rps && (!t.p99 || r.latency.p99 <= t.p99) && r.non2xx === 0 && r.errors === 0 : null,
  };
  console.error(`  ${route.name}: ${result.reqPerSec} req/s, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}`);
  return result;
}

/** The limiter cannot be switched off, so its cost is measured directly: ns per `hit`. */
function limiterCost(): { oneKeyNs: number; tenThousandKeysNs: number } {
  const n = 2_000_000;
  const time = (keys: string[]) => {
    const limiter = new RateLimiter({ max: RATE_LIMIT, windowMs: 60_000 });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) limiter.hit(keys[i % keys.length]);
    return Number(process.hrtime.bigint() - t0) / n;
  };
  const oneKey = ['token:bench'];
  const many = Array.from({ length: 10_000 }, (_, i) => `ip:10.0.${i >> 8}.${i & 255}`);
  time(oneKey); // warm-up
  return { oneKeyNs: Math.round(time(oneKey)), tenThousandKeysNs: Math.round(time(many)) };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
const slug = (name: string) => name.replace(/\W+/g, '-').toLowerCase();
const mark = (met: boolean | null) => (met === null ? '' : met ? 'ok' : 'MISSED');
const pad = (cells: (string | number)[], widths: number[]) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();

console.error('Building (npm run build)…');
// The same build `npm start` runs (type-check, then the esbuild bundle).
execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });

if (flags.only === 'cluster') {
  const server = await startServer(tempDir());
  const figures = await measureCluster(server);
  await stopServer(server);
  console.log('');
  printCluster(figures, [26, 12, 14, 6]);
  if (typeof figures !== 'string') console.log(`all runs (ms): one node ${figures.oneNodeMs.join(', ')}; three nodes ${figures.threeNodesMs.join(', ')}`);
  // nothing else is measured
  process.exit(0);
}

const loadBefore = os.loadavg()[0];
// Start-up varies with disk cache and other work: take the median of five fresh starts on empty directories.
const starts: number[] = [];
for (let i = 0; i < 5; i++) {
  const probe = await startServer(tempDir());
  starts.push(probe.startMs);
  await stopServer(probe);
}
const startMs = median(starts);
const s = await startServer(tempDir());
await sleep(1000);
const idleRssMb = rssMb(s.child.pid!);
console.error(`Seeding ${PROJECTS} projects and ${APPS} applications…`);
const seeded = await seed(s);
const rssSeededMb = rssMb(s.child.pid!);
const template = flags.profile ? snapshot(s.dataDir) : undefined;

console.error(`Load: ${CONNECTIONS} connections, ${DURATION_S} s per route`);
const routeResults: RouteResult[] = [];
for (const route of routes) routeResults.push(await cannon(s, route, seeded));
const rssAfterMb = rssMb(s.child.pid!);
await sleep(5000);
const rssSettledMb = rssMb(s.child.pid!);
// The API reference from the bundle: its page and assets must be found from dist/ (a failure
// fails the bench), and what serving it once costs in memory.
for (const url of ['/api/docs', '/api/docs/berth-docs.js', '/api/docs/swagger-ui.css', '/api/docs/swagger-ui-bundle.js', '/api/openapi.json']) {
  const r = await fetch(`${s.url}${url}`);
  if (!r.ok) throw new Error(`GET ${url} from dist/: HTTP ${r.status}`);
  await r.arrayBuffer();
}
const rssAfterDocsMb = rssMb(s.child.pid!);
const bundle = bundleFigures(path.join(root, 'dist', 'web'));
console.error('Dashboard: first paint in chromium…');
const paint = await paintFigures(s.url, TOKEN);
const rssAfterDashboardMb = rssMb(s.child.pid!);

// Deploy overhead needs the Docker engine and registry of scripts/test-env.sh.
const testEnv = testEnvIfPresent();
let deployMs: number[] | undefined;
let rollbackMs: number[] | undefined;
let redeploys: RedeployFigures | undefined;
let pushRuns: Record<string, PushRun[]> | undefined;
if (testEnv) {
  console.error(`Deploy overhead: ${DEPLOY_RUNS} deploys of a prebuilt registry image…`);
  const call = apiCaller(s);
  deployMs = await deployOverhead(testEnv, call);
  console.error(`Rollback: ${ROLLBACKS} rollbacks between two releases of a docker-source application…`);
  rollbackMs = await rollbackTimes(testEnv, call);
  console.error(`Redeploys: ${REDEPLOYS} start-first under a resolving client, ${REDEPLOYS} stop-first with a published port…`);
  redeploys = await redeployFigures(testEnv, call);
  console.error(`Push to deploy: ${PUSHES} pushes each to a Dockerfile and a static application…`);
  pushRuns = await pushToServed(testEnv, call, s.url);
}
const cluster = await measureCluster(s);
await stopServer(s);
const limiter = limiterCost();

const startTarget = 500;
const rssTarget = 80;
const results = {
  when: new Date().toISOString(),
  machine: { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30) },
  // Other work on the machine skews every figure; the 1-minute load average says how much there was.
  loadAverage: { before: +loadBefore.toFixed(2), after: +os.loadavg()[0].toFixed(2) },
  setup: { connections: CONNECTIONS, durationS: DURATION_S, projects: PROJECTS, applications: APPS, rateLimitPerMinute: RATE_LIMIT },
  startToHealthyMs: startMs,
  startToHealthyAllMs: starts,
  idleRssMb,
  seed: { ms: seeded.ms, rssMb: rssSeededMb },
  routes: routeResults,
  rssAfterLoadMb: rssAfterMb,
  rssAfterSettleMb: rssSettledMb,
  rssAfterDocsMb,
  rssAfterDashboardMb,
  dashboard: { bundle, paint: paint && Object.fromEntries(Object.entries(paint).map(([k, v]) => [k, { median: median(v), all: v }])) },
  rateLimiterHitNs: limiter,
  deployOverheadMs: deployMs ? { median: median(deployMs), all: deployMs } : null,
  rollbackMs: rollbackMs ? { median: median(rollbackMs), all: rollbackMs } : null,
  redeployStartFirstMs: redeploys ? { median: median(redeploys.startFirstMs), all: redeploys.startFirstMs } : null,
  doneToOnlyNewReleaseMs: redeploys ? { max: Math.max(...redeploys.onlyNewAfterDoneMs), all: redeploys.onlyNewAfterDoneMs } : null,
  redeployStopFirstMs: redeploys ? { median: median(redeploys.stopFirstMs), all: redeploys.stopFirstMs } : null,
  clusterDeployMs: typeof cluster === 'string' ? null : { oneNode: { median: median(cluster.oneNodeMs), all: cluster.oneNodeMs }, threeNodes: { median: median(cluster.threeNodesMs), all: cluster.threeNodesMs } },
  pushToServedMs: pushRuns ? Object.fromEntries(Object.entries(pushRuns).map(([kind, runs]) => [kind, { median: median(runs.map((r) => r.ms)), runs }])) : null,
};

const m = results.machine;
console.log(`\nBerth benchmark — node ${m.node}, ${m.cpus} × ${m.cpu}; server: node ${serverNodeFlags.join(' ')} dist/main.js; client: autocannon in another process on the same machine`);
console.log(`Loopback, ${CONNECTIONS} connections, ${DURATION_S} s per route (reads after ${WARM_UP_S} s of warm-up, not counted), ${PROJECTS} projects / ${APPS} applications seeded through the API.`);
console.log(`Load average (1 min) ${results.loadAverage.before} before, ${results.loadAverage.after} after: other work on the machine slows every figure.`);
console.log(`Rate limit set to BERTH_RATE_LIMIT=${RATE_LIMIT}/min, far above this load: the limiter runs on every request but refuses none.\n`);
const w1 = [26, 12, 14, 6];
console.log(pad(['measure', 'value', 'target', ''], w1));
console.log(pad(['start → healthy (median/5)', `${results.startToHealthyMs} ms`, `≤ ${startTarget} ms`, mark(results.startToHealthyMs <= startTarget)], w1));
console.log(pad(['idle RSS', `${idleRssMb} MB`, `≤ ${rssTarget} MB`, mark(idleRssMb <= rssTarget)], w1));
console.log(pad(['RSS after seeding', `${rssSeededMb} MB`, '', ''], w1));
console.log(pad(['RSS after load', `${rssAfterMb} MB`, '', ''], w1));
console.log(pad(['RSS after 5 s settle', `${rssSettledMb} MB`, '', ''], w1));
console.log(pad(['RSS after /api/docs', `${rssAfterDocsMb} MB`, '', ''], w1));
console.log(pad(['RSS after the dashboard', `${rssAfterDashboardMb} MB`, '', ''], w1));
const bundleTarget = 150;
console.log(pad(['dashboard initial JS (gzip)', `${bundle.initialJsGzipKb} KB`, `≤ ${bundleTarget} KB`, mark(bundle.initialJsGzipKb <= bundleTarget)], w1) + `  CSS ${bundle.initialCssGzipKb} KB; all JS incl. lazy chunks ${bundle.allJsGzipKb} KB`);
if (paint) {
  console.log(pad([`first paint, sign-in (median/${PAINT_RUNS})`, `${median(paint.signInFcpMs)} ms`, '', ''], w1));
  console.log(pad([`first paint, overview (median/${PAINT_RUNS})`, `${median(paint.overviewFcpMs)} ms`, '', ''], w1) + `  ${PROJECTS} projects listed at ${median(paint.overviewListedMs)} ms`);
} else console.log('dashboard first paint: not measured (no chromium: run scripts/test-env.sh as root)');
console.log(pad([`seeding (${PROJECTS + APPS} POSTs)`, `${seeded.ms} ms`, '', ''], w1));
// The budget every change keeps: deploy → done ≤ 1.0 s for a prebuilt image.
const deployTarget = 1000;
if (deployMs) console.log(pad([`deploy → done (median/${DEPLOY_RUNS})`, `${median(deployMs)} ms`, `≤ ${deployTarget} ms`, mark(median(deployMs) <= deployTarget)], w1));
else console.log('deploy overhead: not measured (no test environment: run scripts/test-env.sh as root)');
const rollbackTarget = 5000;
if (rollbackMs) console.log(pad([`rollback → done (median/${ROLLBACKS})`, `${median(rollbackMs)} ms`, `< ${rollbackTarget} ms`, mark(median(rollbackMs) < rollbackTarget)], w1));
if (redeploys) {
  const lingering = Math.max(...redeploys.onlyNewAfterDoneMs);
  const stopFirstTarget = 5000;
  console.log(pad([`redeploy → done, start-first (median/${REDEPLOYS})`, `${median(redeploys.startFirstMs)} ms`, '', ''], w1));
  console.log(pad([`done → only new release answers (max/${REDEPLOYS})`, `${lingering} ms`, '0 ms', mark(lingering === 0)], w1));
  console.log(pad([`redeploy → done, stop-first (median/${REDEPLOYS})`, `${median(redeploys.stopFirstMs)} ms`, `< ${stopFirstTarget} ms`, mark(median(redeploys.stopFirstMs) < stopFirstTarget)], w1));
}
for (const [kind, runs] of Object.entries(pushRuns ?? {})) {
  const stages = Object.keys(runs[0].stages).map((st) => `${st} ${median(runs.map((r) => r.stages[st as keyof PushRun['stages']]))}`).join(', ');
  console.log(pad([`git push → served, ${kind} (median/${PUSHES})`, `${median(runs.map((r) => r.ms))} ms`, '', ''], w1) + `  stage medians (ms): ${stages}`);
}
printCluster(cluster, w1);
console.log('');
const w2 = [24, 8, 7, 7, 7, 8, 28, 6];
console.log(pad(['route', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'target', ''], w2));
for (const r of routeResults) console.log(pad([r.route, r.reqPerSec, r.p50Ms, r.p99Ms, r.errors, r.non2xx, r.target, mark(r.met)], w2));
const nsPerRequest = 1e9 / routeResults[0].reqPerSec;
console.log(
  `\nRate limiter (micro-benchmark of RateLimiter.hit, because it cannot be switched off): ${limiter.oneKeyNs} ns per hit with one token, ` +
    `${limiter.tenThousandKeysNs} ns across 10,000 clients; at the measured application.one rate a request takes ${(nsPerRequest / 1000).toFixed(0)} µs, ` +
    `so the limiter is ${((limiter.oneKeyNs / nsPerRequest) * 100).toFixed(2)} % of it.`,
);

fs.mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `${stamp}.json`);
fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
console.log(`\nWritten to ${path.relative(root, file)}`);

if (template) {
  // Start-up on an empty directory, then each route alone on a fresh copy of the seeded one.
  const startDir = path.join(profileRoot, 'start');
  await stopServer(await startServer(tempDir(), startDir));
  console.log(`\n=== start-up (spawn → healthy → SIGTERM) ===\n${summarizeProfile(startDir)}`);
  for (const route of routes) {
    const dir = path.join(profileRoot, slug(route.name));
    const p = await startServer(snapshot(template), dir);
    const r = await cannon(p, route, seeded);
    await stopServer(p);
    console.log(`\n=== ${route.name} under the profiler: ${r.reqPerSec} req/s, p99 ${r.p99Ms} ms ===\n${summarizeProfile(dir)}`);
  }
  fs.rmSync(template, { recursive: true, force: true });
  console.log(`\nProfiles in ${path.relative(root, profileRoot)} (open in Chrome DevTools › Performance).`);
}
