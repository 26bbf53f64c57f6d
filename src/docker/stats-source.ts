import { ENGINE_LABEL, type SwarmNode } from '../model/cluster.js';
import type { Engine } from './engine.js';
import type { NodeEngines } from './nodes.js';

/** Swarm puts these labels on every task container it starts. */
const SERVICE_NAME = 'com.docker.swarm.service.name';
const SERVICE_ID = 'com.docker.swarm.service.id';
const NODE_ID = 'com.docker.swarm.node.id';

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
  /** The Swarm node it runs on ('' outside a Swarm). */
  node: string;
  /** The engine it was listed on: another node's `berth.engine` endpoint, or undefined for Berth's own engine. */
  engine?: string;
}

/** A Swarm node as the sampler sees it. */
export interface SampledNode {
  nodeId: string;
  hostname: string;
  cpus: number;
  memoryBytes: number;
  state: string;
  /** Its `berth.engine` label: where its containers are read. */
  engine?: string;
}

/** What the sampler reads from the Docker engines. */
export interface StatsSource {
  /** Berth's own node and every node of the Swarm (none outside a Swarm). */
  nodes(signal: AbortSignal): Promise<{ self: string; nodes: SampledNode[] }>;
  /** Running containers of Swarm services on Berth's engine, or on another node's engine (its `berth.engine`). */
  serviceContainers(signal: AbortSignal, node?: SampledNode): Promise<ServiceContainer[]>;
  /** One read of a container's stats, on the engine it was listed on; undefined when the container is gone. */
  stats(container: ServiceContainer, signal: AbortSignal): Promise<DockerStats | undefined>;
  tasks(signal: AbortSignal): Promise<SwarmTaskStatus[]>;
  /** Docker's root dir, when the engine runs on this host (its disk is this host's). */
  localRootDir(): Promise<string | undefined>;
}

/**
 * The StatsSource of real engines: thin calls over dockerode, to Berth's engine and to each
 * node's own engine at its `berth.engine` endpoint (see nodes.ts, nodeEngineOptions).
 */
export function dockerStatsSource(engine: Engine, dockerHost: string, engines: NodeEngines): StatsSource {
  let rootDir: Promise<string | undefined> | undefined;
  const engineOf = (endpoint: string | undefined) => {
    if (!endpoint) return engine;
    const remote = engines.at(endpoint);
    if (!remote) throw new Error(engines.whyNot(endpoint));
    return remote;
  };
  return {
    async nodes(signal) {
      const swarm = await engine.swarmInfo(signal);
      const self = swarm.NodeID ?? '';
      if (!swarm.ControlAvailable) return { self, nodes: [] };
      const nodes = (await engine.docker.listNodes({ abortSignal: signal })) as SwarmNode[];
      return {
        self,
        nodes: nodes.map((n) => ({
          nodeId: n.ID,
          hostname: n.Description?.Hostname ?? n.ID,
          cpus: (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
          memoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
          state: n.Status?.State ?? '',
          engine: n.Spec?.Labels?.[ENGINE_LABEL],
        })),
      };
    },
    async serviceContainers(signal, node) {
      const list = await engineOf(node?.engine).docker.listContainers({ filters: { label: [SERVICE_NAME], status: ['running'] }, abortSignal: signal });
      return list.map((c) => ({ id: c.Id, service: c.Labels[SERVICE_NAME], serviceId: c.Labels[SERVICE_ID], node: c.Labels[NODE_ID] ?? '', engine: node?.engine }));
    },
    async stats(container, signal) {
      try {
        // one-shot (API 1.41, Engine 20.10): one frame, without the second read that fills
        // precpu_stats; the engine still answers at its next 1 s collection. (The types omit
        // abortSignal, which docker-modem reads.)
        return (await engineOf(container.engine).docker.getContainer(container.id).stats({ stream: false, 'one-shot': true, abortSignal: signal } as object)) as DockerStats;
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
