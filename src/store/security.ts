import { and, eq, ne } from 'drizzle-orm';
import { MASK } from '../model/dotenv.js';
import { conflict } from '../model/errors.js';
import type { SecurityCreate, SecurityUpdate } from '../model/security.js';
import type { Cipher } from '../secrets/cipher.js';
import { applicationSummary, found } from './app-children.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { security } from './schema.js';

export type SecurityRow = typeof security.$inferSelect;

/**
 * Basic-auth users of applications. Passwords are encrypted at rest; reads decrypt them
 * because routing must hash the plaintext, and the API masks them in every answer.
 */
export function securityStore(db: DB, cipher: Cipher) {
  const decrypted = (row: SecurityRow): SecurityRow => ({ ...row, password: cipher.decrypt(row.password) });
  const getSecurity = (securityId: string): SecurityRow =>
    decrypted(found(db.select().from(security).where(eq(security.securityId, securityId)).get(), 'Security', securityId));

  function assertUsernameFree(applicationId: string, username: string, exceptSecurityId?: string) {
    const clash = db
      .select({ securityId: security.securityId })
      .from(security)
      .where(and(eq(security.applicationId, applicationId), eq(security.username, username), exceptSecurityId ? ne(security.securityId, exceptSecurityId) : undefined))
      .get();
    if (clash) throw conflict(`The application already has a basic-auth user "${username}"`);
  }

  return {
    getSecurity,

    create(input: SecurityCreate): SecurityRow {
      return db.transaction(() => {
        applicationSummary(db, input.applicationId);
        assertUsernameFree(input.applicationId, input.username);
        const row = { ...input, securityId: newId(), createdAt: now() };
        db.insert(security).values({ ...row, password: cipher.encrypt(row.password) }).run();
        return row;
      });
    },

    /** The masked password a client read back means "unchanged", so a form round trip keeps the secret. */
    update({ securityId, username, password }: SecurityUpdate): SecurityRow {
      return db.transaction(() => {
        const row = getSecurity(securityId);
        assertUsernameFree(row.applicationId, username, securityId);
        const set = password === MASK ? { username } : { username, password: cipher.encrypt(password) };
        db.update(security).set(set).where(eq(security.securityId, securityId)).run();
        return getSecurity(securityId);
      });
    },

    remove: (securityId: string): SecurityRow =>
      decrypted(found(db.delete(security).where(eq(security.securityId, securityId)).returning().get(), 'Security', securityId)),
  };
}
