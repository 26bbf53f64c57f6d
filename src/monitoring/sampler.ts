import { setMaxListeners } from 'node:events';
import type { AppMetricRow, ServerMetricRow } from '../store/schema.js';
import type { Store } from '../store/index.js';
import { BUCKET_MS } from '../store/metrics.js';
import { containerFigures, cpuPercent, sumContainers, type ContainerFigures, type CpuCounters } from './container-stats.js';
import type { StatsSource } from '../docker/stats-source.js';
import type { HostReading } from './host-source.js';
import { hostCpuPercent, type HostCpuTimes } from './host-stats.js';
import { restartsByService } from './restarts.js';

/** Stats reads in flight at once: each waits for the engine's next 1 s collection. */
const STATS_CONCURRENCY = 64;

export interface SamplerDeps {
  metrics: Store['metrics'];
  source: StatsSource;
  readHost(dockerRootDir: string | undefined): Promise<HostReading>;
  intervalMs: number;
  retentionDays: number;
  /** Where a failing tick is reported (once per distinct failure, not every interval). */
  warn(message: string, err?: unknown): void;
  now?: () => number;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Samples the running task containers of every application and preview (each its own
 * series) and the host on a fixed interval, whether or not anyone is looking, and keeps
 * the store within its retention. The first tick comes one interval after start, so
 * start-up does no Docker work.
 */
export class Sampler {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopped = false;
  /** Aborts the tick in flight on stop; one per tick, as every stats read listens on it. */
  private abort = new AbortController();
  /** Each container's CPU counters at the previous tick: one-shot reads carry no earlier frame. */
  private prevCpu = new Map<string, CpuCounters>();
  private prevHostCpu?: HostCpuTimes;
  private lastRetention = -Infinity;
  /** The last failure of each part of a tick, so a lasting one is reported once. */
  private readonly failing = new Map<string, string>();
  private readonly now: () => number;

  constructor(private readonly deps: SamplerDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    this.schedule(this.deps.intervalMs);
  }

  /** Stops the timer and waits for a tick in flight (its Docker reads are aborted). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.inFlight;
  }

  private schedule(delayMs: number) {
    this.timer = setTimeout(() => {
      const began = this.now();
      this.inFlight = this.tick().finally(() => {
        this.inFlight = undefined;
        // fixed rate while a tick fits in the interval; back to back when it does not
        if (!this.stopped) this.schedule(Math.max(0, this.deps.intervalMs - (this.now() - began)));
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One round: applications, then the host, then retention when a bucket has passed. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    setMaxListeners(STATS_CONCURRENCY + 8, signal);
    const apps = await this.report('application metrics', () => this.sampleApps(signal));
    const rootDir = await this.report('Docker root dir', () => this.deps.source.localRootDir());
    const server = await this.report('server metrics', async () => this.serverRow(await this.deps.readHost(rootDir)));
    if (signal.aborted) return;
    await this.report('recording metrics', async () => {
      this.deps.metrics.record(apps ?? [], server);
      const time = this.now();
      if (time - this.lastRetention >= BUCKET_MS) {
        this.deps.metrics.applyRetention(time, this.deps.retentionDays);
        this.lastRetention = time;
      }
    });
  }

  private async report<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await fn();
      this.failing.delete(what);
      return value;
    } catch (err) {
      if (this.abort.signal.aborted) return undefined;
      const message = (err as Error)?.message ?? String(err);
      if (this.failing.get(what) !== message) this.deps.warn(`monitoring: ${what} failed`, err);
      this.failing.set(what, message);
      return undefined;
    }
  }

  private async sampleApps(signal: AbortSignal): Promise<AppMetricRow[]> {
    const { source, metrics } = this.deps;
    const series = metrics.seriesByName();
    const containers = (await source.serviceContainers(signal)).filter((c) => series.has(c.service));
    if (containers.length === 0) {
      this.prevCpu.clear();
      return [];
    }
    const [stats, tasks] = await Promise.all([mapLimit(containers, STATS_CONCURRENCY, (c) => source.stats(c.id, signal)), source.tasks(signal)]);
    const time = this.now();
    const restarts = restartsByService(tasks);
    const seen = new Map<string, CpuCounters>();
    const byApp = new Map<string, { serviceId: string; list: { figures: ContainerFigures; cpuPercent: number | undefined }[] }>();
    containers.forEach((c, i) => {
      if (!stats[i]) return;
      const figures = containerFigures(stats[i]);
      if (figures.cpu) seen.set(c.id, figures.cpu);
      const entry = byApp.get(c.service) ?? { serviceId: c.serviceId, list: [] };
      entry.list.push({ figures, cpuPercent: cpuPercent(this.prevCpu.get(c.id), figures.cpu) });
      byApp.set(c.service, entry);
    });
    this.prevCpu = seen; // containers gone since are forgotten
    return [...byApp].map(([appName, { serviceId, list }]) => ({
      ...series.get(appName)!,
      time,
      ...sumContainers(list),
      restarts: restarts.get(serviceId) ?? 0,
    }));
  }

  private serverRow(host: HostReading): ServerMetricRow | undefined {
    const cpu = hostCpuPercent(this.prevHostCpu, host.cpu);
    this.prevHostCpu = host.cpu;
    if (!host.memory || !host.dataDisk) return undefined; // not a Linux host: nothing to plot
    return {
      time: this.now(),
      cpu: cpu ?? null,
      memoryUsed: host.memory.used,
      memoryTotal: host.memory.total,
      dataDiskUsed: host.dataDisk.used,
      dataDiskTotal: host.dataDisk.total,
      dockerDiskUsed: host.dockerDisk?.used ?? null,
      dockerDiskTotal: host.dockerDisk?.total ?? null,
      rss: host.rss,
    };
  }
}
