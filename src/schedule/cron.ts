import { Cron } from 'croner';
import { BerthError } from '../model/errors.js';

/**
 * Cron expressions through croner: five fields, or six with seconds first (`*\/2 * * * * *`),
 * in an IANA time zone (UTC when none is set, as Dokploy). This module is loaded on first
 * use (src/schedule/index.ts), so croner costs nothing while no schedule exists.
 */

/** When a schedule is due after a moment: the next due time strictly after `after`, or null when it never is again. */
export type NextDue = (after: Date) => Date | null;

const UTC = 'UTC';

/** The schedule's next-due function; a 400 naming the field when the expression or zone is not valid, or never due. */
export function cronOf(cronExpression: string, timezone: string | null | undefined): NextDue {
  const zone = timezone || UTC;
  let cron: Cron;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw invalid('timezone', `"${zone}" is not an IANA time zone (such as UTC or Europe/Paris)`);
  }
  try {
    cron = new Cron(cronExpression, { timezone: zone, paused: true, mode: '5-or-6-parts' });
  } catch (err) {
    throw invalid('cronExpression', `"${cronExpression}" is not a cron expression: ${(err as Error).message}`);
  }
  const next: NextDue = (after) => cron.nextRun(after);
  if (!next(new Date())) throw invalid('cronExpression', `"${cronExpression}" is never due`);
  return next;
}

function invalid(field: string, message: string): BerthError {
  return new BerthError('BAD_REQUEST', `Input validation failed: ${field}: ${message}`, [{ path: [field], message, code: 'custom' }]);
}
