import { eq, sql } from 'drizzle-orm';
import { notFound } from '../model/errors.js';
import type { DB } from './db.js';
import { application, domain, redirect } from './schema.js';

/** What reads of an application's domains, ports and mounts show of their application. */
export interface ApplicationSummary {
  applicationId: string;
  appName: string;
  name: string;
}

/** The row a lookup (or a `delete … returning`) found, or 404 naming what was looked for. */
export function found<T>(row: T | undefined, what: string, id: string): T {
  if (!row) throw notFound(what, id);
  return row;
}

/** The owning application, or 404: children are only ever attached to an existing application. */
export function applicationSummary(db: DB, applicationId: string): ApplicationSummary {
  const row = db
    .select({ applicationId: application.applicationId, appName: application.appName, name: application.name })
    .from(application)
    .where(eq(application.applicationId, applicationId))
    .get();
  return found(row, 'Application', applicationId);
}

/** The next `uniqueConfigKey` (max + 1), named in Traefik routers and middlewares; call inside the insert's transaction. */
export function nextConfigKey(db: DB, table: typeof domain | typeof redirect): number {
  return db
    .select({ n: sql<number>`coalesce(max(${table.uniqueConfigKey}), 0) + 1` })
    .from(table)
    .get()!.n;
}

/** A child row with its application's summary (null for rows owned by another kind of service). */
export function withApplication<T extends { applicationId: string | null }>(db: DB, row: T) {
  return { ...row, application: row.applicationId ? applicationSummary(db, row.applicationId) : null };
}
