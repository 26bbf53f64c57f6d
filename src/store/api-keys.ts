import { eq, sql } from 'drizzle-orm';
import type { Caller, Role } from '../model/api-key.js';
import { generateToken, hashToken } from '../secrets/tokens.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { apikey } from './schema.js';

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  start: string | null;
  prefix: string | null;
  enabled: boolean;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  lastRequest: string | null;
}

/** API tokens: only hashes are stored; the plaintext exists once, in the creation answer. */
export function apiKeyStore(db: DB) {
  const byHash = db
    .select({ id: apikey.id, name: apikey.name, role: apikey.role, enabled: apikey.enabled, expiresAt: apikey.expiresAt })
    .from(apikey)
    .where(eq(apikey.keyHash, sql.placeholder('hash')))
    .prepare();

  const view = (row: typeof apikey.$inferSelect): ApiKeyView => ({
    id: row.id,
    name: row.name,
    role: row.role as Role,
    start: row.start,
    prefix: row.prefix,
    enabled: row.enabled,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastRequest: row.lastRequest,
  });

  return {
    /** The caller a token hash belongs to, if it is enabled and not expired. Read on every request, so revocation is immediate. */
    verify(hash: string): Caller | undefined {
      const row = byHash.get({ hash }) as { id: string; name: string; role: string; enabled: boolean; expiresAt: string | null } | undefined;
      if (!row || !row.enabled) return undefined;
      if (row.expiresAt && Date.parse(row.expiresAt) <= Date.now()) return undefined;
      return { tokenId: row.id, name: row.name, role: row.role as Role };
    },

    /** `expiresIn` is in seconds from now; absent or null means the token never expires. */
    create(input: { name: string; role: Role; token?: string; prefix?: string | null; expiresIn?: number | null }): ApiKeyView & { key: string } {
      const key = input.token ?? generateToken();
      const ts = now();
      const expiresAt = input.expiresIn ? new Date(Date.parse(ts) + input.expiresIn * 1000).toISOString() : null;
      const row = {
        id: newId(),
        name: input.name,
        role: input.role,
        start: key.slice(0, 6),
        prefix: input.prefix ?? null,
        keyHash: hashToken(key),
        enabled: true,
        expiresAt,
        createdAt: ts,
        updatedAt: ts,
        lastRequest: null,
        metadata: null,
      };
      db.insert(apikey).values(row).run();
      return { ...view(row), key };
    },

    list(): ApiKeyView[] {
      return db.select().from(apikey).orderBy(apikey.createdAt).all().map(view);
    },

    /** Deletes a token; false when no such token exists. */
    revoke(id: string): boolean {
      return db.delete(apikey).where(eq(apikey.id, id)).run().changes > 0;
    },

    count(): number {
      return db.select({ n: sql<number>`count(*)` }).from(apikey).get()!.n;
    },
  };
}
