import { z } from 'zod';
import type { AppHealth } from './app-health.js';
import { id } from './common.js';
import type { DeploymentStage } from './deployment.js';
import type { applicationStatuses, deploymentStatuses } from './enums.js';

/**
 * What `GET /api/events` sends, and the pure rules that decide it: which applications and
 * deployments changed since the last look, and which streams want them.
 */

export const eventFilter = z.object({
  projectId: id().optional().describe("Only this project's applications and their deployments"),
  applicationId: id().optional().describe('Only this application and its deployments'),
});
export type EventFilter = z.output<typeof eventFilter>;

/** The part of an application's health a badge shows (as `application.one`'s `health`). */
export type HealthView = Pick<AppHealth, 'status' | 'desired' | 'running'>;

/** `event: application`. */
export interface ApplicationEvent {
  applicationId: string;
  environmentId: string;
  applicationStatus: (typeof applicationStatuses)[number];
  health: HealthView;
}

/** `event: deployment`. */
export interface DeploymentEvent {
  deploymentId: string;
  applicationId: string;
  status: (typeof deploymentStatuses)[number];
  stage: DeploymentStage;
}

/** Where an application sits, for filtering. */
export interface Placement {
  applicationId: string;
  projectId: string;
}

export const NOT_DEPLOYED: HealthView = { status: 'not deployed', desired: 0, running: 0 };

export const healthView = (h: AppHealth): HealthView => ({ status: h.status, desired: h.desired, running: h.running });

const sameApplication = (a: ApplicationEvent, b: ApplicationEvent) =>
  a.environmentId === b.environmentId &&
  a.applicationStatus === b.applicationStatus &&
  a.health.status === b.health.status &&
  a.health.desired === b.health.desired &&
  a.health.running === b.health.running;

/** The applications whose status, health or environment differ from what was last sent (new ones included). */
export function applicationChanges(sent: ReadonlyMap<string, ApplicationEvent>, now: readonly ApplicationEvent[]): ApplicationEvent[] {
  return now.filter((e) => {
    const before = sent.get(e.applicationId);
    return !before || !sameApplication(before, e);
  });
}

/** The deployments whose status or stage differ from what was last seen (new ones included). */
export function deploymentChanges(seen: ReadonlyMap<string, DeploymentEvent>, now: readonly DeploymentEvent[]): DeploymentEvent[] {
  return now.filter((d) => {
    const before = seen.get(d.deploymentId);
    return !before || before.status !== d.status || before.stage !== d.stage;
  });
}

/** Whether a stream with `filter` wants events of the application (undefined: it is not known, e.g. deleted). */
export function wants(filter: EventFilter, app: Placement | undefined): boolean {
  if (!filter.projectId && !filter.applicationId) return true;
  if (!app) return false;
  return (!filter.projectId || filter.projectId === app.projectId) && (!filter.applicationId || filter.applicationId === app.applicationId);
}
