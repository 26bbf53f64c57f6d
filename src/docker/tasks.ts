import type { TaskView } from '../model/app-health.js';
import { daemonError, isNotFound, type Engine, type SwarmTask } from './engine.js';

/**
 * The tasks of an application's service as a user reads them: what runs, what ended and
 * why (an out-of-memory kill, a non-zero exit, a failed health check). Thin: Swarm's task
 * list, with the container's own state where the container still exists on this node.
 */

export interface TaskState extends TaskView {
  taskId: string;
  /** The replica the task fills (replicated services). */
  slot: number | null;
  nodeId: string | null;
  createdAt: string;
  startedAt: string | null;
}

interface ContainerState {
  Running?: boolean;
  OOMKilled?: boolean;
  ExitCode?: number;
  StartedAt?: string;
  FinishedAt?: string;
}

/** Docker's "never" timestamp. */
const timestamp = (t: string | undefined) => (t && !t.startsWith('0001-') ? t : null);

/** The most recent tasks of the service named appName, newest first ([] when there is none). */
export async function serviceTasks(engine: Pick<Engine, 'docker' | 'listTasks'>, appName: string, opts: { limit?: number; signal?: AbortSignal } = {}): Promise<TaskState[]> {
  const tasks = (await engine.listTasks(appName, opts.signal)).slice(0, opts.limit ?? 10);
  return Promise.all(tasks.map(async (t) => taskState(t, await containerState(engine, t, opts.signal))));
}

async function containerState(engine: Pick<Engine, 'docker'>, task: SwarmTask, signal?: AbortSignal): Promise<ContainerState | undefined> {
  const id = task.Status.ContainerStatus?.ContainerID;
  if (!id) return undefined;
  try {
    return (await engine.docker.getContainer(id).inspect({ abortSignal: signal })).State as ContainerState;
  } catch (err) {
    // removed with the task history, or on another node: the task's words are all there is
    if (isNotFound(err)) return undefined;
    throw daemonError(err);
  }
}

/** Pure: one task, with its container's state when there is one. */
export function taskState(task: SwarmTask, container: ContainerState | undefined): TaskState {
  const ended = !['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running'].includes(task.Status.State);
  const exitCode = container ? (container.Running ? null : (container.ExitCode ?? null)) : ended && task.Status.ContainerStatus?.ContainerID ? (task.Status.ContainerStatus.ExitCode ?? null) : null;
  return {
    taskId: task.ID,
    slot: task.Slot ?? null,
    nodeId: task.NodeID ?? null,
    state: task.Status.State,
    desiredState: task.DesiredState,
    message: task.Status.Message || null,
    error: task.Status.Err || null,
    exitCode,
    oomKilled: container?.OOMKilled ?? (task.Status.State === 'failed' && exitCode === 137),
    createdAt: task.CreatedAt,
    startedAt: timestamp(container?.StartedAt),
    finishedAt: container ? (container.Running ? null : timestamp(container.FinishedAt)) : ended ? task.Status.Timestamp : null,
  };
}
