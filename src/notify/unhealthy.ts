import type { AppHealth } from '../model/app-health.js';
import type { BerthEvent } from '../model/events.js';

/**
 * The event for an application whose service failed since the last check (pure): a task
 * killed for memory or exited with an error (`lastExit` newer than `previousExitAt`, the one
 * seen at the last check; undefined: never checked), or the service short of tasks with no
 * exit to name. A failure older than the first check is not news unless the service is down
 * now. The event's time is the failed task's, so the same failure seen again (after a
 * restart of Berth) is the same event and queued once.
 */
export function unhealthyEvent(
  applicationId: string,
  health: AppHealth,
  now: string,
  previousExitAt: string | null | undefined,
): Extract<BerthEvent, { type: 'application.unhealthy' }> | undefined {
  if (health.status === 'stopped' || health.status === 'not deployed' || health.status === 'unknown') return undefined;
  const exit = health.lastExit;
  const fresh = exit && exit.at !== previousExitAt && (previousExitAt !== undefined || health.status === 'failing');
  if (fresh) return { type: 'application.unhealthy', applicationId, reason: exit.oomKilled ? 'oom-killed' : 'crash-loop', detail: exit.reason, at: exit.at ?? now };
  if (health.status === 'failing') return { type: 'application.unhealthy', applicationId, reason: 'unhealthy', detail: exit?.reason ?? `${health.running} of ${health.desired} tasks running`, at: exit?.at ?? now };
  return undefined;
}
