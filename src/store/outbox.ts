import { and, asc, eq, inArray, lte, min, sql } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import { eventFlag, eventKey, type BerthEvent, type EventFlag, type EventSubject } from '../model/events.js';
import type { Cipher } from '../secrets/cipher.js';
import type { DB } from './db.js';
import { now } from './ids.js';
import { openChannel, type Channel } from './notifications.js';
import { application, deployment, environment, notification, notificationOutbox, project, type OutboxRow } from './schema.js';

/** A message due to be sent: its outbox row and the channel it goes to (secrets decrypted). */
export type OutboxItem = OutboxRow & { channel: Channel };

/** Why a message that was being sent when the server stopped is not sent again. */
export const INTERRUPTED_SEND = 'interrupted by a restart while sending: not sent again, so that it never arrives twice (it may not have arrived)';

/**
 * The durable outbox of notification messages: one row per event and channel, written in
 * the caller's transaction (a deployment's end and its message commit together). The
 * sender (src/notify/sender.ts) claims due rows, sends, and records the outcome.
 */
export function outboxStore(db: DB, cipher: Cipher) {
  const listeners = new Set<() => void>();
  // Plain SQLite for what runs without any channel configured (every deployment's end, the
  // periodic check, start-up): no query building on paths that find nothing.
  const byFlag = new Map<EventFlag, Statement>();
  const subscribers = (flag: EventFlag): string[] => {
    let query = byFlag.get(flag);
    // `flag` is one of eventFlag's values, never input
    if (!query) byFlag.set(flag, (query = db.$client.prepare(`SELECT "notificationId" FROM "notification" WHERE "${flag}" = 1`).pluck()));
    return query.all() as string[];
  };
  const pendingWork = db.$client.prepare(`SELECT EXISTS (SELECT 1 FROM "notification_outbox" WHERE "state" IN ('pending', 'sending'))`).pluck();

  /** The names a message about an application (and its deployment) shows, as they are now. */
  function subjectOf(event: BerthEvent): EventSubject {
    if (!('applicationId' in event) || !event.applicationId) return {};
    const app = db
      .select({ applicationName: application.name, appName: application.appName, environmentName: environment.name, projectName: project.name })
      .from(application)
      .innerJoin(environment, eq(environment.environmentId, application.environmentId))
      .innerJoin(project, eq(project.projectId, environment.projectId))
      .where(eq(application.applicationId, event.applicationId))
      .get();
    const title = 'deploymentId' in event && event.type !== 'schedule.failed' ? db.select({ title: deployment.title }).from(deployment).where(eq(deployment.deploymentId, event.deploymentId)).get()?.title : undefined;
    return { ...app, ...(title ? { deploymentTitle: title } : {}) };
  }

  const claimed = (outboxId: number) => db.select().from(notificationOutbox).where(eq(notificationOutbox.outboxId, outboxId)).get()!;

  return {
    /**
     * One pending message per channel subscribed to the event (none when none is): the
     * same event enqueued again adds nothing. Returns how many were queued.
     */
    enqueue(event: BerthEvent): number {
      const targets = subscribers(eventFlag[event.type]);
      if (!targets.length) return 0;
      const queued = db.transaction(() => {
        const subject = subjectOf(event);
        const key = eventKey(event);
        const at = now();
        const rows = targets.map((notificationId) => ({ notificationId, eventKey: key, event, subject, nextAt: Date.now(), createdAt: at }));
        return db.insert(notificationOutbox).values(rows).onConflictDoNothing().run().changes;
      });
      // after the caller's transaction has committed (better-sqlite3 runs it synchronously)
      if (queued) setImmediate(() => listeners.forEach((l) => l()));
      return queued;
    },

    /** Called (after commit) whenever messages were queued. */
    onEnqueued(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Whether any message waits to be sent or was being sent: start-up does nothing more when none does. */
    hasWork(): boolean {
      return pendingWork.get() === 1;
    },

    /** Whether any channel receives events of this flag (the periodic checks run only then). */
    wanted(flag: EventFlag): boolean {
      return subscribers(flag).length > 0;
    },

    /** Applications that are deployed and should be running: what the health check looks at. */
    deployedApps(): { applicationId: string; appName: string }[] {
      return db.select({ applicationId: application.applicationId, appName: application.appName }).from(application).where(eq(application.applicationStatus, 'done')).all();
    },

    /** Marks due pending messages `sending` (one more attempt each) and returns them with their channel. */
    claimDue(nowMs: number, limit: number): OutboxItem[] {
      return db.transaction(() => {
        const due = db
          .select({ outbox: notificationOutbox, channel: notification })
          .from(notificationOutbox)
          .innerJoin(notification, eq(notification.notificationId, notificationOutbox.notificationId))
          .where(and(eq(notificationOutbox.state, 'pending'), lte(notificationOutbox.nextAt, nowMs)))
          .orderBy(asc(notificationOutbox.nextAt), asc(notificationOutbox.outboxId))
          .limit(limit)
          .all();
        if (!due.length) return [];
        db.update(notificationOutbox)
          .set({ state: 'sending', attempts: sql`${notificationOutbox.attempts} + 1` })
          .where(inArray(notificationOutbox.outboxId, due.map((d) => d.outbox.outboxId)))
          .run();
        return due.map((d) => ({ ...claimed(d.outbox.outboxId), channel: openChannel(cipher, d.channel) }));
      });
    },

    sent(outboxId: number, notificationId: string) {
      db.transaction(() => {
        const at = now();
        db.update(notificationOutbox).set({ state: 'sent', lastError: null, finishedAt: at }).where(eq(notificationOutbox.outboxId, outboxId)).run();
        db.update(notification).set({ lastSentAt: at }).where(eq(notification.notificationId, notificationId)).run();
      });
    },

    /**
     * An attempt failed: tried again at `retryAt` (epoch ms), or given up when it is null.
     * The channel shows the error either way. `uncounted`: the attempt was cut short by
     * shutdown and does not count.
     */
    failed(outboxId: number, notificationId: string, error: string, retryAt: number | null, uncounted = false) {
      db.transaction(() => {
        const at = now();
        db.update(notificationOutbox)
          .set({
            ...(retryAt === null ? { state: 'failed' as const, finishedAt: at } : { state: 'pending' as const, nextAt: retryAt }),
            lastError: error,
            ...(uncounted ? { attempts: sql`${notificationOutbox.attempts} - 1` } : {}),
          })
          .where(eq(notificationOutbox.outboxId, outboxId))
          .run();
        db.update(notification).set({ lastError: error, lastErrorAt: at }).where(eq(notification.notificationId, notificationId)).run();
      });
    },

    /**
     * Messages a previous run was sending when it stopped: given up, not resent (at most
     * once: the provider may already have shown it). Returns how many.
     */
    recoverSending(): number {
      return db.transaction(() => {
        const stuck = db.select().from(notificationOutbox).where(eq(notificationOutbox.state, 'sending')).all();
        for (const row of stuck) this.failed(row.outboxId, row.notificationId, INTERRUPTED_SEND, null);
        return stuck.length;
      });
    },

    /** When the next pending message is due (epoch ms), if any is. */
    nextDue(): number | undefined {
      return db.select({ at: min(notificationOutbox.nextAt) }).from(notificationOutbox).where(eq(notificationOutbox.state, 'pending')).get()?.at ?? undefined;
    },

    /** Drops finished messages older than `before` (ISO time). */
    prune(before: string) {
      db.delete(notificationOutbox).where(and(inArray(notificationOutbox.state, ['sent', 'failed']), lte(notificationOutbox.finishedAt, before))).run();
    },

    /** A channel's messages, newest first (tests and diagnostics). */
    of(notificationId: string): OutboxRow[] {
      return db.select().from(notificationOutbox).where(eq(notificationOutbox.notificationId, notificationId)).orderBy(sql`${notificationOutbox.outboxId} DESC`).all();
    },
  };
}
