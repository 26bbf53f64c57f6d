import { z } from 'zod';
import { applicationUpdate } from './application.js';
import { id } from './common.js';

/** Inputs and enums of deployments and the jobs behind them (reference/API.md §4.1, §6.1, §6.2). */

/** How far a deployment got; Berth adds it beside Dokploy's `status`. */
export const deploymentStages = ['queued', 'cloning', 'building', 'pushing', 'releasing', 'verifying', 'finished'] as const;
export type DeploymentStage = (typeof deploymentStages)[number];

/** Everything that changes an application's service is a job on one queue (DESIGN §1). */
export const jobTypes = ['deploy', 'redeploy', 'rollback', 'start', 'stop', 'reload'] as const;
export type JobType = (typeof jobTypes)[number];
/** Jobs that carry a deployment row; deploy and redeploy also take a slot of the build concurrency. */
export const deploymentTypes = ['deploy', 'redeploy', 'rollback'] as const;
export type DeploymentType = (typeof deploymentTypes)[number];
export const buildJobTypes: readonly JobType[] = ['deploy', 'redeploy'];

export const jobStates = ['queued', 'running', 'finished'] as const;

/** `deployment.allByType`'s owner kinds; Berth has deployments of applications and previews only. */
export const deploymentListTypes = ['application', 'compose', 'server', 'schedule', 'previewDeployment', 'backup', 'volumeBackup'] as const;

export const deployInput = z.object({
  applicationId: id(),
  title: z.string().max(500).optional(),
  description: z.string().max(5000).optional(),
});

/** `reload` requires `appName` (contract §9.6) and ignores it. */
export const reloadInput = z.object({
  applicationId: z.string(),
  appName: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-zA-Z0-9._-]+$/),
});

export const deploymentId = z.object({ deploymentId: id() });

/** The form fields of `application.dropDeployment` besides the archive (`zip`). */
export const dropInput = z.object({
  applicationId: id(),
  dropBuildPath: applicationUpdate.shape.dropBuildPath,
});

export const readLogsInput = z.object({
  deploymentId: id(),
  tail: z.number().int().min(1).max(10_000).default(100),
});

export const allByTypeInput = z.object({
  id: id(),
  type: z.enum(deploymentListTypes),
});

/**
 * How long a deployment spent in each stage it entered (ms), from the times it entered
 * them: a stage lasts until the next one began, the last until `finishedAt` (or `now`
 * while it runs). Pure.
 */
export function stageDurations(stageTimes: Partial<Record<DeploymentStage, string>> | null, finishedAt: string | null, now = Date.now()): Partial<Record<DeploymentStage, number>> {
  const entered = deploymentStages.filter((s) => s !== 'finished' && stageTimes?.[s]).map((s) => [s, Date.parse(stageTimes![s]!)] as const);
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return Object.fromEntries(entered.map(([stage, at], i) => [stage, Math.max(0, (entered[i + 1]?.[1] ?? end) - at)]));
}

/** The default titles Dokploy gives each kind of deployment. */
export const defaultTitle: Record<DeploymentType, string> = {
  deploy: 'Manual deployment',
  redeploy: 'Rebuild deployment',
  rollback: 'Rollback',
};
