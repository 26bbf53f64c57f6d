import type { Engine } from './engine.js';

/** Swarm puts these labels on every task container it starts. */
const SERVICE_NAME = 'com.docker.swarm.service.name';
const SERVICE_ID = 'com.docker.swarm.service.id';

/** The part of the Engine's stats answer Berth reads (cgroup v1 and v2). */
export interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
}

/** A Swarm task, as far as restart counting reads it. */
export interface SwarmTaskStatus {
  ServiceID?: string;
  Status?: { State?: string };
}

export interface ServiceContainer {
  id: string;
  service: string;
  serviceId: string;
}

/** What the sampler reads from the Docker engine. */
export interface StatsSource {
  /** Running containers of Swarm services on this engine. */
  serviceContainers(signal: AbortSignal): Promise<ServiceContainer[]>;
  /** One read of a container's stats; undefined when the container is gone. */
  stats(containerId: string, signal: AbortSignal): Promise<DockerStats | undefined>;
  tasks(signal: AbortSignal): Promise<SwarmTaskStatus[]>;
  /** Docker's root dir, when the engine runs on this host (its disk is this host's). */
  localRootDir(): Promise<string | undefined>;
}

/** The StatsSource of a real engine: thin calls over dockerode. */
export function dockerStatsSource(engine: Engine, dockerHost: string): StatsSource {
  let rootDir: Promise<string | undefined> | undefined;
  return {
    async serviceContainers(signal) {
      const list = await engine.docker.listContainers({ filters: { label: [SERVICE_NAME], status: ['running'] }, abortSignal: signal });
      return list.map((c) => ({ id: c.Id, service: c.Labels[SERVICE_NAME], serviceId: c.Labels[SERVICE_ID] }));
    },
    async stats(containerId, signal) {
      try {
        // one-shot (API 1.41, Engine 20.10): one frame, without the second read that fills
        // precpu_stats; the engine still answers at its next 1 s collection. (The types omit
        // abortSignal, which docker-modem reads.)
        return (await engine.docker.getContainer(containerId).stats({ stream: false, 'one-shot': true, abortSignal: signal } as object)) as DockerStats;
      } catch (err) {
        if (signal.aborted) throw err;
        return undefined; // it stopped between the list and the read
      }
    },
    async tasks(signal) {
      return (await engine.docker.listTasks({ abortSignal: signal })) as SwarmTaskStatus[];
    },
    localRootDir() {
      if (!dockerHost.startsWith('unix://')) return Promise.resolve(undefined);
      return (rootDir ??= engine.docker.info().then(
        (info: { DockerRootDir?: string }) => info.DockerRootDir,
        () => ((rootDir = undefined), undefined),
      ));
    },
  };
}
