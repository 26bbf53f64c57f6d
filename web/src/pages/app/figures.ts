/**
 * Pure reckoning for the runtime tabs: how long things took, and the monitoring answer as
 * chart columns. No DOM, so test/unit reads it directly.
 */

/** A duration as a person reads it: 850 ms, 12.3 s, 2 m 05 s, 1 h 04 m. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

/** The pipeline's stages in order (deployment.all's `stage`). */
const STAGES = ['queued', 'cloning', 'building', 'pushing', 'releasing', 'verifying'];

/**
 * How long a deployment spent in each stage it entered, from `stageTimes` (when it entered
 * each): a stage lasts until the next one began, the last until `finishedAt` (or `now`).
 */
export function stageDurations(stageTimes: Record<string, string> | null, finishedAt: string | null, now: number): [string, number][] {
  const entered = STAGES.filter((s) => stageTimes?.[s]).map((s) => [s, Date.parse(stageTimes![s])] as const);
  const end = stageTimes?.finished ? Date.parse(stageTimes.finished) : finishedAt ? Date.parse(finishedAt) : now;
  return entered.map(([stage, at], i) => [stage, Math.max(0, (entered[i + 1]?.[1] ?? end) - at)]);
}

interface Point<V> {
  value: V;
  time: string;
}

/** application.readAppMonitoring's answer (the parts charted). */
export interface AppMonitoring {
  cpu: Point<string>[];
  memory: Point<{ usedBytes: number; totalBytes: number }>[];
  network: Point<{ inputMb: number; outputMb: number }>[];
}

/** Chart columns (the Chart's): seconds on x, then one array per series, null for a gap. */
type Columns = [number[], ...(number | null)[][]];

const seconds = (time: string) => Date.parse(time) / 1000;

/** CPU in percent ("12.34%" as the API writes it). */
export const cpuColumns = (m: AppMonitoring): Columns => [m.cpu.map((p) => seconds(p.time)), m.cpu.map((p) => parseFloat(p.value))];

/**
 * Memory used in MiB, and its limit when the application has one (without, the limit
 * Docker reports is the host's memory, which would flatten the line of what is used).
 */
export const memoryColumns = (m: AppMonitoring, limited: boolean): Columns => [
  m.memory.map((p) => seconds(p.time)),
  m.memory.map((p) => p.value.usedBytes / 2 ** 20),
  ...(limited ? [m.memory.map((p) => (p.value.totalBytes > 0 ? p.value.totalBytes / 2 ** 20 : null))] : []),
];

/**
 * Network throughput in kB/s, from the counters the API gives (MB since each task
 * started): the difference between two samples over their interval; a counter that went
 * down (a task restarted) leaves a gap rather than a negative rate.
 */
export function networkColumns(m: AppMonitoring): Columns {
  const pts = m.network;
  const rate = (i: number, pick: (v: { inputMb: number; outputMb: number }) => number) => {
    if (i === 0) return null;
    const dt = seconds(pts[i].time) - seconds(pts[i - 1].time);
    const d = pick(pts[i].value) - pick(pts[i - 1].value);
    return dt > 0 && d >= 0 ? (d * 1000) / dt : null;
  };
  return [pts.map((p) => seconds(p.time)), pts.map((_, i) => rate(i, (v) => v.inputMb)), pts.map((_, i) => rate(i, (v) => v.outputMb))];
}
