import type { NotifySettings } from '../config.js';
import type { BerthEvent } from '../model/events.js';

/** A server sample as the monitoring sampler stores it (store/metrics.ts). */
export interface ServerPoint {
  time: number;
  cpu: number | null;
  memoryUsed: number;
  memoryTotal: number;
  dataDiskUsed: number;
  dataDiskTotal: number;
  dockerDiskUsed: number | null;
  dockerDiskTotal: number | null;
}

export type Metric = 'cpu' | 'memory' | 'disk';
const metrics: Metric[] = ['cpu', 'memory', 'disk'];

const share = (used: number | null, total: number | null) => (used !== null && total ? (used / total) * 100 : null);

/** A sample's level of each metric in percent (disk: the fuller of the data and Docker disks); null when unknown. */
export function levelOf(p: ServerPoint, metric: Metric): number | null {
  if (metric === 'cpu') return p.cpu;
  if (metric === 'memory') return share(p.memoryUsed, p.memoryTotal);
  const disks = [share(p.dataDiskUsed, p.dataDiskTotal), share(p.dockerDiskUsed, p.dockerDiskTotal)].filter((v): v is number => v !== null);
  return disks.length ? Math.max(...disks) : null;
}

/**
 * Which metrics are over their level now and have been for the set time (pure): `points`
 * oldest first, the newest last. One alert per breach: a metric in `active` (already
 * alerted) stays quiet until a sample shows it back under its level, so an overloaded
 * server sends one message, not one per tick (Dokploy's agent sends one a minute).
 */
export function thresholdEvents(points: ServerPoint[], settings: NotifySettings['threshold'], active: ReadonlySet<Metric>): { events: BerthEvent[]; active: Set<Metric> } {
  const next = new Set(active);
  const events: BerthEvent[] = [];
  const latest = points.at(-1);
  if (!latest) return { events, active: next };
  for (const metric of metrics) {
    const level = settings[metric];
    const value = levelOf(latest, metric);
    if (level <= 0 || value === null || value <= level) {
      next.delete(metric);
      continue;
    }
    // the unbroken run of samples over the level that ends at the newest one
    let since = latest.time;
    for (let i = points.length - 1; i >= 0; i--) {
      const v = levelOf(points[i], metric);
      if (v === null || v <= level) break;
      since = points[i].time;
    }
    if (latest.time - since < settings.forSeconds * 1000 || next.has(metric)) continue;
    next.add(metric);
    events.push({ type: 'server.threshold', metric, value: Math.round(value * 10) / 10, threshold: level, forSeconds: Math.round((latest.time - since) / 1000), at: new Date(since).toISOString() });
  }
  return { events, active: next };
}
