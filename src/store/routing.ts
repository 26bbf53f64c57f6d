import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Cipher } from '../secrets/cipher.js';
import { applicationSummary } from './app-children.js';
import type { DB } from './db.js';
import { application, domain, previewDeployment, redirect, security } from './schema.js';

/** An application's routing rows, basic-auth passwords in plaintext (routing hashes them). */
export interface RoutingRows {
  appName: string;
  domains: (typeof domain.$inferSelect)[];
  redirects: (typeof redirect.$inferSelect)[];
  users: { username: string; password: string }[];
}

/** The reads routing renders an application's Traefik file from. */
export function routingStore(db: DB, cipher: Cipher) {
  return {
    /** 404 when the application does not exist. Preview domains are not the application's own routes. */
    rowsOf(applicationId: string): RoutingRows {
      const { appName } = applicationSummary(db, applicationId);
      const of = <T extends typeof domain | typeof redirect | typeof security>(t: T) => eq(t.applicationId, applicationId);
      return {
        appName,
        domains: db.select().from(domain).where(and(of(domain), isNull(domain.previewDeploymentId))).orderBy(asc(domain.uniqueConfigKey)).all(),
        redirects: db.select().from(redirect).where(of(redirect)).orderBy(asc(redirect.uniqueConfigKey)).all(),
        users: db
          .select({ username: security.username, password: security.password })
          .from(security)
          .where(of(security))
          .orderBy(asc(security.createdAt), asc(security.username))
          .all()
          .map((u) => ({ username: u.username, password: cipher.decrypt(u.password) })),
      };
    },

    applications: () => db.select({ applicationId: application.applicationId, appName: application.appName }).from(application).all(),

    previewAppNames: () => db.select({ appName: previewDeployment.appName }).from(previewDeployment).all().map((r) => r.appName),

    hostTaken: (host: string) => db.select({ id: domain.domainId }).from(domain).where(eq(domain.host, host)).get() !== undefined,
  };
}
