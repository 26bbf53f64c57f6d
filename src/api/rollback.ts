import { z } from 'zod';
import { id } from '../model/common.js';
import { group, mutation } from './procedure.js';

const rollbackId = z.object({ rollbackId: id() });

export default group('rollback', {
  rollback: mutation({
    summary: 'Queue a rollback to a kept release',
    output: 'deployment',
    input: rollbackId,
    access: 'deploy',
    description:
      "Queues a rollback to that release and answers at once with its deployment (type `rollback`; Dokploy answers nothing and records nothing). Nothing is built: the service gets the release's image and its configuration snapshot (env, mounts, ports, limits, health check); it ends `done` only when the tasks run healthy, like a deploy. Registry credentials are the application's current ones.",
    handler: ({ rollbackId }, { deploy }) => deploy.enqueueRollback(rollbackId),
  }),
  delete: mutation({
    summary: 'Delete a rollback row and its local image',
    output: 'rollback',
    input: rollbackId,
    access: 'deploy',
    description: 'Deletes a rollback row and its local image (registry copies stay). The release the application runs now cannot be deleted (409).',
    handler: ({ rollbackId }, { deploy }) => deploy.removeRollback(rollbackId),
  }),
});
