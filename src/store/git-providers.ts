import { desc, eq, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTableWithColumns } from 'drizzle-orm/sqlite-core';
import { ORGANIZATION_ID } from '../model/common.js';
import { BerthError, notFound } from '../model/errors.js';
import { secretColumns, type GitProviderType } from '../model/git-provider.js';
import type { Cipher } from '../secrets/cipher.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { bitbucket, gitea, github, gitlab, gitProvider } from './schema.js';

export type GitProviderRow = typeof gitProvider.$inferSelect;

const tables = { github, gitlab, bitbucket, gitea };
type Tables = typeof tables;
export type ProviderRow<K extends GitProviderType> = Tables[K]['$inferSelect'];
/** The columns a caller sets: everything but the row's own id and its git_provider link. */
export type ProviderValues<K extends GitProviderType> = Omit<Tables[K]['$inferInsert'], (typeof idKey)[K] | 'gitProviderId'>;
export type WithGitProvider<K extends GitProviderType> = ProviderRow<K> & { gitProvider: GitProviderRow };
export type GitProviderWithDetails = GitProviderRow & { [K in GitProviderType]: ProviderRow<K> | null };

const idKey = { github: 'githubId', gitlab: 'gitlabId', bitbucket: 'bitbucketId', gitea: 'giteaId' } as const;
const label = { github: 'GitHub provider', gitlab: 'GitLab provider', bitbucket: 'Bitbucket provider', gitea: 'Gitea provider' };

/** The four provider tables differ only in columns: one untyped view lets one code path serve them all. */
const table = (kind: GitProviderType) => tables[kind] as unknown as SQLiteTableWithColumns<any>;
const idColumn = (kind: GitProviderType) => table(kind)[idKey[kind]] as SQLiteColumn;

/**
 * Git providers: one `git_provider` row plus one detail row of its kind, written together.
 * Credential columns (`secretColumns`) are encrypted at rest.
 */
export function gitProviderStore(db: DB, cipher: Cipher) {
  function convert<T extends object>(kind: GitProviderType, row: T, fn: (v: string | null) => string | null): T {
    const out = { ...row } as Record<string, unknown>;
    for (const c of secretColumns[kind]) if (typeof out[c] === 'string') out[c] = fn(out[c] as string);
    return out as T;
  }
  const open = <T extends object>(kind: GitProviderType, row: T) => convert(kind, row, (v) => cipher.decrypt(v));
  const seal = <T extends object>(kind: GitProviderType, row: T) => convert(kind, row, (v) => cipher.encrypt(v));

  function getGitProvider(gitProviderId: string): GitProviderRow {
    const row = db.select().from(gitProvider).where(eq(gitProvider.gitProviderId, gitProviderId)).get();
    if (!row) throw notFound('Git provider', gitProviderId);
    return row;
  }

  function selectWithProvider(kind: GitProviderType) {
    const t = table(kind);
    return db
      .select({ provider: t, gitProvider })
      .from(t)
      .innerJoin(gitProvider, eq(t.gitProviderId, gitProvider.gitProviderId))
      .$dynamic();
  }

  const joined = <K extends GitProviderType>(kind: K, r: { provider: unknown; gitProvider: GitProviderRow }) =>
    ({ ...open(kind, r.provider as ProviderRow<K>), gitProvider: r.gitProvider }) as WithGitProvider<K>;

  function get<K extends GitProviderType>(kind: K, providerId: string): WithGitProvider<K> {
    const r = selectWithProvider(kind).where(eq(idColumn(kind), providerId)).get();
    if (!r) throw notFound(label[kind], providerId);
    return joined(kind, r);
  }

  return {
    get,
    getGitProvider,

    /** Every provider of one kind with its git_provider row, newest first. */
    list<K extends GitProviderType>(kind: K): WithGitProvider<K>[] {
      return selectWithProvider(kind)
        .orderBy(desc(gitProvider.createdAt), desc(sql`${gitProvider}.rowid`))
        .all()
        .map((r) => joined(kind, r));
    },

    create<K extends GitProviderType>(kind: K, input: { name: string; userId: string; values: ProviderValues<K> }): WithGitProvider<K> {
      return db.transaction(() => {
        const gitProviderId = newId();
        db.insert(gitProvider)
          .values({ gitProviderId, name: input.name, providerType: kind, createdAt: now(), organizationId: ORGANIZATION_ID, userId: input.userId, sharedWithOrganization: false })
          .run();
        const providerId = newId();
        db.insert(table(kind))
          .values(seal(kind, { ...input.values, [idKey[kind]]: providerId, gitProviderId }))
          .run();
        return get(kind, providerId);
      });
    },

    /**
     * Renames the provider and sets the given detail columns. `gitProviderId` must be the
     * provider's own: Dokploy renames whichever id it is handed, Berth refuses.
     */
    update<K extends GitProviderType>(kind: K, providerId: string, input: { gitProviderId: string; name?: string; values: Partial<ProviderValues<K>> }): WithGitProvider<K> {
      return db.transaction(() => {
        const current = get(kind, providerId);
        if (current.gitProviderId !== input.gitProviderId) {
          const message = `gitProviderId "${input.gitProviderId}" is not the git provider of ${label[kind]} "${providerId}"`;
          throw new BerthError('BAD_REQUEST', message, [{ path: ['gitProviderId'], message, code: 'custom' }]);
        }
        const values = seal(kind, input.values);
        // Drizzle skips undefined values: write only when something is set.
        if (Object.values(values).some((v) => v !== undefined)) db.update(table(kind)).set(values).where(eq(idColumn(kind), providerId)).run();
        if (input.name !== undefined) db.update(gitProvider).set({ name: input.name }).where(eq(gitProvider.gitProviderId, current.gitProviderId)).run();
        return get(kind, providerId);
      });
    },

    /** Every git provider, newest first, with its detail row under its kind (the others null). */
    all(): GitProviderWithDetails[] {
      const providers = db.select().from(gitProvider).orderBy(desc(gitProvider.createdAt), desc(sql`rowid`)).all();
      const details = <K extends GitProviderType>(kind: K) =>
        new Map(db.select().from(table(kind)).all().map((r) => [r.gitProviderId as string, open(kind, r as ProviderRow<K>)]));
      const byKind = { github: details('github'), gitlab: details('gitlab'), bitbucket: details('bitbucket'), gitea: details('gitea') };
      return providers.map((p) => ({
        ...p,
        github: byKind.github.get(p.gitProviderId) ?? null,
        gitlab: byKind.gitlab.get(p.gitProviderId) ?? null,
        bitbucket: byKind.bitbucket.get(p.gitProviderId) ?? null,
        gitea: byKind.gitea.get(p.gitProviderId) ?? null,
      }));
    },

    toggleShare(gitProviderId: string, sharedWithOrganization: boolean): GitProviderRow {
      return db.transaction(() => {
        getGitProvider(gitProviderId);
        db.update(gitProvider).set({ sharedWithOrganization }).where(eq(gitProvider.gitProviderId, gitProviderId)).run();
        return getGitProvider(gitProviderId);
      });
    },

    /** Deletes a git provider and (by cascade) its detail row; applications using it keep their settings without it (FK set null). */
    remove(gitProviderId: string): GitProviderRow {
      return db.transaction(() => {
        const row = getGitProvider(gitProviderId);
        db.delete(gitProvider).where(eq(gitProvider.gitProviderId, gitProviderId)).run();
        return row;
      });
    },
  };
}
