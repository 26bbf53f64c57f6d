import { desc, eq, sql } from 'drizzle-orm';
import { ORGANIZATION_ID } from '../model/common.js';
import { notFound } from '../model/errors.js';
import type { Cipher } from '../secrets/cipher.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { sshKey } from './schema.js';

export type SshKeyRow = typeof sshKey.$inferSelect;

/** SSH key pairs for git sources and servers. `privateKey` is encrypted at rest. */
export function sshKeyStore(db: DB, cipher: Cipher) {
  const open = (row: SshKeyRow): SshKeyRow => ({ ...row, privateKey: cipher.decrypt(row.privateKey) });

  function get(sshKeyId: string): SshKeyRow {
    const row = db.select().from(sshKey).where(eq(sshKey.sshKeyId, sshKeyId)).get();
    if (!row) throw notFound('SSH key', sshKeyId);
    return open(row);
  }

  return {
    get,

    create(values: { name: string; description?: string | null; privateKey: string; publicKey: string }): SshKeyRow {
      const row: SshKeyRow = {
        sshKeyId: newId(),
        name: values.name,
        description: values.description ?? null,
        privateKey: cipher.encrypt(values.privateKey),
        publicKey: values.publicKey,
        createdAt: now(),
        lastUsedAt: null,
        organizationId: ORGANIZATION_ID,
      };
      db.insert(sshKey).values(row).run();
      return open(row);
    },

    /** Every key, newest first. */
    all(): SshKeyRow[] {
      return db.select().from(sshKey).orderBy(desc(sshKey.createdAt), desc(sql`rowid`)).all().map(open);
    },

    update(sshKeyId: string, set: { name?: string; description?: string | null; lastUsedAt?: string | null }): SshKeyRow {
      return db.transaction(() => {
        get(sshKeyId);
        // Drizzle skips undefined values: write only when something is set.
        if (Object.values(set).some((v) => v !== undefined)) db.update(sshKey).set(set).where(eq(sshKey.sshKeyId, sshKeyId)).run();
        return get(sshKeyId);
      });
    },

    /** Deletes the key; git sources that used it are left without one (FK set null). */
    remove(sshKeyId: string): SshKeyRow {
      return db.transaction(() => {
        const row = get(sshKeyId);
        db.delete(sshKey).where(eq(sshKey.sshKeyId, sshKeyId)).run();
        return row;
      });
    },
  };
}
