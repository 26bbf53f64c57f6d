import { lt } from 'drizzle-orm';
import { sameSecret } from '../secrets/compare.js';
import type { DB } from './db.js';
import { now } from './ids.js';
import { webhookDelivery } from './schema.js';

/** How long a delivery id is remembered: forges retry within hours, not days. */
const DELIVERY_MEMORY_MS = 7 * 24 * 3600_000;

/** Webhook lookups: applications by their webhook token, deliveries already acted on. */
export function webhookStore(db: DB) {
  const tokens = db.$client.prepare('SELECT applicationId, refreshToken FROM application WHERE refreshToken IS NOT NULL');
  const seen = db.$client.prepare('SELECT 1 FROM webhook_delivery WHERE provider = ? AND deliveryId = ? AND target = ?');

  return {
    /**
     * The application whose webhook token is `token`. Every token is compared, in constant
     * time and without stopping at a match, so the answer's timing says nothing of how close
     * a guess came (an index lookup would).
     */
    applicationIdByToken(token: string): string | null {
      let found: string | null = null;
      for (const row of tokens.all() as { applicationId: string; refreshToken: string }[])
        if (sameSecret(row.refreshToken, token)) found = row.applicationId;
      return found;
    },

    seen(provider: string, deliveryId: string, target: string): boolean {
      return seen.get(provider, deliveryId, target) !== undefined;
    },

    /** Remembers a delivery acted on, and forgets those older than a week. */
    record(provider: string, deliveryId: string, target: string) {
      db.transaction(() => {
        db.insert(webhookDelivery).values({ provider, deliveryId, target, receivedAt: now() }).onConflictDoNothing().run();
        db.delete(webhookDelivery).where(lt(webhookDelivery.receivedAt, new Date(Date.now() - DELIVERY_MEMORY_MS).toISOString())).run();
      });
    },
  };
}
