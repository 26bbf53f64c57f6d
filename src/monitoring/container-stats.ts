/**
 * Figures of one container from the Engine's stats (`GET /containers/{id}/stats`), the way
 * `docker stats` computes them. Pure: the sampler keeps the previous CPU counters, since a
 * one-shot read carries no `precpu_stats`.
 */
import type { DockerStats } from '../docker/stats-source.js';

/** The CPU counters a CPU percentage is the delta of. */
export interface CpuCounters {
  /** Nanoseconds of CPU the container used. */
  container: number;
  /** Nanoseconds of CPU the host spent, all CPUs together. */
  system: number;
  cpus: number;
}

/** Memory and I/O of a container, or of an application's containers summed. */
export interface UsageFigures {
  memoryUsed: number;
  memoryLimit: number;
  networkRx: number;
  networkTx: number;
  blockRead: number;
  blockWrite: number;
}

export interface ContainerFigures extends UsageFigures {
  cpu: CpuCounters | undefined;
}

export function cpuCounters(stats: DockerStats): CpuCounters | undefined {
  const c = stats.cpu_stats;
  const container = c?.cpu_usage?.total_usage;
  const system = c?.system_cpu_usage;
  if (container === undefined || system === undefined) return undefined;
  return { container, system, cpus: c?.online_cpus || c?.cpu_usage?.percpu_usage?.length || 1 };
}

/**
 * CPU percent between two reads, 100 = one CPU busy (as `docker stats`); undefined when
 * the counters did not move forward (first read, container restarted, clock step).
 */
export function cpuPercent(prev: CpuCounters | undefined, cur: CpuCounters | undefined): number | undefined {
  if (!prev || !cur) return undefined;
  const container = cur.container - prev.container;
  const system = cur.system - prev.system;
  if (container < 0 || system <= 0) return undefined;
  return (container / system) * cur.cpus * 100;
}

/** Memory in use without the reclaimable page cache, as `docker stats` shows it. */
export function memoryUsed(memory: DockerStats['memory_stats']): number {
  const usage = memory?.usage ?? 0;
  const s = memory?.stats ?? {};
  // cgroup v1 names it total_inactive_file, v2 inactive_file
  const cache = s.total_inactive_file ?? s.inactive_file ?? 0;
  return cache < usage ? usage - cache : usage;
}

function sumNetworks(networks: DockerStats['networks']): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  return { rx, tx };
}

function sumBlock(blkio: DockerStats['blkio_stats']): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of blkio?.io_service_bytes_recursive ?? []) {
    // v1 spells the ops "Read"/"Write", v2 "read"/"write"
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  return { read, write };
}

export function containerFigures(stats: DockerStats): ContainerFigures {
  const net = sumNetworks(stats.networks);
  const block = sumBlock(stats.blkio_stats);
  return {
    cpu: cpuCounters(stats),
    memoryUsed: memoryUsed(stats.memory_stats),
    memoryLimit: stats.memory_stats?.limit ?? 0,
    networkRx: net.rx,
    networkTx: net.tx,
    blockRead: block.read,
    blockWrite: block.write,
  };
}

/** An application's sample: its containers summed (CPU only over containers with a delta). */
export interface AppFigures extends UsageFigures {
  cpu: number | null;
  tasks: number;
}

export function sumContainers(containers: { figures: ContainerFigures; cpuPercent: number | undefined }[]): AppFigures {
  const out: AppFigures = { cpu: null, memoryUsed: 0, memoryLimit: 0, networkRx: 0, networkTx: 0, blockRead: 0, blockWrite: 0, tasks: containers.length };
  for (const { figures: f, cpuPercent: cpu } of containers) {
    if (cpu !== undefined) out.cpu = (out.cpu ?? 0) + cpu;
    out.memoryUsed += f.memoryUsed;
    out.memoryLimit += f.memoryLimit;
    out.networkRx += f.networkRx;
    out.networkTx += f.networkTx;
    out.blockRead += f.blockRead;
    out.blockWrite += f.blockWrite;
  }
  if (out.cpu !== null) out.cpu = Math.round(out.cpu * 100) / 100;
  return out;
}
