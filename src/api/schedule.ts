import fs from 'node:fs';
import path from 'node:path';
import { readTail } from '../deploy/log.js';
import type { Caller } from '../model/api-key.js';
import { BerthError } from '../model/errors.js';
import { checkTarget, runLogInput, runsOnHost, scheduleCreate, scheduleId, scheduleList, scheduleUpdate, type ScheduleType } from '../model/schedule.js';
import { newId } from '../store/ids.js';
import type { ScheduleValues } from '../store/schedules.js';
import type { ScheduleRow } from '../store/schema.js';
import { group, mutation, query, type Context } from './procedure.js';

/**
 * `schedule.*`: cron jobs in an application's container (deployer tokens) or on the Berth
 * server (admin tokens only), their runs and logs. The cron expression and time zone are
 * checked with croner (loaded on the first schedule call); the scheduler re-arms its one
 * timer after every write.
 */

const cron = () => import('../schedule/cron.js');

/** Host schedules run as Berth's own user: admin tokens only, whichever way the call touches one. */
function mayTouch(caller: Caller, ...types: ScheduleType[]): void {
  if (caller.role !== 'admin' && types.some(runsOnHost)) throw new BerthError('FORBIDDEN', 'Schedules that run on the Berth server ("server", "dokploy-server") are for admin tokens only');
}

/** The row with its next due time (null while disabled). */
async function withNextRun(row: ScheduleRow): Promise<ScheduleRow & { nextRunAt: string | null }> {
  const { cronOf } = await cron();
  let nextRunAt: string | null = null;
  try {
    nextRunAt = row.enabled ? (cronOf(row.cronExpression, row.timezone)(new Date())?.toISOString() ?? null) : null;
  } catch {
    // not runnable (see the scheduler's warning): no next run
  }
  return { ...row, nextRunAt };
}

/** Removes run logs whose rows are gone, with their schedules' folders. */
export function removeRunLogs(logPaths: string[]): void {
  for (const dir of new Set(logPaths.map((file) => path.dirname(file)))) fs.rmSync(dir, { recursive: true, force: true });
}

/** The run logs of an application's schedules (read before the application is deleted with them). */
export const runLogsOfApplication = ({ store }: Pick<Context, 'store'>, applicationId: string) =>
  store.schedules.ofApplication(applicationId).flatMap((s) => store.schedules.runs(s.scheduleId).map((r) => r.logPath));

/** Checks what a schedule would run and when; a 4xx before anything is written. */
async function checked(values: ScheduleValues, { store }: Context): Promise<void> {
  checkTarget(values);
  if (values.applicationId) store.applications.one(values.applicationId);
  (await cron()).cronOf(values.cronExpression, values.timezone);
}

export default group('schedule', {
  create: mutation({
    summary: 'Create a schedule',
    output: 'schedule',
    input: scheduleCreate,
    access: 'deploy',
    description:
      'A cron job (`cronExpression`: five fields, or six with seconds first; `timezone`: IANA, UTC when empty) that runs `command` with `shellType` (`sh -c <command>`) in a running task of the application\'s service (`scheduleType` "application", on whichever node the task runs), or `script` (else `command`) on the Berth server ("server", "dokploy-server": admin tokens only; run as one argument to the shell, in a clean environment, from `/`). "compose" and `serverId` are refused: Berth has neither. Berth adds `timeoutSeconds` (the run is killed after it; null: the server\'s BERTH_SCHEDULE_TIMEOUT_S) and answers `nextRunAt`. An invalid expression or zone is a 400.',
    handler: async (input, ctx) => {
      mayTouch(ctx.caller, input.scheduleType);
      const values: ScheduleValues = {
        name: input.name,
        description: input.description ?? null,
        cronExpression: input.cronExpression,
        appName: input.appName ?? `schedule-${newId().slice(0, 10).toLowerCase().replace(/[^a-z0-9]/g, '0')}`,
        serviceName: input.serviceName ?? null,
        shellType: input.shellType,
        scheduleType: input.scheduleType,
        command: input.command,
        script: input.script ?? null,
        applicationId: input.applicationId ?? null,
        composeId: input.composeId ?? null,
        serverId: input.serverId ?? null,
        enabled: input.enabled,
        timezone: input.timezone ?? null,
        timeoutSeconds: input.timeoutSeconds ?? null,
      };
      await checked(values, ctx);
      const row = ctx.store.schedules.create(values);
      await ctx.schedules.changed(row.enabled);
      return withNextRun(row);
    },
  }),
  update: mutation({
    summary: 'Change a schedule',
    output: 'schedule',
    input: scheduleUpdate,
    access: 'deploy',
    description: 'Changes the fields sent (others keep their value), checked as by `create`; a change of `cronExpression`, `timezone` or `enabled` counts due times from now on. Touching a server schedule, or making one, needs an admin token.',
    handler: async ({ scheduleId, organizationId: _org, createdAt: _created, appName, ...rest }, ctx) => {
      // "" (not set) keeps the generated name: the row always has one
      const set = { ...rest, appName: appName ?? undefined };
      const current = ctx.store.schedules.get(scheduleId);
      mayTouch(ctx.caller, current.scheduleType, set.scheduleType ?? current.scheduleType);
      const values: ScheduleValues = { ...current, ...Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) };
      await checked(values, ctx);
      const timing = values.cronExpression !== current.cronExpression || values.timezone !== current.timezone || values.enabled !== current.enabled;
      const row = ctx.store.schedules.update(scheduleId, set as Partial<ScheduleValues>, timing);
      await ctx.schedules.changed(row.enabled);
      return withNextRun(row);
    },
  }),
  delete: mutation({
    summary: 'Delete a schedule with its runs and logs',
    output: 'ok',
    input: scheduleId,
    access: 'deploy',
    description: 'Deletes the schedule, its runs and their logs; a run in progress is killed.',
    handler: async ({ scheduleId }, ctx) => {
      mayTouch(ctx.caller, ctx.store.schedules.get(scheduleId).scheduleType);
      removeRunLogs(ctx.store.schedules.remove(scheduleId).logPaths);
      await ctx.schedules.changed(false);
      return true;
    },
  }),
  list: query({
    summary: "An application's (or the server's) schedules, each with its runs",
    output: 'schedules',
    input: scheduleList,
    description:
      'The schedules of application `id` ("application"), or the server\'s ("server", "dokploy-server": `id` is not read, Berth has one server), newest first, each with `nextRunAt` and its runs (`deployments`, newest first). "compose": [] (Berth has none). A run is Dokploy\'s run record with Berth\'s `status` (running, done, error, and timeout, skipped — due while the previous run still went on —, missed — due while Berth was down), `trigger`, `scheduledFor` (the due time), `exitCode` and `durationMs`.',
    handler: async ({ id, scheduleType }, { store }) => {
      if (scheduleType === 'compose') return [];
      const rows = scheduleType === 'application' ? (store.applications.one(id), store.schedules.ofApplication(id)) : store.schedules.ofType(scheduleType);
      return Promise.all(rows.map(async (row) => ({ ...(await withNextRun(row)), deployments: store.schedules.runs(row.scheduleId) })));
    },
  }),
  one: query({
    summary: 'A schedule',
    output: 'schedule',
    input: scheduleId,
    description: 'The schedule, with `nextRunAt` (null while disabled).',
    handler: ({ scheduleId }, { store }) => withNextRun(store.schedules.get(scheduleId)),
  }),
  runManually: mutation({
    summary: 'Run a schedule now',
    output: 'scheduleRun',
    input: scheduleId,
    access: 'deploy',
    description:
      "Runs the schedule now (enabled or not) and answers when the run has ended — at the latest when its timeout kills it — with the run: `status` (done, error, timeout), `deploymentId`, `logPath`, `exitCode`. 409 while a run of the schedule goes on (runs never overlap).",
    handler: async ({ scheduleId }, ctx) => {
      mayTouch(ctx.caller, ctx.store.schedules.get(scheduleId).scheduleType);
      return ctx.schedules.runNow(scheduleId);
    },
  }),
  readLogs: query({
    summary: "The last lines of a schedule run's log (Berth)",
    output: 'text',
    input: runLogInput,
    description: "Berth's addition: the last `tail` lines of the log of run `deploymentId` (from `list`'s `deployments`), each `<ISO time> <line>`, the application's secrets redacted; the last line of an ended run is its end marker.",
    handler: ({ deploymentId, tail }, { store }) => readTail(store.schedules.run(deploymentId).logPath, tail),
  }),
});
