import type { Config } from '../config.js';
import type { AppHealth } from '../model/app-health.js';
import type { BerthEvent, Notify } from '../model/events.js';
import type { Store } from '../store/index.js';
import type { OutboxSender } from './sender.js';
import type { Watch } from './watch.js';

export interface NotifierDeps {
  config: Config;
  store: Store;
  version: string;
  /** A deployed application's health (Docker), for `application.unhealthy`. */
  health(appName: string): Promise<AppHealth>;
  warn(message: string, err?: unknown): void;
}

export interface Notifier {
  /** Queues an event for every channel subscribed to it. Never throws, never waits. */
  notify: Notify;
  /** Ends what a previous run left mid-send, starts sending, and reports this start (`server.restarted`). */
  start(): void;
  stop(): Promise<void>;
}

/** Where message links point: BERTH_PUBLIC_URL, else this server's address as Berth knows it. */
export function publicUrlOf(config: Config): string {
  return config.notify.publicUrl || `http://${config.domains.serverIp || 'localhost'}:${config.port}`;
}

/**
 * Notifications: events go into the outbox (in the caller's transaction where there is
 * one); a sender drains it. With no channel configured nothing is loaded and nothing runs
 * but one timer that asks SQLite whether a channel wants the periodic checks.
 */
export function createNotifier(deps: NotifierDeps): Notifier {
  const { store, config } = deps;
  let sender: Promise<OutboxSender> | undefined;
  let watch: Promise<Watch> | undefined;
  let checkTimer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let checking = false;

  const notify: Notify = (event: BerthEvent) => {
    try {
      store.outbox.enqueue(event);
    } catch (err) {
      deps.warn(`could not queue the ${event.type} notification`, err);
    }
  };

  function kick() {
    sender ??= import('./sender.js').then(
      ({ OutboxSender }) => new OutboxSender({ outbox: store.outbox, settings: config.notify, publicUrl: publicUrlOf(config), warn: (m) => deps.warn(m) }),
    );
    void sender.then((s) => s.kick()).catch((err) => deps.warn('notifications: the sender failed', err));
  }

  async function check() {
    const wantsHealth = store.outbox.wanted('appBuildError');
    const wantsThreshold = store.outbox.wanted('serverThreshold');
    if (!wantsHealth && !wantsThreshold) return;
    watch ??= import('./watch.js').then(
      ({ Watch }) => new Watch({ store, settings: config.notify, health: deps.health, notify, sampleIntervalMs: config.monitoring.intervalMs }),
    );
    const w = await watch;
    if (wantsThreshold) w.checkThresholds();
    if (wantsHealth) await w.checkHealth();
  }

  return {
    notify,
    start() {
      unsubscribe = store.outbox.onEnqueued(kick);
      if (store.outbox.hasWork()) {
        const stuck = store.outbox.recoverSending();
        if (stuck) deps.warn(`notifications: ${stuck} message(s) were being sent when Berth stopped; not sent again (see notification.one)`);
        if (store.outbox.nextDue() !== undefined) kick();
      }
      notify({ type: 'server.restarted', version: deps.version, at: new Date().toISOString() });
      checkTimer = setInterval(() => {
        if (checking) return;
        checking = true;
        check()
          .catch((err) => deps.warn('notifications: a periodic check failed', err))
          .finally(() => (checking = false));
      }, config.notify.checkIntervalMs);
      checkTimer.unref();
    },
    async stop() {
      clearInterval(checkTimer);
      unsubscribe?.();
      await (await sender?.catch(() => undefined))?.stop();
    },
  };
}
