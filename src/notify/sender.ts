import type { NotifySettings } from '../config.js';
import type { Store } from '../store/index.js';
import type { OutboxItem } from '../store/outbox.js';
import { messageOf } from './message.js';
import { retryAt } from './retry.js';
import { send } from './send.js';

/** Messages sent at once (each to its own provider, each with its own timeout). */
const BATCH = 8;
/** Finished messages are kept this long (notification.one shows the last error meanwhile). */
const KEEP_MS = 7 * 24 * 3600_000;

export interface SenderDeps {
  outbox: Store['outbox'];
  settings: NotifySettings;
  /** Where message links point (BERTH_PUBLIC_URL, or this server's address). */
  publicUrl: string;
  warn(message: string): void;
}

/**
 * Drains the outbox: claims due messages, sends each, and records the outcome — sent, or
 * failed with the provider's words and tried again after a doubling back-off until the
 * attempts run out. Nothing here runs inside a deployment: a slow or dead provider only
 * delays its own messages. While nothing is due, no timer is set.
 */
export class OutboxSender {
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private lastPrune = 0;

  constructor(private readonly deps: SenderDeps) {}

  /** Sends what is due now, and sets a timer for what is due later. */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.schedule();
    });
  }

  /** Aborts sends in flight (they are tried again on the next start) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.draining;
  }

  private schedule() {
    if (this.stopped) return;
    const next = this.deps.outbox.nextDue();
    if (next === undefined) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, next - Date.now()));
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = this.deps.outbox.claimDue(Date.now(), BATCH);
      if (!due.length) break;
      await Promise.all(due.map((item) => this.deliver(item)));
      if (this.stopped) return;
    }
    if (Date.now() - this.lastPrune > 3600_000) {
      this.lastPrune = Date.now();
      this.deps.outbox.prune(new Date(Date.now() - KEEP_MS).toISOString());
    }
  }

  private async deliver(item: OutboxItem): Promise<void> {
    const { outbox, settings } = this.deps;
    const { channel } = item;
    try {
      const message = messageOf(item.event, item.subject, this.deps.publicUrl);
      await send(channel.notificationType, channel.config, message, { api: settings.api, timeoutMs: settings.timeoutMs, idempotencyKey: `berth-${item.outboxId}`, signal: this.abort.signal });
      outbox.sent(item.outboxId, channel.notificationId);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      // a send cut short by shutdown is not an attempt: the next start sends it
      if (this.abort.signal.aborted) return outbox.failed(item.outboxId, channel.notificationId, 'interrupted by shutdown: sent again on the next start', Date.now(), true);
      const next = retryAt(item.attempts, settings.maxAttempts, settings.retryMs, Date.now());
      outbox.failed(item.outboxId, channel.notificationId, error, next);
      if (next === null) this.deps.warn(`notification "${channel.name}" (${channel.notificationType}): gave up after ${item.attempts} attempts: ${error}`);
    }
  }
}
