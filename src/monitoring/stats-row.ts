import type { DockerStats } from '../docker/stats-source.js';
import { byteSize } from '../model/byte-size.js';
import { containerFigures, cpuCounters, cpuPercent } from './container-stats.js';

/**
 * One container's line of `docker stats --no-stream --format '{{json .}}'` (what Dokploy's
 * `swarm.getContainerStats` returns), from a stats read that carries `precpu_stats` (pure).
 */
export interface StatsRow {
  BlockIO: string;
  CPUPerc: string;
  Container: string;
  ID: string;
  MemPerc: string;
  MemUsage: string;
  Name: string;
  NetIO: string;
}

/** docker's units.BytesSize: binary steps, as memory is shown ("12.5MiB"). */
export const binarySize = (bytes: number) => byteSize(bytes, 1024);

/** docker's units.HumanSize: decimal steps, as network and block I/O are shown ("1.2kB"). */
export const decimalSize = (bytes: number) => byteSize(bytes, 1000);

const percent = (n: number) => `${n.toFixed(2)}%`;

export function statsRow(container: { id: string; name: string }, stats: DockerStats & { precpu_stats?: DockerStats['cpu_stats'] }): StatsRow {
  const f = containerFigures(stats);
  const cpu = cpuPercent(cpuCounters({ cpu_stats: stats.precpu_stats }), f.cpu) ?? 0;
  const mem = f.memoryLimit ? (f.memoryUsed / f.memoryLimit) * 100 : 0;
  return {
    BlockIO: `${decimalSize(f.blockRead)} / ${decimalSize(f.blockWrite)}`,
    CPUPerc: percent(cpu),
    Container: container.id.slice(0, 12),
    ID: container.id.slice(0, 12),
    MemPerc: percent(mem),
    MemUsage: `${binarySize(f.memoryUsed)} / ${binarySize(f.memoryLimit)}`,
    Name: container.name,
    NetIO: `${decimalSize(f.networkRx)} / ${decimalSize(f.networkTx)}`,
  };
}
