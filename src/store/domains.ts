import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { domainViolations, type DomainCreate, type DomainUpdate } from '../model/domain.js';
import { conflict } from '../model/errors.js';
import { rejectViolations } from '../model/record-rules.js';
import { applicationSummary, found, nextConfigKey, withApplication } from './app-children.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { application, domain } from './schema.js';

export type DomainRow = typeof domain.$inferSelect;

/**
 * Domains of applications. Each change is one function here and returns the row, whose
 * applicationId names the application whose routing must follow.
 */
export function domainStore(db: DB) {
  const getDomain = (domainId: string): DomainRow =>
    found(db.select().from(domain).where(eq(domain.domainId, domainId)).get(), 'Domain', domainId);

  /**
   * Traefik cannot tell two routers with the same host and path apart, whichever
   * applications they serve. Disabled domains have no router, so they do not clash
   * (a duplicated application keeps its copies disabled until they are changed).
   */
  function assertRouteFree(d: { host: string; path: string | null; enabled: boolean }, exceptDomainId?: string) {
    if (!d.enabled) return;
    const path = d.path ?? '/';
    const clash = db
      .select({ name: application.name, appName: application.appName })
      .from(domain)
      .leftJoin(application, eq(domain.applicationId, application.applicationId))
      .where(
        and(
          eq(domain.host, d.host),
          sql`coalesce(${domain.path}, '/') = ${path}`,
          eq(domain.enabled, true),
          exceptDomainId ? ne(domain.domainId, exceptDomainId) : undefined,
        ),
      )
      .get();
    if (clash) throw conflict(`${d.host}${path} is already routed to ${clash.appName ? `application "${clash.name}" (${clash.appName})` : 'another service'}`);
  }

  return {
    one: (domainId: string) => withApplication(db, getDomain(domainId)),

    byApplication(applicationId: string) {
      const app = applicationSummary(db, applicationId);
      return db
        .select()
        .from(domain)
        .where(eq(domain.applicationId, applicationId))
        .orderBy(asc(domain.createdAt), asc(domain.uniqueConfigKey))
        .all()
        .map((row) => ({ ...row, application: app }));
    },

    /** Absent fields take the column defaults (port 3000, path "/", …); explicit nulls stay null. */
    create(input: DomainCreate): DomainRow {
      return db.transaction(() => {
        applicationSummary(db, input.applicationId);
        assertRouteFree({ host: input.host, path: input.path ?? '/', enabled: true });
        return db
          .insert(domain)
          .values({ ...input, domainId: newId(), uniqueConfigKey: nextConfigKey(db, domain), createdAt: now() })
          .returning()
          .get();
      });
    },

    update({ domainId, ...changes }: DomainUpdate): DomainRow {
      return db.transaction(() => {
        const merged = { ...getDomain(domainId), ...changes };
        rejectViolations(domainViolations(merged));
        assertRouteFree(merged, domainId);
        db.update(domain).set(changes).where(eq(domain.domainId, domainId)).run();
        return getDomain(domainId);
      });
    },

    remove: (domainId: string): DomainRow =>
      found(db.delete(domain).where(eq(domain.domainId, domainId)).returning().get(), 'Domain', domainId),

    /** Flips `enabled`: a disabled domain keeps its row but gets no router. */
    toggleEnabled(domainId: string): DomainRow {
      return db.transaction(() => {
        const row = getDomain(domainId);
        assertRouteFree({ ...row, enabled: !row.enabled }, domainId);
        db.update(domain).set({ enabled: !row.enabled }).where(eq(domain.domainId, domainId)).run();
        return getDomain(domainId);
      });
    },
  };
}
