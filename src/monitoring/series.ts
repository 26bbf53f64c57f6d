import type { AppSample, NodeSample, ServerSample } from '../store/metrics.js';
import { binarySize } from './stats-row.js';

/**
 * Stored samples in the wire shapes of the monitoring routes. `readAppMonitoring` keeps
 * Dokploy's `{value, time}` points and its value formats (`"12.34%"`, `"32.41MiB"`, decimal
 * MB numbers), so its clients chart Berth's series as they chart Dokploy's.
 */

export { binarySize };

/** Bytes in decimal megabytes, six decimals, as Dokploy stores network and block I/O. */
export const megabytes = (bytes: number) => Number((bytes / 1e6).toFixed(6));

const at = (time: number) => new Date(time).toISOString();

export interface Point<V> {
  value: V;
  time: string;
}

export interface AppMonitoring {
  cpu: Point<string>[];
  memory: Point<{ used: string; total: string; usedBytes: number; totalBytes: number }>[];
  /** Dokploy fills it for its own host only; an application's disk is not sampled. */
  disk: Point<never>[];
  network: Point<{ inputMb: number; outputMb: number }>[];
  block: Point<{ readMb: number; writeMb: number }>[];
  /** Berth's addition: running tasks, and the tasks Swarm had to replace. */
  restarts: Point<{ tasks: number; restarts: number }>[];
}

export function appMonitoring(samples: AppSample[]): AppMonitoring {
  return {
    // a container's first sample has no CPU delta yet
    cpu: samples.filter((s) => s.cpu !== null).map((s) => ({ value: `${s.cpu!.toFixed(2)}%`, time: at(s.time) })),
    memory: samples.map((s) => ({
      value: { used: binarySize(s.memoryUsed), total: binarySize(s.memoryLimit), usedBytes: s.memoryUsed, totalBytes: s.memoryLimit },
      time: at(s.time),
    })),
    disk: [],
    network: samples.map((s) => ({ value: { inputMb: megabytes(s.networkRx), outputMb: megabytes(s.networkTx) }, time: at(s.time) })),
    block: samples.map((s) => ({ value: { readMb: megabytes(s.blockRead), writeMb: megabytes(s.blockWrite) }, time: at(s.time) })),
    restarts: samples.map((s) => ({ value: { tasks: s.tasks, restarts: s.restarts }, time: at(s.time) })),
  };
}

export interface ServerPoint {
  time: string;
  /** Percent of all CPUs; null on the sampler's first tick. */
  cpuPercent: number | null;
  memory: { usedBytes: number; totalBytes: number };
  dataDisk: { usedBytes: number; totalBytes: number };
  /** null when the Docker engine is not on this host. */
  dockerDisk: { usedBytes: number; totalBytes: number } | null;
  controlPlaneRssBytes: number;
  /** Each Swarm node at that time: its resources, and what Berth's applications' tasks on it use (null: its engine is not reached). */
  nodes: NodePoint[];
}

export interface NodePoint {
  nodeId: string;
  hostname: string;
  cpus: number;
  memoryTotalBytes: number;
  tasks: number | null;
  /** Percent of one CPU, the tasks' summed; null on their first sample or when not reached. */
  tasksCpuPercent: number | null;
  tasksMemoryUsedBytes: number | null;
}

export function serverPoints(samples: ServerSample[], nodeSamples: NodeSample[] = []): ServerPoint[] {
  const byTime = new Map<number, NodePoint[]>();
  for (const n of nodeSamples) {
    const point = { nodeId: n.nodeId, hostname: n.hostname, cpus: n.cpus, memoryTotalBytes: n.memoryTotal, tasks: n.tasks, tasksCpuPercent: n.cpu, tasksMemoryUsedBytes: n.memoryUsed };
    byTime.set(n.time, [...(byTime.get(n.time) ?? []), point]);
  }
  return samples.map((s) => ({
    time: at(s.time),
    cpuPercent: s.cpu,
    memory: { usedBytes: s.memoryUsed, totalBytes: s.memoryTotal },
    dataDisk: { usedBytes: s.dataDiskUsed, totalBytes: s.dataDiskTotal },
    dockerDisk: s.dockerDiskUsed === null || s.dockerDiskTotal === null ? null : { usedBytes: s.dockerDiskUsed, totalBytes: s.dockerDiskTotal },
    controlPlaneRssBytes: s.rss,
    nodes: byTime.get(s.time) ?? [],
  }));
}
