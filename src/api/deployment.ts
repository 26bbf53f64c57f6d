import { z } from 'zod';
import { applicationId } from '../model/application.js';
import { id } from '../model/common.js';
import * as d from '../model/deployment.js';
import { group, mutation, query } from './procedure.js';

/** Berth has no compose services, servers or backups: their deployment lists are empty (schedules have runs of their own). */
const owners: Partial<Record<(typeof d.deploymentListTypes)[number], 'application' | 'previewDeployment'>> = {
  application: 'application',
  previewDeployment: 'previewDeployment',
};

export default group('deployment', {
  all: query({
    summary: "An application's deployments, newest first",
    output: 'deployments',
    input: applicationId,
    description: "The application's deployments, newest first. Berth adds `stage` (how far the pipeline got), `stageTimes` (when it entered each stage), `image` (what it released) and `durationMs`.",
    handler: ({ applicationId }, { store }) => store.deployments.list(applicationId),
  }),
  allByType: query({
    summary: 'Deployments of an application or preview, with rollbacks',
    output: 'deploymentsOrScheduleRuns',
    input: d.allByTypeInput,
    description: "Deployments of an application or a preview, newest first, each with its `rollback` (null when none; without the snapshot, which holds credentials); the runs of a schedule (`schedule`, as `schedule.list`'s `deployments`). Other types have none in Berth: [].",
    handler: ({ id, type }, { store }) => (type === 'schedule' ? (store.schedules.get(id), store.schedules.runs(id)) : owners[type] ? store.deployments.listByOwner(owners[type], id) : []),
  }),
  allByCompose: query({
    summary: 'Deployments of a compose service (always empty)',
    output: 'emptyList',
    input: z.object({ composeId: id() }),
    description: 'Berth has no compose services: always [].',
    handler: () => [],
  }),
  allByServer: query({
    summary: 'Deployments of a remote server (always empty)',
    output: 'emptyList',
    input: z.object({ serverId: id() }),
    description: 'Berth has no remote servers: always [].',
    handler: () => [],
  }),
  allCentralized: query({
    summary: "Every application's deployments, newest first",
    output: 'deploymentsCentralized',
    input: z.object({}),
    description: 'Every application\'s deployments, newest first, each with `application` (id, name, appName, icon, environment with its project).',
    handler: (_, { store }) => store.deployments.listAll(),
  }),
  queueList: query({
    summary: 'Queued and running jobs',
    output: 'queue',
    input: z.object({}),
    description: "Queued (`waiting`) and running (`active`) jobs, oldest first, in the shape of Dokploy's queue: deploy, redeploy, start, stop and reload all wait in the one queue.",
    handler: (_, { store }) =>
      store.deployments.pending().map(({ job, name, title, description }) => ({
        id: job.jobId,
        name: 'deployments',
        data: {
          applicationId: job.applicationId,
          deploymentId: job.deploymentId,
          titleLog: title ?? job.type,
          descriptionLog: description ?? '',
          type: job.type,
          applicationType: 'application',
          server: false,
        },
        timestamp: Date.parse(job.createdAt),
        processedOn: job.startedAt ? Date.parse(job.startedAt) : null,
        finishedOn: null,
        failedReason: null,
        state: job.state === 'running' ? 'active' : 'waiting',
        servicePath: { href: null, label: name },
      })),
  }),
  readLogs: query({
    summary: 'The last lines of a deployment log',
    output: 'text',
    input: d.readLogsInput,
    description: 'The last `tail` lines of the deployment log ("" before its job starts). The last line of a finished deployment is its end marker.',
    handler: ({ deploymentId, tail }, { deploy }) => deploy.readLogs(deploymentId, tail),
  }),
  killProcess: mutation({
    summary: 'Cancel a queued or running deployment',
    output: 'nothing',
    input: d.deploymentId,
    access: 'deploy',
    description: 'Cancels that deployment, queued or running (its processes are killed; a service it was already updating goes back to its previous version); 400 "Deployment is not running" otherwise.',
    handler: async ({ deploymentId }, { deploy }) => {
      await deploy.cancelDeployment(deploymentId);
    },
  }),
  removeDeployment: mutation({
    summary: 'Delete a finished deployment with its log and image',
    output: 'deployment',
    input: d.deploymentId,
    access: 'deploy',
    description: 'Deletes a finished deployment with its log file and image; returns the row. A running one must be cancelled first (400).',
    handler: ({ deploymentId }, { deploy }) => deploy.removeDeployment(deploymentId),
  }),
});
