/** Pure readers of the host's /proc files, for the server's own metrics. */

/** CPU time of the whole host from the `cpu` line of /proc/stat, in clock ticks. */
export interface HostCpuTimes {
  idle: number;
  total: number;
}

export function parseProcStat(text: string): HostCpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user/nice)
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  const idle = f[3] + (f[4] ?? 0);
  return { idle, total: f.reduce((a, b) => a + b, 0) };
}

/** Percent of all CPUs busy between two reads; undefined without a forward delta. */
export function hostCpuPercent(prev: HostCpuTimes | undefined, cur: HostCpuTimes | undefined): number | undefined {
  if (!prev || !cur) return undefined;
  const total = cur.total - prev.total;
  const idle = cur.idle - prev.idle;
  if (total <= 0 || idle < 0) return undefined;
  return Math.round(((total - idle) / total) * 10_000) / 100;
}

/** Used and total memory from /proc/meminfo, in bytes (used = total − available, as `free`). */
export function parseMeminfo(text: string): { used: number; total: number } | undefined {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const total = kb('MemTotal');
  const available = kb('MemAvailable') ?? kb('MemFree');
  if (total === undefined || available === undefined) return undefined;
  return { used: total - available, total };
}

/** Used and total bytes of a file system from `fs.statfs` (used as `df`: total − free). */
export function diskUsage(s: { bsize: number; blocks: number; bfree: number }): { used: number; total: number } {
  return { used: (s.blocks - s.bfree) * s.bsize, total: s.blocks * s.bsize };
}
