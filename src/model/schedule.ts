import { z } from 'zod';
import { emptyIsNull, id } from './common.js';
import { badRequest, BerthError } from './errors.js';

/**
 * Schedules (`schedule.*`): cron jobs that run a command in a running task of an
 * application's service, or a script on Berth's host, and their runs. Inputs as in the
 * contract (dokploy-openapi-next.json); the cron expression and time zone are checked with
 * croner when a handler has them (src/schedule/cron.ts), the rest here.
 */

export const shellTypes = ['bash', 'sh'] as const;
export const scheduleTypes = ['application', 'compose', 'server', 'dokploy-server'] as const;
export type ScheduleType = (typeof scheduleTypes)[number];
/** Dokploy's deployment statuses of a run (running, done, error) and Berth's own outcomes. */
export const scheduleRunStatuses = ['running', 'done', 'error', 'timeout', 'skipped', 'missed'] as const;
export type ScheduleRunStatus = (typeof scheduleRunStatuses)[number];
export const scheduleTriggers = ['cron', 'manual'] as const;

/** The types that run on Berth's host rather than in a container: admin only. */
export const hostTypes: readonly ScheduleType[] = ['server', 'dokploy-server'];
export const runsOnHost = (type: ScheduleType) => hostTypes.includes(type);

/** Longest timeout a schedule may set: a week. */
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

const fields = {
  name: z.string().trim().min(1).max(100),
  description: emptyIsNull(z.string().max(1000)),
  cronExpression: z.string().trim().min(1).max(200),
  // Dokploy's folder name of the schedule's files; Berth keeps it as a label ("" = generated)
  appName: emptyIsNull(z.string().max(63).regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')),
  serviceName: emptyIsNull(z.string().max(200)),
  shellType: z.enum(shellTypes),
  scheduleType: z.enum(scheduleTypes),
  command: z.string().max(64 * 1024),
  script: emptyIsNull(z.string().max(256 * 1024)),
  applicationId: emptyIsNull(id()),
  composeId: emptyIsNull(id()),
  serverId: emptyIsNull(id()),
  // Berth serves one organization: accepted and ignored, as the row's createdAt
  organizationId: emptyIsNull(z.string().max(64)),
  enabled: z.boolean(),
  timezone: emptyIsNull(z.string().max(64)),
  createdAt: z.string().max(64),
  // Berth's addition: the run is killed after this many seconds (null: the server's default)
  timeoutSeconds: z.number().int().min(1).max(MAX_TIMEOUT_SECONDS).nullable(),
};

export const scheduleCreate = z.object({
  ...fields,
  scheduleId: z.string().max(64).optional(),
  description: fields.description.optional(),
  appName: fields.appName.optional(),
  serviceName: fields.serviceName.optional(),
  shellType: fields.shellType.default('bash'),
  scheduleType: fields.scheduleType.default('application'),
  script: fields.script.optional(),
  applicationId: fields.applicationId.optional(),
  composeId: fields.composeId.optional(),
  serverId: fields.serverId.optional(),
  organizationId: fields.organizationId.optional(),
  enabled: fields.enabled.default(true),
  timezone: fields.timezone.optional(),
  createdAt: fields.createdAt.optional(),
  timeoutSeconds: fields.timeoutSeconds.optional(),
});
export type ScheduleCreate = z.output<typeof scheduleCreate>;

/** Dokploy sends the whole row; a field left out keeps its value. */
export const scheduleUpdate = z.object({
  ...Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.optional()])),
  scheduleId: id(),
  name: fields.name,
  cronExpression: fields.cronExpression,
  command: fields.command,
} as { [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]> } & { scheduleId: ReturnType<typeof id>; name: typeof fields.name; cronExpression: typeof fields.cronExpression; command: typeof fields.command });
export type ScheduleUpdate = z.output<typeof scheduleUpdate>;

export const scheduleId = z.object({ scheduleId: id() });
export const scheduleList = z.object({ id: id(), scheduleType: z.enum(scheduleTypes) });
export const runLogInput = z.object({
  deploymentId: id(),
  tail: z.number().int().min(1).max(10_000).default(100),
});

/** What a schedule runs, where: the fields the scheduler reads of a row. */
export interface ScheduleTarget {
  scheduleType: ScheduleType;
  applicationId: string | null;
  composeId: string | null;
  serverId: string | null;
  command: string;
  script: string | null;
}

/**
 * Refuses what Berth cannot run (pure): compose services and remote servers are not Berth's
 * concepts; an application schedule needs its application and a command; a host schedule
 * needs a script (or a command, which Berth takes as the script).
 */
export function checkTarget(t: ScheduleTarget): void {
  if (t.scheduleType === 'compose' || t.composeId)
    throw new BerthError('BAD_REQUEST', 'Berth has no compose services: a schedule runs in an application ("application") or on the server ("server", "dokploy-server")', [
      { path: [t.scheduleType === 'compose' ? 'scheduleType' : 'composeId'], message: 'compose is not supported by Berth', code: 'custom' },
    ]);
  if (t.serverId) throw badRequest('Berth has no remote servers: a "server" schedule runs on the Berth server itself; leave serverId empty');
  if (t.scheduleType === 'application') {
    if (!t.applicationId) throw badRequest('An "application" schedule needs applicationId');
    if (!t.command.trim()) throw badRequest('An "application" schedule needs a command');
  } else {
    if (t.applicationId) throw badRequest(`A "${t.scheduleType}" schedule runs on the server: leave applicationId empty`);
    if (!hostScript(t).trim()) throw badRequest(`A "${t.scheduleType}" schedule needs a script (or a command)`);
  }
}

/** What a host schedule runs: its script, or its command when it has none. */
export const hostScript = (t: Pick<ScheduleTarget, 'command' | 'script'>) => (t.script?.trim() ? t.script : t.command);
