/**
 * How an application's service is doing, from Swarm's desired replica count and its
 * tasks (pure). `application.one` shows it beside the current release.
 */

/** A Swarm task as a user reads it (src/docker/tasks.ts fills it in). */
export interface TaskView {
  /** Swarm's state of the task: running, failed, shutdown, complete, … */
  state: string;
  /** What Swarm wants of it: running, or shutdown once it is replaced or given up. */
  desiredState: string;
  message: string | null;
  error: string | null;
  /** null while the process runs or when it never started. */
  exitCode: number | null;
  /**
   * Killed by the kernel for exceeding its memory limit. From the container when it still
   * exists; else inferred: a task that failed with exit 137 (SIGKILL) that Swarm did not stop.
   */
  oomKilled: boolean;
  finishedAt: string | null;
}

export type HealthStatus = 'not deployed' | 'stopped' | 'running' | 'starting' | 'failing' | 'unknown';

export interface AppHealth {
  status: HealthStatus;
  /** Tasks Swarm should run, and those running (healthy, when a health check is set). */
  desired: number;
  running: number;
  /** Why the newest ended task ended, when one did: its error, exit code, or an out-of-memory kill. */
  lastExit: { state: string; reason: string; exitCode: number | null; oomKilled: boolean; at: string | null } | null;
  /** When Docker could not be asked. */
  error?: string;
}

const STARTING = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);

/** `desired` undefined: there is no service. Tasks newest first. */
export function appHealth(desired: number | undefined, tasks: TaskView[]): AppHealth {
  const ended = tasks.find((t) => t.state !== 'running' && !STARTING.has(t.state) && (t.error || t.exitCode || t.oomKilled));
  const lastExit = ended
    ? {
        state: ended.state,
        reason: ended.oomKilled ? 'killed: out of memory (memory limit reached)' : (ended.error ?? ended.message ?? `exit code ${ended.exitCode}`),
        exitCode: ended.exitCode,
        oomKilled: ended.oomKilled,
        at: ended.finishedAt,
      }
    : null;
  if (desired === undefined) return { status: 'not deployed', desired: 0, running: 0, lastExit: null };
  const wanted = tasks.filter((t) => t.desiredState === 'running');
  const running = wanted.filter((t) => t.state === 'running').length;
  const status: HealthStatus =
    desired === 0 ? 'stopped' : running >= desired ? 'running' : wanted.some((t) => STARTING.has(t.state)) && !lastExit ? 'starting' : 'failing';
  return { status, desired, running, lastExit };
}
