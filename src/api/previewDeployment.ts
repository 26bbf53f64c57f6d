import { z } from 'zod';
import { id } from '../model/common.js';
import { BerthError } from '../model/errors.js';
import { group, mutation, query } from './procedure.js';

const previewDeploymentId = z.object({ previewDeploymentId: id() });

export default group('previewDeployment', {
  all: query({
    summary: "An application's previews, with their deployments and domains",
    output: 'previews',
    input: z.object({ applicationId: id() }),
    description:
      "The application's previews, newest first, each with its deployments (newest first) and domain. A pull request that was refused a preview (previewLimit reached, a fork while previewAllowForks is off) is listed with `statusMessage` saying why, and no domain.",
    handler: ({ applicationId }, { store }) => {
      store.applications.get(applicationId);
      return store.previews.list(applicationId);
    },
  }),
  one: query({
    summary: 'One preview, with its deployments and domain',
    output: 'previewOne',
    input: previewDeploymentId,
    handler: ({ previewDeploymentId }, { store }) => store.previews.one(previewDeploymentId),
  }),
  delete: mutation({
    summary: 'Remove a preview completely',
    output: 'ok',
    input: previewDeploymentId,
    access: 'deploy',
    description: "Removes the preview completely: its jobs, Swarm service, built images, Traefik file, logs, domain and deployment rows. A later update of the pull request creates it again.",
    handler: async ({ previewDeploymentId }, { deploy }) => {
      await deploy.removePreview(previewDeploymentId);
      return true;
    },
  }),
  redeploy: mutation({
    summary: "Rebuild a preview at its newest deployment's commit",
    output: 'deployment',
    input: previewDeploymentId.extend({ title: z.string().max(200).optional(), description: z.string().max(2000).optional() }),
    access: 'deploy',
    description: "Queues a rebuild of the preview at the commit of its newest deployment and answers with the deployment (Dokploy answers true).",
    handler: ({ previewDeploymentId, title, description }, { store, deploy }) => {
      const preview = store.previews.get(previewDeploymentId);
      if (preview.statusMessage) throw new BerthError('BAD_REQUEST', `Pull request #${preview.pullRequestNumber} has no preview: ${preview.statusMessage}`);
      const [newest] = store.previews.one(previewDeploymentId).deployments;
      return deploy.enqueuePreview(previewDeploymentId, { title: title || `Rebuild of preview #${preview.pullRequestNumber}`, description, ...(newest?.commitHash ? { commitHash: newest.commitHash } : {}) }, 'redeploy');
    },
  }),
});
