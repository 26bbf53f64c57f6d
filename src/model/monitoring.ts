import { z } from 'zod';

/** What a monitoring route returns when the caller names no range: the last hour. */
export const DEFAULT_RANGE_MS = 3_600_000;

const instant = () => z.iso.datetime({ offset: true }).optional();

/** An optional `from`/`to` pair (ISO-8601); `from` must come before `to`. */
const range = {
  from: instant().describe('Start of the range (ISO-8601); default: one hour before `to`'),
  to: instant().describe('End of the range (ISO-8601); default: now'),
};
const ordered = (r: { from?: string; to?: string }) => !r.from || !r.to || Date.parse(r.from) < Date.parse(r.to);
const orderIssue = { message: '"from" must be before "to"', path: ['from'] };

export const appMonitoringInput = z
  .object({ appName: z.string().min(1).max(200), ...range })
  .refine(ordered, orderIssue);

export const serverMetricsInput = z.object(range).refine(ordered, orderIssue);

/** The range in epoch milliseconds. */
export function timeRange(input: { from?: string; to?: string }, now: number): { from: number; to: number } {
  const to = input.to ? Date.parse(input.to) : now;
  return { from: input.from ? Date.parse(input.from) : to - DEFAULT_RANGE_MS, to };
}
