import type { CleanupEngine } from '../docker/cleanup.js';
import {
  cleanupDetail,
  containersToRemove,
  diskUsageRows,
  imagesToRemove,
  volumesToRemove,
  type CleanupKind,
  type CleanupNeeds,
  type CleanupPolicy,
  type CleanupReport,
  type DiskUsageRow,
  freedBy,
  type KindReport,
  type KindReports,
  type NodeReport,
  type Removal,
} from '../model/cleanup.js';
import type { Store } from '../store/index.js';

const USAGE_TTL_MS = 5_000;

/** The event a finished cleanup reports (the lead's BerthEvent union has the same variant). */
export type CleanupDoneEvent = { type: 'cleanup.done'; freedBytes: number; detail: string; at: string };

export interface CleanupDeps {
  store: Store;
  engine: CleanupEngine;
  policy: CleanupPolicy;
  log(line: string): void;
  notify?: (event: CleanupDoneEvent) => void;
  /** The Swarm's other nodes whose engines Berth reaches: cleaned after this one, with the same needs. */
  nodes?: () => Promise<{ hostname: string; engine: CleanupEngine }[]>;
  now?: () => number;
}

/**
 * Runs Docker cleanups on this engine and then on the other nodes Berth reaches, one cleanup
 * at a time (a scheduled run and a manual one never interleave). What Berth needs is read
 * once per run, from its database and the Swarm's services, and holds on every node. Every
 * removal an engine refuses is reported, never thrown; what was freed goes into the answer, a
 * log line and a `cleanup.done` event.
 */
export class DockerCleanup {
  private queue: Promise<unknown> = Promise.resolve();
  private usage?: { at: number; rows: Promise<DiskUsageRow[]> };
  constructor(private readonly deps: CleanupDeps) {}

  run(kinds: readonly CleanupKind[]): Promise<CleanupReport> {
    const next = this.queue.then(() => this.runNow(new Set(kinds)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves once no cleanup is running or waiting. */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** `docker system df`; one answer serves the calls of a few seconds (the engine takes seconds to size everything). */
  diskUsage(): Promise<DiskUsageRow[]> {
    const now = (this.deps.now ?? Date.now)();
    if (!this.usage || now - this.usage.at > USAGE_TTL_MS) {
      const rows = this.deps.engine.diskUsage().then(diskUsageRows);
      this.usage = { at: now, rows };
      rows.catch(() => this.usage?.rows === rows && (this.usage = undefined));
    }
    return this.usage.rows;
  }

  /** What Berth needs kept, from its database and the engine's services. */
  private async needs(): Promise<CleanupNeeds> {
    const { store, engine } = this.deps;
    const services = await engine.serviceNeeds();
    return {
      images: [...store.rollbacks.images(), ...store.deployments.liveImages(), ...services.images],
      busyApps: store.deployments.pending().map((p) => p.appName),
      volumes: [...store.mounts.volumeNames(), ...services.volumes],
    };
  }

  private async runNow(kinds: Set<CleanupKind>): Promise<CleanupReport> {
    const now = this.deps.now ?? Date.now;
    const startedAt = new Date(now()).toISOString();
    const needs = kinds.has('images') || kinds.has('volumes') ? await this.needs() : undefined;
    const local = await this.clean(this.deps.engine, kinds, needs);
    const nodes: NodeReport[] = [];
    const others = await Promise.resolve(this.deps.nodes?.() ?? []).catch((err: Error) => {
      this.deps.log(`Docker cleanup: the Swarm's nodes could not be listed, only this engine was cleaned: ${err.message}`);
      return [];
    });
    for (const n of others) {
      // one node's failure (its engine down) is its line of the report, not the end of the run
      nodes.push(
        await this.clean(n.engine, kinds, needs).then(
          (r) => ({ node: n.hostname, freedBytes: freedBy(r), ...r }),
          (err: Error) => ({ node: n.hostname, freedBytes: 0, error: err.message }),
        ),
      );
    }
    const done: CleanupReport = {
      freedBytes: freedBy(local) + nodes.reduce((s, n) => s + n.freedBytes, 0),
      startedAt,
      finishedAt: new Date(now()).toISOString(),
      ...local,
      ...(nodes.length ? { nodes } : {}),
    };
    this.usage = undefined;
    const detail = cleanupDetail(done);
    this.deps.log(`Docker cleanup: ${detail}`);
    this.deps.notify?.({ type: 'cleanup.done', freedBytes: done.freedBytes, detail, at: done.finishedAt });
    return done;
  }

  /** One engine: its stopped containers first (they hold images and volumes), then from a fresh look its images and volumes, then its build cache. */
  private async clean(engine: CleanupEngine, kinds: Set<CleanupKind>, needs: CleanupNeeds | undefined): Promise<KindReports> {
    const { policy } = this.deps;
    const now = this.deps.now ?? Date.now;
    const report: KindReports = {};
    if (kinds.has('containers')) report.containers = await removeEach(containersToRemove(await engine.diskUsage(), policy, now()), (r) => engine.removeContainer(r.id));
    if (needs) {
      const df = await engine.diskUsage();
      if (kinds.has('images')) report.images = await removeEach(imagesToRemove(df, needs, policy, now()), removeRefs(engine));
      if (kinds.has('volumes')) report.volumes = await removeEach(volumesToRemove(df, needs, policy), (r) => engine.removeVolume(r.id));
    }
    if (kinds.has('buildCache'))
      report.buildCache = await engine.pruneBuildCache(policy.buildCacheKeepBytes).then(
        (p) => ({ ...p, failed: [] }),
        (err: Error) => ({ removed: 0, freedBytes: 0, failed: [{ name: 'build cache', error: err.message }] }),
      );
    return report;
  }
}

/** An image goes by each of its references, in order; the last one removes it. */
const removeRefs = (engine: CleanupEngine) => async (r: Removal) => {
  for (const ref of r.refs) await engine.removeImageRef(ref);
};

async function removeEach(plan: Removal[], remove: (r: Removal) => Promise<void>): Promise<KindReport> {
  const out: KindReport = { removed: 0, freedBytes: 0, failed: [] };
  for (const r of plan) {
    try {
      await remove(r);
      out.removed++;
      out.freedBytes += r.bytes;
    } catch (err) {
      out.failed.push({ name: r.name, error: (err as Error).message });
    }
  }
  return out;
}
