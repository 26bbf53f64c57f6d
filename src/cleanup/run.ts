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
  type KindReport,
  type Removal,
} from '../model/cleanup.js';
import type { Store } from '../store/index.js';

/** The event a finished cleanup reports (the lead's BerthEvent union has the same variant). */
export type CleanupDoneEvent = { type: 'cleanup.done'; freedBytes: number; detail: string; at: string };

export interface CleanupDeps {
  store: Store;
  engine: CleanupEngine;
  policy: CleanupPolicy;
  log(line: string): void;
  notify?: (event: CleanupDoneEvent) => void;
  now?: () => number;
}

/**
 * Runs Docker cleanups on this engine, one at a time (a daily run and a manual one never
 * interleave). Order: stopped containers first (they hold images and volumes), then, from a
 * fresh look at the engine, images and volumes, then the build cache. Every removal the engine
 * refuses is reported, never thrown; what was freed goes into the answer, a log line and a
 * `cleanup.done` event.
 */
export class DockerCleanup {
  private queue: Promise<unknown> = Promise.resolve();
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

  async diskUsage(): Promise<DiskUsageRow[]> {
    return diskUsageRows(await this.deps.engine.diskUsage());
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
    const { engine, policy } = this.deps;
    const now = this.deps.now ?? Date.now;
    const startedAt = new Date(now()).toISOString();
    const report: Partial<Record<CleanupKind, KindReport>> = {};

    if (kinds.has('containers')) report.containers = await removeEach(containersToRemove(await engine.diskUsage(), policy, now()), (r) => engine.removeContainer(r.id));
    if (kinds.has('images') || kinds.has('volumes')) {
      const [df, needs] = await Promise.all([engine.diskUsage(), this.needs()]);
      if (kinds.has('images')) report.images = await removeEach(imagesToRemove(df, needs, policy, now()), removeRefs(engine));
      if (kinds.has('volumes')) report.volumes = await removeEach(volumesToRemove(df, needs, policy), (r) => engine.removeVolume(r.id));
    }
    if (kinds.has('buildCache')) {
      const pruned = await engine.pruneBuildCache(policy.buildCacheKeepBytes).then(
        (p) => ({ ...p, failed: [] }),
        (err: Error) => ({ removed: 0, freedBytes: 0, failed: [{ name: 'build cache', error: err.message }] }),
      );
      report.buildCache = pruned;
    }

    const done: CleanupReport = {
      freedBytes: Object.values(report).reduce((s, r) => s + r.freedBytes, 0),
      startedAt,
      finishedAt: new Date(now()).toISOString(),
      ...report,
    };
    const detail = cleanupDetail(done);
    this.deps.log(`Docker cleanup: ${detail}`);
    this.deps.notify?.({ type: 'cleanup.done', freedBytes: done.freedBytes, detail, at: done.finishedAt });
    return done;
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
