import { desc, eq, sql } from 'drizzle-orm';
import { ORGANIZATION_ID } from '../model/common.js';
import { notFound } from '../model/errors.js';
import type { Flags, ProviderConfig, ProviderType } from '../model/notification.js';
import type { Cipher } from '../secrets/cipher.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { notification, type NotificationRow } from './schema.js';

/** A channel with its provider fields decrypted (`config`). */
export type Channel = Omit<NotificationRow, 'config' | 'notificationType'> & { notificationType: ProviderType; config: ProviderConfig };

export type ChannelValues = { name: string; notificationType: ProviderType; config: ProviderConfig } & Flags;

/** A stored channel row with its provider fields decrypted. */
export const openChannel = (cipher: Cipher, row: NotificationRow): Channel => ({ ...row, notificationType: row.notificationType, config: JSON.parse(cipher.decrypt(row.config)) as ProviderConfig });

/** Notification channels. The provider's fields are one encrypted JSON value. */
export function notificationStore(db: DB, cipher: Cipher) {
  const open = (row: NotificationRow) => openChannel(cipher, row);

  function get(notificationId: string): Channel {
    const row = db.select().from(notification).where(eq(notification.notificationId, notificationId)).get();
    if (!row) throw notFound('Notification', notificationId);
    return open(row);
  }

  return {
    get,

    create(values: ChannelValues): Channel {
      const notificationId = newId();
      db.insert(notification)
        .values({ ...values, notificationId, providerId: newId(), config: cipher.encrypt(JSON.stringify(values.config)), createdAt: now(), organizationId: ORGANIZATION_ID })
        .run();
      return get(notificationId);
    },

    /** Every channel, newest first. */
    all(): Channel[] {
      return db.select().from(notification).orderBy(desc(notification.createdAt), desc(sql`rowid`)).all().map(open);
    },

    update(notificationId: string, set: Partial<Omit<ChannelValues, 'notificationType'>>): Channel {
      return db.transaction(() => {
        get(notificationId);
        const { config, ...rest } = set;
        const values = { ...rest, ...(config ? { config: cipher.encrypt(JSON.stringify(config)) } : {}) };
        if (Object.values(values).some((v) => v !== undefined)) db.update(notification).set(values).where(eq(notification.notificationId, notificationId)).run();
        return get(notificationId);
      });
    },

    /** Deletes the channel with its secrets and its queued messages (one row, cascade): nothing is left behind. */
    remove(notificationId: string): Channel {
      return db.transaction(() => {
        const row = get(notificationId);
        db.delete(notification).where(eq(notification.notificationId, notificationId)).run();
        return row;
      });
    },
  };
}
