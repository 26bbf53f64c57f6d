import { desc, eq, sql } from 'drizzle-orm';
import type { DestinationCreate } from '../model/backup.js';
import { ORGANIZATION_ID } from '../model/common.js';
import { conflict, notFound } from '../model/errors.js';
import type { Cipher } from '../secrets/cipher.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { backup, destination } from './schema.js';

export type DestinationRow = typeof destination.$inferSelect;
export type DestinationValues = Omit<DestinationCreate, 'serverId'>;

/** Backup destinations. `secretAccessKey` is encrypted at rest. */
export function destinationStore(db: DB, cipher: Cipher) {
  const open = (row: DestinationRow): DestinationRow => ({ ...row, secretAccessKey: cipher.decrypt(row.secretAccessKey) });

  function get(destinationId: string): DestinationRow {
    const row = db.select().from(destination).where(eq(destination.destinationId, destinationId)).get();
    if (!row) throw notFound('Destination', destinationId);
    return open(row);
  }

  return {
    get,

    create(values: DestinationValues): DestinationRow {
      const row: DestinationRow = {
        ...values,
        destinationId: newId(),
        secretAccessKey: cipher.encrypt(values.secretAccessKey),
        organizationId: ORGANIZATION_ID,
        createdAt: now(),
      };
      db.insert(destination).values(row).run();
      return open(row);
    },

    all(): DestinationRow[] {
      return db.select().from(destination).orderBy(desc(destination.createdAt), desc(sql`rowid`)).all().map(open);
    },

    /** `secretAccessKey` undefined keeps the stored one. */
    update(destinationId: string, set: Partial<DestinationValues>): DestinationRow {
      return db.transaction(() => {
        get(destinationId);
        const values = set.secretAccessKey === undefined ? set : { ...set, secretAccessKey: cipher.encrypt(set.secretAccessKey) };
        if (Object.values(values).some((v) => v !== undefined)) db.update(destination).set(values).where(eq(destination.destinationId, destinationId)).run();
        return get(destinationId);
      });
    },

    /** A destination that backups still use is kept (409 naming them): removing it would stop them unnoticed. */
    remove(destinationId: string): DestinationRow {
      return db.transaction(() => {
        const row = get(destinationId);
        const users = db.select({ appName: backup.appName }).from(backup).where(eq(backup.destinationId, destinationId)).all();
        if (users.length) throw conflict(`Destination "${row.name}" is used by the backup(s) ${users.map((u) => u.appName).join(', ')}: remove them or move them to another destination first`);
        db.delete(destination).where(eq(destination.destinationId, destinationId)).run();
        return row;
      });
    },
  };
}
