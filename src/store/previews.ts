import { and, desc, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { customAlphabet } from 'nanoid';
import { notFound } from '../model/errors.js';
import { nextConfigKey } from './app-children.js';
import { listed } from './deployments.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { deployment, domain, previewDeployment, type DomainRow, type PreviewDeploymentRow } from './schema.js';

const suffix = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 6);

export interface PullRequestFacts {
  pullRequestId: string;
  pullRequestNumber: string;
  pullRequestURL: string;
  pullRequestTitle: string;
  branch: string;
  headCloneUrl: string | null;
}

/** What the preview's domain row is made of (the application's preview settings and the host). */
export type PreviewDomain = Pick<DomainRow, 'host' | 'port' | 'path' | 'https' | 'certificateType' | 'customCertResolver'>;

/** Preview deployments: one per pull request and application, with their domain row. */
export function previewStore(db: DB) {
  function get(previewDeploymentId: string): PreviewDeploymentRow {
    const row = db.select().from(previewDeployment).where(eq(previewDeployment.previewDeploymentId, previewDeploymentId)).get();
    if (!row) throw notFound('Preview deployment', previewDeploymentId);
    return row;
  }
  const domainOf = (p: PreviewDeploymentRow) => (p.domainId ? (db.select().from(domain).where(eq(domain.domainId, p.domainId)).get() ?? null) : null);
  const deploymentsOf = (id: string) =>
    db
      .select()
      .from(deployment)
      .where(eq(deployment.previewDeploymentId, id))
      .orderBy(desc(deployment.createdAt), desc(sql`rowid`))
      .all()
      .map(listed);

  return {
    get,
    domainOf,

    byPullRequest(applicationId: string, pullRequestId: string): PreviewDeploymentRow | undefined {
      return db.select().from(previewDeployment).where(and(eq(previewDeployment.applicationId, applicationId), eq(previewDeployment.pullRequestId, pullRequestId))).get();
    },

    /** The application's previews that run (not those refused). */
    running(applicationId: string): number {
      return db.select({ id: previewDeployment.previewDeploymentId }).from(previewDeployment).where(and(eq(previewDeployment.applicationId, applicationId), isNull(previewDeployment.statusMessage))).all().length;
    },

    /** A new preview row named `preview-<appName>-<6 chars>`; `statusMessage` set means refused (no domain, never deployed). */
    create(applicationId: string, appName: string, pr: PullRequestFacts, statusMessage: string | null): PreviewDeploymentRow {
      const previewDeploymentId = newId();
      db.insert(previewDeployment)
        .values({ previewDeploymentId, applicationId, appName: `preview-${appName}-${suffix()}`.slice(0, 63), ...pr, pullRequestCommentId: '', previewStatus: 'idle', createdAt: now(), statusMessage })
        .run();
      return get(previewDeploymentId);
    },

    /** New pull-request facts (title, head branch) and whether it is refused. */
    update(previewDeploymentId: string, changes: Partial<PullRequestFacts & { statusMessage: string | null; expiresAt: string | null }>) {
      db.update(previewDeployment).set(changes).where(eq(previewDeployment.previewDeploymentId, previewDeploymentId)).run();
      return get(previewDeploymentId);
    },

    /** Gives the preview its domain row (once): what Traefik routes to its service. */
    ensureDomain(previewDeploymentId: string, d: PreviewDomain): DomainRow {
      return db.transaction(() => {
        const p = get(previewDeploymentId);
        const existing = domainOf(p);
        if (existing) return existing;
        const domainId = newId();
        db.insert(domain)
          .values({ domainId, ...d, domainType: 'preview', previewDeploymentId, uniqueConfigKey: nextConfigKey(db, domain), createdAt: now() })
          .run();
        db.update(previewDeployment).set({ domainId }).where(eq(previewDeployment.previewDeploymentId, previewDeploymentId)).run();
        return domainOf(get(previewDeploymentId))!;
      });
    },

    /** `previewDeployment.all`: newest first, each with its deployments (newest first) and domain. */
    list(applicationId: string) {
      return db
        .select()
        .from(previewDeployment)
        .where(eq(previewDeployment.applicationId, applicationId))
        .orderBy(desc(previewDeployment.createdAt))
        .all()
        .map((p) => ({ ...p, deployments: deploymentsOf(p.previewDeploymentId), domain: domainOf(p) }));
    },

    one(previewDeploymentId: string) {
      const p = get(previewDeploymentId);
      return { ...p, deployments: deploymentsOf(previewDeploymentId), domain: domainOf(p), application: { applicationId: p.applicationId, serverId: null } };
    },

    forApplication(applicationId: string): PreviewDeploymentRow[] {
      return db.select().from(previewDeployment).where(eq(previewDeployment.applicationId, applicationId)).all();
    },

    /** The preview's deployments, newest first. */
    deploymentsOf,

    /** Previews idle since before `at` (ISO time): their expiry passed. */
    expired(at: string): PreviewDeploymentRow[] {
      return db.select().from(previewDeployment).where(and(isNotNull(previewDeployment.expiresAt), lt(previewDeployment.expiresAt, at))).all();
    },

    /** The row and (by cascade) its domain and deployment rows. */
    remove(previewDeploymentId: string): PreviewDeploymentRow {
      const row = get(previewDeploymentId);
      db.delete(previewDeployment).where(eq(previewDeployment.previewDeploymentId, previewDeploymentId)).run();
      return row;
    },

  };
}
