import type { ContainerAction, Containers } from '../docker/containers.js';
import * as m from '../model/docker.js';
import { BerthError, conflict } from '../model/errors.js';
import { assertLocalServer } from '../model/registry.js';
import { group, mutation, query } from './procedure.js';

/**
 * `docker.*`: the containers of this Docker host as `docker ps`/`docker inspect` show them,
 * and their lifecycle (deployers and admins). A container is named by its name or at least
 * 12 characters of its ID; anything else is a 404, never another container.
 */

async function resolve(containers: Containers, ref: string) {
  const info = await containers.inspect(ref);
  if (!info || !m.namesContainer(ref, info))
    throw new BerthError('NOT_FOUND', `No container "${ref}": give its name or at least ${m.MIN_ID_PREFIX} characters of its ID (docker.getContainers lists them)`);
  return info;
}

/** The engine's refusal in its own words, with the status it means for the caller. */
function refusal(err: unknown): unknown {
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 404) return new BerthError('NOT_FOUND', (err as Error).message);
  if (status === 409) return conflict((err as Error).message);
  return err;
}

const lifecycle = (action: ContainerAction, summary: string, description: string) =>
  mutation({
    input: m.containerRef,
    access: 'deploy',
    summary,
    output: 'nothing',
    description,
    handler: async ({ containerId, serverId }, { containers }) => {
      assertLocalServer(serverId);
      const info = await resolve(containers, containerId);
      await containers.act(info.Id, action).catch((err) => {
        throw refusal(err);
      });
    },
  });

export default group('docker', {
  getContainers: query({
    summary: "The host's containers, as docker ps -a",
    output: 'containers',
    input: m.serverOnly,
    description: 'Every container of the host, running or not, as `docker ps -a` lists it.',
    handler: async ({ serverId }, { containers }) => {
      assertLocalServer(serverId);
      return (await containers.list({ all: true })).map(m.containerRow);
    },
  }),
  restartContainer: lifecycle('restart', 'Restart a container', 'Restarts a container. A Swarm task container that stops is replaced by Swarm.'),
  startContainer: lifecycle('start', 'Start a container', 'Starts a container; one already running is left as it is.'),
  stopContainer: lifecycle('stop', 'Stop a container', 'Stops a container (SIGTERM, then SIGKILL after its grace period); one already stopped is left as it is.'),
  killContainer: lifecycle('kill', 'Kill a running container', 'Sends SIGKILL to a running container; 409 when it is not running.'),
  removeContainer: lifecycle('remove', 'Remove a container', 'Removes a container, running or not (`docker rm -f`).'),
  getConfig: query({
    summary: 'docker inspect of a container',
    output: 'engineObject',
    input: m.containerRef,
    description: "`docker inspect` of a container. Env values are masked for callers other than admins (who may read the app's env).",
    handler: async ({ containerId, serverId }, { containers, caller }) => {
      assertLocalServer(serverId);
      const info = await resolve(containers, containerId);
      return caller.role === 'admin' ? info : m.maskContainerEnv(info);
    },
  }),
  getContainersByAppNameMatch: query({
    summary: 'Containers whose name starts with an appName',
    output: 'containersByName',
    input: m.appNameMatch,
    description: 'Containers whose name starts with appName; with appType, those of the compose project or stack of that name.',
    handler: async ({ appName, appType, serverId }, { containers }) => {
      assertLocalServer(serverId);
      const label = appType === 'docker-compose' ? 'com.docker.compose.project' : appType === 'stack' ? 'com.docker.stack.namespace' : undefined;
      const list = await containers.list({ all: true, filters: label ? { label: [`${label}=${appName}`] } : undefined });
      return list
        .map(m.containerRow)
        .filter((c) => label || c.name.startsWith(appName))
        .map(({ containerId, name, state, status }) => ({ containerId, name, state, status }));
    },
  }),
  getContainersByAppLabel: query({
    summary: 'Running containers of a service or name',
    output: 'containersByLabel',
    input: m.appLabel,
    description: "Running containers of a Swarm service (type swarm), or whose name contains appName (standalone, Docker's name filter).",
    handler: async ({ appName, type, serverId }, { containers }) => {
      assertLocalServer(serverId);
      const filters: Record<string, string[]> = type === 'swarm' ? { label: [`com.docker.swarm.service.name=${appName}`] } : { name: [appName] };
      return (await containers.list({ filters })).map(m.containerRow).map(({ containerId, name, state }) => ({ containerId, name, state }));
    },
  }),
  getServiceContainersByAppName: query({
    summary: "A Swarm service's tasks, as docker service ps",
    output: 'serviceTasks',
    input: m.appNameRef,
    description:
      "The tasks of a Swarm service, history included, newest first, as `docker service ps` shows them; containerId is the task's container (short ID). [] when there is no such service.",
    handler: async ({ appName, serverId }, { containers, cluster }) => {
      assertLocalServer(serverId);
      const tasks = await containers.tasks(appName);
      if (tasks.length === 0) return [];
      const nodeNames = new Map((await cluster.nodes.list()).map((n) => [n.ID, n.Description?.Hostname ?? n.ID]));
      const now = Date.now();
      return tasks.map((t) => m.taskRow(appName, t, nodeNames, now));
    },
  }),
});
