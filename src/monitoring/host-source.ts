import fs from 'node:fs/promises';
import { diskUsage, parseMeminfo, parseProcStat, type HostCpuTimes } from './host-stats.js';

/** What the host reports at one moment; a part the host does not expose is undefined. */
export interface HostReading {
  cpu: HostCpuTimes | undefined;
  memory: { used: number; total: number } | undefined;
  dataDisk: { used: number; total: number } | undefined;
  dockerDisk: { used: number; total: number } | undefined;
  rss: number;
}

async function readOr<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined; // not Linux, or the path is gone: that figure is simply missing
  }
}

/** Reads /proc and the file systems of the data dir and of Docker's root dir (when on this host). */
export async function readHost(dataDir: string, dockerRootDir: string | undefined): Promise<HostReading> {
  const [stat, meminfo, data, docker] = await Promise.all([
    readOr(() => fs.readFile('/proc/stat', 'utf8')),
    readOr(() => fs.readFile('/proc/meminfo', 'utf8')),
    readOr(() => fs.statfs(dataDir)),
    dockerRootDir ? readOr(() => fs.statfs(dockerRootDir)) : undefined,
  ]);
  return {
    cpu: stat === undefined ? undefined : parseProcStat(stat),
    memory: meminfo === undefined ? undefined : parseMeminfo(meminfo),
    dataDisk: data && diskUsage(data),
    dockerDisk: docker && diskUsage(docker),
    rss: process.memoryUsage.rss(),
  };
}
