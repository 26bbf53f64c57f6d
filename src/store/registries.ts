import { desc, eq, sql } from 'drizzle-orm';
import { ORGANIZATION_ID } from '../model/common.js';
import { notFound } from '../model/errors.js';
import type { Cipher } from '../secrets/cipher.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { registry } from './schema.js';

export type RegistryRow = typeof registry.$inferSelect;
export type RegistryValues = Pick<RegistryRow, 'registryName' | 'imagePrefix' | 'username' | 'password' | 'registryUrl' | 'registryType'>;

/** Container registries and their login. `password` is encrypted at rest. */
export function registryStore(db: DB, cipher: Cipher) {
  const open = (row: RegistryRow): RegistryRow => ({ ...row, password: cipher.decrypt(row.password) });

  function get(registryId: string): RegistryRow {
    const row = db.select().from(registry).where(eq(registry.registryId, registryId)).get();
    if (!row) throw notFound('Registry', registryId);
    return open(row);
  }

  return {
    get,

    create(values: RegistryValues): RegistryRow {
      const row: RegistryRow = {
        ...values,
        registryId: newId(),
        password: cipher.encrypt(values.password),
        createdAt: now(),
        organizationId: ORGANIZATION_ID,
      };
      db.insert(registry).values(row).run();
      return open(row);
    },

    /** Every registry, newest first. */
    all(): RegistryRow[] {
      return db.select().from(registry).orderBy(desc(registry.createdAt), desc(sql`rowid`)).all().map(open);
    },

    update(registryId: string, set: Partial<RegistryValues>): RegistryRow {
      return db.transaction(() => {
        get(registryId);
        const values = set.password === undefined ? set : { ...set, password: cipher.encrypt(set.password) };
        // Drizzle skips undefined values: write only when something is set.
        if (Object.values(values).some((v) => v !== undefined)) db.update(registry).set(values).where(eq(registry.registryId, registryId)).run();
        return get(registryId);
      });
    },

    /** Deletes the registry; applications that pushed to it fall back to no registry (FK set null). */
    remove(registryId: string): RegistryRow {
      return db.transaction(() => {
        const row = get(registryId);
        db.delete(registry).where(eq(registry.registryId, registryId)).run();
        return row;
      });
    },
  };
}
