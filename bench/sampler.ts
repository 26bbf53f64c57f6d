// `npm run bench:sampler [-- --apps 50 --seconds 60]`: what always-on metrics cost. Starts Berth
// in this process (its own sampler parked), creates N applications and a `sleep`ing busybox
// Swarm service for each, then runs one sampler at the default 10 s interval for a minute
// and reports the CPU this process spent (nothing else runs in it meanwhile), the engine's
// CPU over the same minute, and the database bytes per application per day, from the
// page counts of the sample table and its index. Every service it created is removed.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { startBerth } from '../src/berth.js';
import { loadConfig } from '../src/config.js';
import { createSampler } from '../src/monitoring/index.js';
import { BUCKET_MS, RAW_WINDOW_MS } from '../src/store/metrics.js';

const run = promisify(execFile);
const { values: flags } = parseArgs({ options: { apps: { type: 'string', default: '50' }, seconds: { type: 'string', default: '60' } } });
const APPS = Number(flags.apps);
const SECONDS = Number(flags.seconds);
const INTERVAL_MS = 10_000;
const DOCKER = fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const RUN = `bs${randomBytes(3).toString('hex')}`;
const DAY_MS = 24 * 3_600_000;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-sampler-'));
const token = `berth_bench_${randomBytes(16).toString('hex')}`;
const config = loadConfig({ BERTH_DATA_DIR: dataDir, BERTH_PORT: '0', BERTH_HOST: '127.0.0.1', BERTH_ADMIN_TOKEN: token, BERTH_LOG_LEVEL: 'fatal', BERTH_METRICS_INTERVAL_MS: String(DAY_MS) });
const berth = await startBerth(config, () => {});
const services: string[] = [];

async function call(proc: string, body: unknown) {
  const res = await fetch(`${berth.url}/api/${proc}`, { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${proc}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Jiffies dockerd spent (user + system), from /proc. */
async function dockerdTicks(): Promise<number | undefined> {
  try {
    const { stdout } = await run('pidof', ['dockerd']);
    const stat = fs.readFileSync(`/proc/${stdout.trim().split(/\s+/)[0]}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

async function cleanUp() {
  for (let i = 0; i < services.length; i += 10) await run(DOCKER, ['service', 'rm', ...services.slice(i, i + 10)]).catch(() => {});
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void cleanUp().finally(() => process.exit(130)));

try {
  const { environment } = await call('project.create', { name: `bench-${RUN}` });
  for (let i = 0; i < APPS; i++) {
    const app = await call('application.create', { name: `${RUN}-${i}`, environmentId: environment.environmentId });
    services.push(app.appName);
    await run(DOCKER, ['service', 'create', '-d', '--name', app.appName, '--endpoint-mode', 'dnsrr', 'busybox:latest', 'sleep', '86400']);
  }
  process.stdout.write(`waiting for ${APPS} services to run…`);
  for (;;) {
    const { stdout } = await run(DOCKER, ['ps', '--format', '{{.Label "com.docker.swarm.service.name"}}']);
    const n = stdout.split('\n').filter((name) => services.includes(name)).length;
    if (n >= APPS) break;
    await sleep(1000);
  }
  console.log(' running');

  const sampler = createSampler({ ...config, monitoring: { ...config.monitoring, intervalMs: INTERVAL_MS } }, berth.store, (m, e) => console.error(m, e));
  // a first tick loads dockerode and primes each container's CPU counters: not measured
  await sampler.tick();
  const ticks: number[] = [];
  const tick = sampler.tick.bind(sampler);
  sampler.tick = async () => {
    const t = performance.now();
    await tick();
    ticks.push(performance.now() - t);
  };
  const cpu0 = process.cpuUsage();
  const d0 = await dockerdTicks();
  sampler.start();
  await sleep(SECONDS * 1000);
  await sampler.stop();
  const cpu = process.cpuUsage(cpu0);
  const d1 = await dockerdTicks();

  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`\nsampler, ${APPS} applications, interval ${INTERVAL_MS / 1000} s, ${SECONDS} s measured (${ticks.length} ticks)`);
  console.log(`  CPU of this process: ${ms(cpuMs)} = ${((cpuMs / (SECONDS * 1000)) * 100).toFixed(2)} % of one core; ${ms(cpuMs / Math.max(1, ticks.length))} per tick`);
  console.log(`  tick wall time: ${ticks.map((t) => ms(t)).join(', ')}`);
  if (d0 !== undefined && d1 !== undefined) {
    const hz = 100; // USER_HZ on Linux
    console.log(`  dockerd CPU meanwhile (all its work, stats collection included): ${(((d1 - d0) / hz / SECONDS) * 100).toFixed(2)} % of one core`);
  }

  // A minute fills a few pages only: measure a week of one application's samples instead,
  // copies of its latest real sample every interval, before and after the retention pass.
  const sql = berth.store.db.$client;
  const metrics = berth.store.metrics;
  const pageBytes = () =>
    (sql.prepare(`SELECT sum(pgsize) AS b FROM dbstat WHERE name IN ('app_metric', 'app_metric_series_time_idx')`).get() as { b: number }).b;
  const series = metrics.seriesOf(services[0])!;
  const real = metrics.appSeries(series, 0, Date.now()).at(-1)!;
  const now = Date.now();
  const week = config.monitoring.retentionDays * DAY_MS;
  const empty = pageBytes();
  const rows = [];
  for (let t = now - week; t < now; t += INTERVAL_MS) rows.push({ ...real, ...series, time: t });
  metrics.record(rows, undefined);
  const raw = pageBytes() - empty;
  metrics.applyRetention(now, config.monitoring.retentionDays);
  const kept = metrics.appSeries(series, 0, now).length;
  const steady = pageBytes() - empty;
  const perRow = raw / rows.length;
  console.log(`  database, one application, ${config.monitoring.retentionDays} days at ${INTERVAL_MS / 1000} s: ${rows.length} rows = ${(raw / 1024).toFixed(0)} KiB in pages (table + index), ${perRow.toFixed(0)} bytes per row`);
  console.log(`  after the retention pass: ${kept} rows (24 h raw + 5-minute averages) = ${(steady / 1024).toFixed(0)} KiB per application, steady state`);
  console.log(`  growth per application per day: ${((perRow * (DAY_MS / INTERVAL_MS)) / 1024).toFixed(0)} KiB while in the raw 24 h window, ${((perRow * (DAY_MS / BUCKET_MS)) / 1024).toFixed(1)} KiB per day kept after it (${DAY_MS / BUCKET_MS} rows); flat once retention is reached (${RAW_WINDOW_MS / 3_600_000} h raw)`);
} finally {
  await cleanUp();
  await berth.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
