import type { SwarmTask } from './engine.js';

/**
 * Where a rollout stands, from one look at the service and its tasks. Pure: the engine
 * gathers what Swarm reports, asks here, and only does what the answer says.
 */

/** What one poll saw. */
export interface RolloutView {
  /** Every task of the service, history included. */
  tasks: SwarmTask[];
  /** TaskTemplate.ForceUpdate of the spec the rollout put in force. */
  forceUpdate: number;
  /** TaskTemplate.ForceUpdate of the spec in force now (after a Swarm rollback: the previous one). */
  serviceForceUpdate: number;
  /** The service runs a job (its tasks complete) rather than a long-running process. */
  job: boolean;
  /** How many tasks the service wants running (or, for a job, completed). */
  wanted: number;
  /** Swarm's UpdateStatus of the service. */
  update?: { state?: string; message?: string };
  /** UpdateConfig.FailureAction of the service. */
  failureAction?: string;
  /** The error of a task of this rollout that broke, when one did (see brokenTask). */
  failure?: string;
  /** Containers of the tasks being replaced that were sent their stop signal (where the engine can see it). */
  stopSignalled?: ReadonlySet<string>;
  /** IDs of the nodes Swarm has marked down (a dead daemon, a machine off). */
  downNodes?: ReadonlySet<string>;
}

export type RolloutVerdict =
  /** The new tasks run as many as wanted and no other task is left in service discovery: done once their containers are confirmed running. */
  | { verdict: 'done'; tasks: SwarmTask[] }
  /** The new tasks run, but the `lingering` tasks they replace may still be handed out by Docker's DNS. */
  | { verdict: 'old release in service discovery'; tasks: SwarmTask[]; lingering: SwarmTask[] }
  | { verdict: 'failed'; error: string }
  /** Swarm rolled the update back and the previous version runs again. */
  | { verdict: 'rolled back'; error: string }
  /** Nothing decided yet: tasks are starting, or Swarm is rolling back after `failure`. */
  | { verdict: 'starting'; failure?: string; restoring: boolean };

/** Task states after which a task never runs again. */
const ENDED = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);
/** Ended states that mean the task broke (a clean `shutdown` is Swarm replacing it). */
const BROKE = new Set(['failed', 'rejected', 'orphaned']);

/** Tasks of the given spec created since the rollout began (older ones are history: a rollback can reuse a ForceUpdate). */
export const tasksOfRollout = (tasks: SwarmTask[], forceUpdate: number, since: number) =>
  tasks.filter((t) => (t.Spec.ForceUpdate ?? 0) === forceUpdate && Date.parse(t.CreatedAt) >= since);

/** The task of the rollout that broke, if any (a service task that completed broke too: it should run). */
export const brokenTask = (mine: SwarmTask[], job: boolean) => mine.find((t) => BROKE.has(t.Status.State) || (!job && t.Status.State === 'complete'));

/**
 * Swarm's reason when no node may run a pending task of the rollout: every node is ruled
 * out by the placement constraints, the platform, or is not available for new tasks
 * (drained, paused, down). Those hold until someone changes the nodes or the service, so
 * waiting for the rollout timeout would only delay the same answer. A reason that also names ports in use or resources is left to the timeout:
 * the tasks being replaced free those.
 */
export function unplaceable(tasks: SwarmTask[], forceUpdate: number): string | undefined {
  for (const t of tasks) {
    if ((t.Spec.ForceUpdate ?? 0) !== forceUpdate || t.DesiredState !== 'running' || t.Status.State !== 'pending') continue;
    const reasons = /^no suitable node \((.*)\)$/.exec(t.Status.Err ?? '')?.[1].split('; ');
    if (reasons?.every((r) => /^(scheduling constraints not satisfied|unsupported platform) on \d+ nodes?$|^\d+ nodes? not available for new tasks$/.test(r))) return t.Status.Err;
  }
  return undefined;
}

export function rolloutVerdict(v: RolloutView): RolloutVerdict {
  const unplaced = unplaceable(v.tasks, v.forceUpdate);
  if (unplaced) return { verdict: 'failed', error: `Swarm cannot place the new tasks on any node: ${unplaced}` };
  const state = v.update?.state;
  if (state === 'paused' || state === 'rollback_paused') return { verdict: 'failed', error: v.failure ?? v.update?.message ?? `update ${state}` };
  // Swarm names the task that made it roll back (in case that task was never seen)
  const failure = v.failure ?? (state?.startsWith('rollback') ? v.update?.message || 'Swarm rolled the update back' : undefined);
  // with FailureAction rollback, Swarm is about to roll back or is at it: let it finish
  const rollingBack = state === 'rollback_started' || state === 'rollback_completed' || (state === 'updating' && v.failureAction === 'rollback');
  if (failure && !rollingBack) return { verdict: 'failed', error: failure };
  const restoring = state === 'rollback_completed';
  const starting = { verdict: 'starting', failure, restoring } as const;
  if (failure && !restoring) return starting;

  // tasks of the awaited spec count whenever they started (scaling up keeps the running ones)
  const awaited = restoring ? v.serviceForceUpdate : v.forceUpdate;
  const reached = v.tasks.filter((t) => (t.Spec.ForceUpdate ?? 0) === awaited && (v.job ? t.Status.State === 'complete' : t.Status.State === 'running' && t.DesiredState === 'running'));
  // scaled to zero: reached once no task of the service is alive
  const drained = v.wanted > 0 || v.tasks.every((t) => ENDED.has(t.Status.State));
  if (reached.length < v.wanted || !drained) return starting;
  if (restoring) return { verdict: 'rolled back', error: `${failure} (Swarm rolled back: the previous version runs again)` };
  const lingering = v.job ? [] : v.tasks.filter((t) => inServiceDiscovery(t, awaited, v.stopSignalled, v.downNodes));
  if (lingering.length) return { verdict: 'old release in service discovery', tasks: reached, lingering };
  return { verdict: 'done', tasks: reached };
}

/**
 * Whether a task Swarm is replacing may still be in Docker's DNS. Swarm's node takes a
 * task out of service discovery when it starts to shut it down (about 1 s after the task
 * is told to), waits 2 s for that to spread, and only then sends the stop signal; the task
 * is reported past `running` once its process exited. Nothing marks the first step, so a
 * task counts as gone once Swarm sent its container the stop signal, or else once it is
 * past `running` (test/engine.test.ts checks this against what the DNS answers).
 * A task on a node that is down keeps the last state its node reported (`running`) until
 * the node comes back, which may be never: it no longer answers, and the other nodes drop a
 * dead member's DNS entries, so it is not waited for (test/cluster-faults.test.ts).
 */
const inServiceDiscovery = (t: SwarmTask, awaited: number, stopSignalled: ReadonlySet<string> | undefined, downNodes: ReadonlySet<string> | undefined) => {
  if (ENDED.has(t.Status.State)) return false;
  if (t.NodeID && downNodes?.has(t.NodeID)) return false;
  if (t.DesiredState === 'running') return (t.Spec.ForceUpdate ?? 0) !== awaited;
  const container = t.Status.ContainerStatus?.ContainerID;
  return !(container && stopSignalled?.has(container));
};

/** Why the rollout was given up after `seconds`, from the last verdict. */
export function timeoutError(last: RolloutVerdict | undefined, name: string, seconds: number, lastTask: string): string {
  if (last?.verdict === 'starting' && last.restoring) return `${last.failure} (Swarm rolled back, but the previous version was not running after ${seconds} s)`;
  if (last?.verdict === 'starting' && last.failure) return `${last.failure} (Swarm's rollback had not finished after ${seconds} s)`;
  if (last?.verdict === 'old release in service discovery')
    return `The new tasks of ${name} run, but tasks of the release they replace were still running after ${seconds} s`;
  return `The new tasks of ${name} were not running after ${seconds} s; last: ${lastTask}`;
}
