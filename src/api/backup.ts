import * as m from '../model/backup.js';
import { maskColumns } from '../model/masking.js';
import { rejectViolations } from '../model/record-rules.js';
import { assertLocalServer } from '../model/registry.js';
import { badRequest } from '../model/errors.js';
import type { Context } from './procedure.js';
import { group, mutation, query } from './procedure.js';

/** A schedule croner cannot read is a 400 on the field, as a schema error would be. */
async function assertCron(schedule: string | undefined, { backups }: Context) {
  const problem = schedule === undefined ? null : await backups.cronProblem(schedule);
  if (problem) rejectViolations([{ field: 'schedule', message: `not a cron pattern (five fields, or six with seconds first): ${problem}` }]);
}

/** A write to the backups' rows, then the timers matched to them: a change takes effect at once. */
async function rescheduled<T>(ctx: Context, schedule: string | undefined, write: () => T): Promise<T> {
  await assertCron(schedule, ctx);
  const row = write();
  await ctx.backups.reschedule();
  return row;
}

export default group('backup', {
  create: mutation({
    summary: 'Schedule a backup of Berth itself',
    output: 'backupRow',
    input: m.backupCreate,
    description: 'Only `databaseType` "web-server" (Berth has no databases: others are a 400). `schedule` is cron (five fields, or six with seconds first) in the server\'s time zone; `enabled` true sets the timer; `keepLatestCount` N keeps the newest N archives in this backup\'s folder (`prefix`) after each successful upload (null or 0: all). One backup per folder of a destination (409 otherwise).',
    handler: ({ mariadbId, mysqlId, postgresId, mongoId, libsqlId, composeId, ...input }, ctx) => rescheduled(ctx, input.schedule, () => ctx.store.backups.create(input)),
  }),
  one: query({
    summary: 'A backup, its destination (secret masked) and its latest runs',
    output: 'backup',
    input: m.backupId,
    description: 'The row, its destination, and its newest 20 runs: status `running`, `done` (the file at the destination, its size, a warning if removing older archives failed), `error` (why) or `missed` (a scheduled time that passed while Berth was not running).',
    handler: ({ backupId }, { store }) => {
      const row = store.backups.get(backupId);
      return { ...row, destination: maskColumns(store.destinations.get(row.destinationId), ['secretAccessKey']), runs: store.backups.runs(backupId) };
    },
  }),
  update: mutation({
    summary: 'Change a backup',
    output: 'backupRow',
    input: m.backupUpdate,
    description: 'Changes the given fields; a changed schedule or `enabled` resets the timer at once.',
    handler: (input, ctx) => rescheduled(ctx, input.schedule, () => ctx.store.backups.update(input)),
  }),
  remove: mutation({
    summary: 'Delete a backup (its timer stops at once)',
    output: 'backupRow',
    input: m.backupId,
    description: 'Deletes the backup and its run history and stops its timer; the archives at the destination stay.',
    handler: ({ backupId }, ctx) => rescheduled(ctx, undefined, () => ctx.store.backups.remove(backupId)),
  }),
  manualBackupWebServer: mutation({
    summary: 'Back up Berth now',
    output: 'ok',
    input: m.backupId,
    description: 'Runs the backup now and answers when it has ended: true, or 400 with the reason (the run is recorded either way, see backup.one); 409 while a run of it is going.',
    handler: async ({ backupId }, { backups }) => {
      const run = await backups.runNow(backupId);
      if (run.status !== 'done') throw badRequest(`The backup failed: ${run.error}`);
      return true;
    },
  }),
  listBackupFiles: query({
    summary: 'Files at a destination',
    output: 'backupFiles',
    input: m.listBackupFiles,
    description: '`search` up to its last "/" is the folder listed (one level); the rest filters names (case-insensitive). At most 100 entries.',
    handler: ({ destinationId, search, serverId }, { store, backups }) => {
      assertLocalServer(serverId);
      return backups.listFiles(store.destinations.get(destinationId), search);
    },
  }),
});
