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
export class Watch {
  private failing = new Set<string>();
  private breached = new Set<Metric>();

  constructor(private readonly deps: WatchDeps) {}

  async checkHealth(): Promise<void> {
    const now = new Date().toISOString();
    const apps = this.deps.store.outbox.deployedApps();
    const seen = new Set<string>();
    for (const { applicationId, appName } of apps) {
      seen.add(applicationId);
      const health = await this.deps.health(appName).catch(() => undefined);
      if (!health || health.error) continue; // Docker not answering says nothing about the application
      const event = unhealthyEvent(applicationId, health, now);
      if (!event) this.failing.delete(applicationId);
      else if (!this.failing.has(applicationId)) {
        this.failing.add(applicationId);
        this.deps.notify(event);
      }
    }
    for (const id of this.failing) if (!seen.has(id)) this.failing.delete(id);
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
