import { z } from 'zod';
import { ALL_BUT_VOLUMES, dockerCleanupToggle, type CleanupKind } from '../model/cleanup.js';
import { serverOnly } from '../model/docker.js';
import { assertLocalServer } from '../model/registry.js';
import { group, mutation, query } from './procedure.js';

/**
 * `settings.*`: Docker cleanup of this engine and its disk usage (issue 15 §4). Unlike
 * Dokploy, every cleanup waits for its result and answers what it freed; nothing a kept
 * release, a service (running or scaled to 0) or an application's volume needs is removed.
 */

const clean = (kinds: readonly CleanupKind[], summary: string, description: string) =>
  mutation({
    input: serverOnly,
    summary,
    output: 'cleanupReport',
    description: `${description} Answers what was freed (bytes and counts, per kind) and what the engine refused.`,
    handler: ({ serverId }, { cleanup }) => {
      assertLocalServer(serverId);
      return cleanup.run(kinds);
    },
  });

export default group('settings', {
  cleanUnusedImages: clean(
    ['images'],
    'Remove unused images',
    'Removes every image no container uses, except those a kept release, a current release, a running deployment or a Swarm service (even one scaled to 0) needs, and those BERTH_CLEANUP_KEEP_IMAGES names.',
  ),
  cleanUnusedVolumes: clean(
    ['volumes'],
    'Remove unused volumes',
    "Removes volumes no container uses, except those an application's volume mount or a service names (a stopped application keeps its data).",
  ),
  cleanStoppedContainers: clean(['containers'], 'Remove stopped containers', 'Removes exited and dead containers (docker container prune).'),
  cleanDockerBuilder: clean(['buildCache'], 'Remove the build cache', 'Removes the build cache no build uses, down to BERTH_CLEANUP_BUILD_CACHE_KEEP bytes.'),
  cleanAll: mutation({
    input: serverOnly,
    summary: 'Remove stopped containers, unused images and the build cache',
    output: 'cleanAll',
    description:
      'Runs cleanStoppedContainers, cleanUnusedImages and cleanDockerBuilder in that order (volumes are left: they are data) and answers when done, with what was freed (Dokploy answers "scheduled" at once and reports nothing).',
    handler: async ({ serverId }, { cleanup }) => {
      assertLocalServer(serverId);
      const report = await cleanup.run(ALL_BUT_VOLUMES);
      return { status: 'done' as const, message: 'Docker cleanup done', ...report };
    },
  }),
  getDockerDiskUsage: query({
    summary: "Docker's disk usage (docker system df)",
    output: 'dockerDiskUsage',
    input: z.object({}),
    description: 'One row per kind (Images, Containers, Local Volumes, Build Cache) from the engine\'s /system/df, with docker system df\'s strings and the byte counts.',
    handler: (_, { cleanup }) => cleanup.diskUsage(),
  }),
  updateDockerCleanup: mutation({
    input: dockerCleanupToggle,
    summary: 'Turn the scheduled Docker cleanup on or off',
    output: 'ok',
    description:
      'Stores the switch (it survives restarts) and starts or stops the scheduled cleanup (BERTH_CLEANUP_SCHEDULE, default 23:50 daily), which does what cleanAll does. Turning it on does not run it at once.',
    handler: async ({ enableDockerCleanup, serverId }, { cleanup }) => {
      assertLocalServer(serverId);
      await cleanup.setDaily(enableDockerCleanup);
      return true;
    },
  }),
});
