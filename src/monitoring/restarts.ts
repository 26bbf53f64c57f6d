import type { SwarmTaskStatus } from '../docker/stats-source.js';

/**
 * Task states after which Swarm starts a replacement in the same slot: the task broke
 * (`failed`, `rejected`, `orphaned`) or its process exited (`complete`, restarted under
 * the `any` restart policy). A `shutdown` task was replaced by an update: not a restart.
 */
const RESTARTED = new Set(['failed', 'rejected', 'orphaned', 'complete']);

/**
 * Restarts per service id, counted from the tasks Swarm still remembers (its task history
 * keeps 5 per slot by default, so the count is of recent restarts, not of all time).
 */
export function restartsByService(tasks: SwarmTaskStatus[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of tasks) {
    if (!t.ServiceID || !RESTARTED.has(t.Status?.State ?? '')) continue;
    out.set(t.ServiceID, (out.get(t.ServiceID) ?? 0) + 1);
  }
  return out;
}
