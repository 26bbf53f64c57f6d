import type { ApplicationEvent, DeploymentEvent } from '../model/live-events.js';
import type { DB } from './db.js';

/** An application as the event stream watches it: where it sits, its status, and its Swarm service once it has one. */
export interface LiveApplication extends Pick<ApplicationEvent, 'applicationId' | 'environmentId' | 'applicationStatus'> {
  projectId: string;
  /** The service's name once the application was ever deployed (what Docker is asked about); null before. */
  serviceName: string | null;
}

/**
 * The cheap reads behind `GET /api/events`, run only when the database changed while a
 * stream is open. Prepared on first use: an idle server never compiles them.
 */
export function liveStateStore(db: DB) {
  let statements: ReturnType<typeof prepare> | undefined;
  function prepare() {
    return {
      applications: db.$client.prepare(
        `SELECT a."applicationId", a."environmentId", e."projectId", a."applicationStatus",
           CASE WHEN EXISTS (SELECT 1 FROM "deployment" d WHERE d."applicationId" = a."applicationId") THEN a."appName" END AS "serviceName"
         FROM "application" a JOIN "environment" e ON e."environmentId" = a."environmentId"`,
      ),
      // running ones, and any that started or ended since the last look (a short one may do both in between)
      deployments: db.$client.prepare(
        `SELECT "deploymentId", "applicationId", "status", "stage" FROM "deployment"
         WHERE "applicationId" IS NOT NULL AND ("status" = 'running' OR "createdAt" >= @since OR "finishedAt" >= @since)`,
      ),
    };
  }
  const q = () => (statements ??= prepare());
  return {
    applications(): LiveApplication[] {
      return q().applications.all() as LiveApplication[];
    },
    /** Deployments of applications that run, or were created or finished at or after `since` (ISO-8601). */
    deployments(since: string): DeploymentEvent[] {
      return q().deployments.all({ since }) as DeploymentEvent[];
    },
  };
}
