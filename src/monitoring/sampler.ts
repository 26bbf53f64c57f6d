import { setMaxListeners } from 'node:events';
import type { AppMetricRow, ServerMetricRow } from '../store/schema.js';
import type { Store } from '../store/index.js';
import { BUCKET_MS, type NodeSample } from '../store/metrics.js';
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

type Sampled = { figures: ContainerFigures; cpuPercent: number | undefined };

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
    const sampled = await this.report('application metrics', () => this.sampleApps(signal));
    const rootDir = await this.report('Docker root dir', () => this.deps.source.localRootDir());
    const server = await this.report('server metrics', async () => this.serverRow(await this.deps.readHost(rootDir)));
    if (signal.aborted) return;
    await this.report('recording metrics', async () => {
      // the nodes' figures share the server sample's time, so a point carries both
      const nodeTime = server?.time ?? this.now();
      this.deps.metrics.record(sampled?.apps ?? [], server, (sampled?.nodes ?? []).map((n) => ({ ...n, time: nodeTime })));
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

  /**
   * The task containers of every application on every node Berth reaches (its own engine,
   * and each node's at its `berth.engine` label), each application's summed into one
   * sample, and each node's summed into its figures.
   */
  private async sampleApps(signal: AbortSignal): Promise<{ apps: AppMetricRow[]; nodes: Omit<NodeSample, 'time'>[] }> {
    const { source, metrics } = this.deps;
    const series = metrics.seriesByName();
    const cluster = (await this.report('Swarm nodes', () => source.nodes(signal))) ?? { self: '', nodes: [] };
    const others = cluster.nodes.filter((n) => n.nodeId !== cluster.self && n.engine && n.state === 'ready');
    const [own, ...theirs] = await Promise.all([
      source.serviceContainers(signal),
      ...others.map((n) => this.report(`containers of node ${n.hostname}`, () => source.serviceContainers(signal, n))),
    ]);
    const reached = new Set([cluster.self, ...others.filter((_, i) => theirs[i] !== undefined).map((n) => n.nodeId)]);
    const unique = new Map([own, ...theirs].flatMap((l) => l ?? []).map((c) => [c.id, c]));
    const containers = [...unique.values()].filter((c) => series.has(c.service));
    const [stats, tasks] = containers.length
      ? await Promise.all([mapLimit(containers, STATS_CONCURRENCY, (c) => source.stats(c, signal)), source.tasks(signal)])
      : [[], []];
    const time = this.now();
    const restarts = restartsByService(tasks);
    const seen = new Map<string, CpuCounters>();
    const byApp = new Map<string, { serviceId: string; list: Sampled[] }>();
    const byNode = new Map<string, Sampled[]>();
    containers.forEach((c, i) => {
      if (!stats[i]) return;
      const figures = containerFigures(stats[i]);
      if (figures.cpu) seen.set(c.id, figures.cpu);
      const sampled = { figures, cpuPercent: cpuPercent(this.prevCpu.get(c.id), figures.cpu) };
      const entry = byApp.get(c.service) ?? { serviceId: c.serviceId, list: [] };
      entry.list.push(sampled);
      byApp.set(c.service, entry);
      byNode.set(c.node, [...(byNode.get(c.node) ?? []), sampled]);
    });
    this.prevCpu = seen; // containers gone since are forgotten
    const apps = [...byApp].map(([appName, { serviceId, list }]) => ({
      ...series.get(appName)!,
      time,
      ...sumContainers(list),
      restarts: restarts.get(serviceId) ?? 0,
    }));
    const nodes = cluster.nodes.map((n) => {
      const sum = reached.has(n.nodeId) ? sumContainers(byNode.get(n.nodeId) ?? []) : undefined;
      return { nodeId: n.nodeId, hostname: n.hostname, cpus: n.cpus, memoryTotal: n.memoryBytes, tasks: sum?.tasks ?? null, cpu: sum ? (sum.tasks ? sum.cpu : 0) : null, memoryUsed: sum?.memoryUsed ?? null };
    });
    return { apps, nodes };
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
