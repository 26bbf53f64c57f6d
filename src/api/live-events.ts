import type { Containers } from '../docker/containers.js';
import {
  applicationChanges,
  deploymentChanges,
  healthView,
  NOT_DEPLOYED,
  wants,
  type ApplicationEvent,
  type DeploymentEvent,
  type EventFilter,
  type HealthView,
} from '../model/live-events.js';
import type { Store } from '../store/index.js';
import type { LiveApplication } from '../store/live-states.js';

export interface LiveTiming {
  /** How often the database's version is compared (a single pragma read). */
  tickMs: number;
  /** How often Docker is asked how the wanted applications' services are doing. */
  healthMs: number;
}

const TIMING: LiveTiming = { tickMs: 1000, healthMs: 3000 };
/** Deployments that started or ended this long before the last look are read again: rows written during a look are not missed. */
const OVERLAP_MS = 2000;

export type Send = { (event: 'application', data: ApplicationEvent): void; (event: 'deployment', data: DeploymentEvent): void };

interface Subscriber {
  filter: EventFilter;
  send: Send;
  /** Set once it has had the current state: changes before that are in its snapshot. */
  ready: boolean;
}

/**
 * The changes every open `GET /api/events` stream shares. Nothing runs while no stream is
 * open; with one, a timer compares the database's version each tick and, only when it moved,
 * reads applications and live deployments and sends what differs; Docker is asked about the
 * services of wanted applications every few seconds. The last stream to close stops it all
 * and forgets the state.
 */
export class LiveEvents {
  private subscribers = new Set<Subscriber>();
  private timer?: NodeJS.Timeout;
  private version = '';
  private apps = new Map<string, LiveApplication>();
  /** By application id, for applications with a service, once read. */
  private health = new Map<string, HealthView>();
  private sent = new Map<string, ApplicationEvent>();
  private deployments = new Map<string, DeploymentEvent>();
  private since = '';
  private healthAt = 0;
  private reading?: Promise<void>;

  constructor(
    private readonly store: Pick<Store, 'dataVersion' | 'live'>,
    private readonly containers: Pick<Containers, 'health'>,
    private readonly onError: (err: unknown) => void,
    private readonly timing: LiveTiming = TIMING,
  ) {}

  /** Streams open now. */
  get streams(): number {
    return this.subscribers.size;
  }

  /**
   * Adds a stream: it is sent the current state of each application it wants, then every
   * change. Returns what removes it again.
   */
  async subscribe(filter: EventFilter, send: Send): Promise<() => void> {
    const sub: Subscriber = { filter, send, ready: false };
    this.subscribers.add(sub);
    const remove = () => this.unsubscribe(sub);
    try {
      if (!this.timer) this.start();
    } catch (err) {
      remove();
      throw err;
    }
    await this.readHealth();
    if (!this.subscribers.has(sub)) return remove;
    for (const e of this.sent.values()) if (wants(filter, this.apps.get(e.applicationId))) send('application', e);
    sub.ready = true;
    return remove;
  }

  private unsubscribe(sub: Subscriber): void {
    this.subscribers.delete(sub);
    if (this.subscribers.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.version = '';
    this.apps.clear();
    this.health.clear();
    this.sent.clear();
    this.deployments.clear();
  }

  private start(): void {
    this.since = new Date(Date.now() - OVERLAP_MS).toISOString();
    this.version = this.store.dataVersion();
    this.look(false);
    this.timer = setInterval(() => this.tick(), this.timing.tickMs).unref();
  }

  private tick(): void {
    try {
      const version = this.store.dataVersion();
      if (version !== this.version) {
        this.version = version;
        this.look(true);
      }
      if (Date.now() - this.healthAt >= this.timing.healthMs) void this.readHealth();
    } catch (err) {
      this.onError(err);
    }
  }

  /** Reads the rows; sends what changed (`emit` false: the first look only sets what is known). */
  private look(emit: boolean): void {
    const since = this.since;
    this.since = new Date(Date.now() - OVERLAP_MS).toISOString();
    this.apps = new Map(this.store.live.applications().map((a) => [a.applicationId, a]));
    const rows = this.store.live.deployments(since);
    const changed = emit ? deploymentChanges(this.deployments, rows) : [];
    this.deployments = new Map(rows.map((d) => [d.deploymentId, d]));
    for (const d of changed) this.emit(d.applicationId, (s) => s.send('deployment', d));
    this.publish();
  }

  /** Sends each application whose status or health differs from what was last sent. */
  private publish(): void {
    const now: ApplicationEvent[] = [];
    for (const a of this.apps.values()) {
      const health = a.serviceName ? this.health.get(a.applicationId) : NOT_DEPLOYED;
      // a service not read yet is sent once Docker has answered
      if (health) now.push({ applicationId: a.applicationId, environmentId: a.environmentId, applicationStatus: a.applicationStatus, health });
    }
    for (const id of this.sent.keys()) if (!this.apps.has(id)) this.sent.delete(id);
    for (const e of applicationChanges(this.sent, now)) {
      this.sent.set(e.applicationId, e);
      this.emit(e.applicationId, (s) => s.send('application', e));
    }
  }

  private emit(applicationId: string, send: (s: Subscriber) => void): void {
    const app = this.apps.get(applicationId);
    for (const s of this.subscribers) if (s.ready && wants(s.filter, app)) send(s);
  }

  /** One read of Docker at a time, shared by every stream. */
  private readHealth(): Promise<void> {
    return (this.reading ??= this.readHealthOnce()
      .catch(this.onError)
      .finally(() => (this.reading = undefined)));
  }

  private async readHealthOnce(): Promise<void> {
    this.healthAt = Date.now();
    const wanted = [...this.apps.values()].filter((a) => a.serviceName && [...this.subscribers].some((s) => wants(s.filter, a)));
    const read = await Promise.all(wanted.map(async (a) => [a.applicationId, healthView(await this.containers.health(a.serviceName!))] as const));
    if (!this.timer) return; // every stream closed meanwhile
    for (const [id, h] of read) this.health.set(id, h);
    this.publish();
  }
}
