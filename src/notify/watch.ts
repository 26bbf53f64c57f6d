import type { NotifySettings } from '../config.js';
import type { AppHealth } from '../model/app-health.js';
import type { Notify } from '../model/events.js';
import type { Store } from '../store/index.js';
import { thresholdEvents, type Metric } from './threshold.js';
import { unhealthyEvent } from './unhealthy.js';

export interface WatchDeps {
  store: Pick<Store, 'outbox' | 'metrics'>;
  settings: NotifySettings;
  /** A deployed application's health, from Docker (the one application.one shows). */
  health(appName: string): Promise<AppHealth>;
  notify: Notify;
  /** The sampler's interval: how far apart server samples are. */
  sampleIntervalMs: number;
}

/**
 * The periodic checks behind `application.unhealthy` and `server.threshold`, run by the
 * notifier only while a channel subscribes to them. Remembers what it already reported, so
 * a failure or a breach is one message until it ends.
 */
/** After a message about an application, the next waits until it has run this long without failing (a crash loop is one message). */
const QUIET_MS = 10 * 60_000;

interface Seen {
  /** The newest failed task's time at the last check. */
  exitAt: string | null;
  /** When a failure was last seen, and when the last message went. */
  failedAt?: number;
  notifiedAt?: number;
}

/**
 * The periodic checks behind `application.unhealthy` and `server.threshold`, run by the
 * notifier only while a channel subscribes to them. Remembers what it already reported, so
 * a failing application or a breach is one message until it is over.
 */
export class Watch {
  private apps = new Map<string, Seen>();
  private breached = new Set<Metric>();

  constructor(private readonly deps: WatchDeps) {}

  async checkHealth(): Promise<void> {
    const now = Date.now();
    const deployed = this.deps.store.outbox.deployedApps();
    const ids = new Set(deployed.map((a) => a.applicationId));
    // a redeployed (or deleted) application starts afresh
    for (const id of this.apps.keys()) if (!ids.has(id)) this.apps.delete(id);
    for (const { applicationId, appName } of deployed) {
      const health = await this.deps.health(appName).catch(() => undefined);
      if (!health || health.error) continue; // Docker not answering says nothing about the application
      const prev = this.apps.get(applicationId);
      const event = unhealthyEvent(applicationId, health, new Date(now).toISOString(), prev?.exitAt);
      const seen: Seen = { exitAt: health.lastExit?.at ?? null, failedAt: event ? now : prev?.failedAt, notifiedAt: prev?.notifiedAt };
      const quiet = prev?.notifiedAt === undefined || now - (prev.failedAt ?? 0) > QUIET_MS;
      if (event && quiet) {
        seen.notifiedAt = now;
        this.deps.notify(event);
      }
      this.apps.set(applicationId, seen);
    }
  }

  checkThresholds(): void {
    const { threshold } = this.deps.settings;
    const now = Date.now();
    // the set time, plus two samples' slack to find where the run began
    const points = this.deps.store.metrics.serverSeries(now - threshold.forSeconds * 1000 - 2 * this.deps.sampleIntervalMs, now);
    const { events, active } = thresholdEvents(points, threshold, this.breached);
    this.breached = active;
    events.forEach(this.deps.notify);
  }
}
