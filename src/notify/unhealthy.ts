import type { AppHealth } from '../model/app-health.js';
import type { BerthEvent } from '../model/events.js';

/**
 * The event for an application whose service is failing (pure): killed for memory, crashing
 * (a task exited with an error), or not healthy. Its time is the failed task's, so the same
 * failure seen again (next check, or after a restart) is the same event and queued once.
 */
export function unhealthyEvent(applicationId: string, health: AppHealth, now: string): Extract<BerthEvent, { type: 'application.unhealthy' }> | undefined {
  if (health.status !== 'failing') return undefined;
  const exit = health.lastExit;
  const reason = exit?.oomKilled ? 'oom-killed' : exit ? 'crash-loop' : 'unhealthy';
  const detail = exit ? exit.reason : `${health.running} of ${health.desired} tasks running`;
  return { type: 'application.unhealthy', applicationId, reason, detail, at: exit?.at ?? now };
}
