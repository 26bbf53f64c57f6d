import type { DB } from './db.js';
import type { AppMetricRow, DeploymentRow, ServerMetricRow } from './schema.js';

const HOUR_MS = 3_600_000;
/** Samples younger than this stay as taken; older ones are merged into buckets. */
export const RAW_WINDOW_MS = 24 * HOUR_MS;
export const BUCKET_MS = 5 * 60_000;

export type AppSample = Omit<AppMetricRow, 'applicationId'>;
export type ServerSample = ServerMetricRow;

const APP_COLUMNS = ['cpu', 'memoryUsed', 'memoryLimit', 'networkRx', 'networkTx', 'blockRead', 'blockWrite', 'tasks', 'restarts'] as const;
const SERVER_COLUMNS = ['cpu', 'memoryUsed', 'memoryTotal', 'dataDiskUsed', 'dataDiskTotal', 'dockerDiskUsed', 'dockerDiskTotal', 'rss'] as const;
/**
 * How a bucket merges each column: levels are averaged; counters since container start
 * and sizes keep their largest value, which is the bucket's latest while nothing restarts.
 */
const MERGE: Record<string, 'avg' | 'max'> = {
  cpu: 'avg', memoryUsed: 'avg', memoryLimit: 'max', networkRx: 'max', networkTx: 'max', blockRead: 'max', blockWrite: 'max', tasks: 'max', restarts: 'max',
  memoryTotal: 'max', dataDiskUsed: 'avg', dataDiskTotal: 'max', dockerDiskUsed: 'avg', dockerDiskTotal: 'max', rss: 'avg',
};
/** avg of an integer column stays an integer column; cpu (real) keeps two decimals. */
const merged = (c: string) =>
  MERGE[c] === 'max' ? `max(${c}) AS ${c}` : c === 'cpu' ? `round(avg(cpu), 2) AS cpu` : `CAST(round(avg(${c})) AS INTEGER) AS ${c}`;

/** Bounds of a retention pass at `now`: what is dropped, and what is merged into buckets. */
export function retentionBounds(now: number, retentionDays: number): { dropBefore: number; mergeBefore: number } {
  return {
    dropBefore: now - retentionDays * 24 * HOUR_MS,
    // bucket-aligned, so a bucket is merged once, when all of it is older than the window
    mergeBefore: Math.floor((now - RAW_WINDOW_MS) / BUCKET_MS) * BUCKET_MS,
  };
}

/** Monitoring samples of applications and of the server, and the figures `/metrics` exposes. */
export function metricsStore(db: DB) {
  const sql = db.$client;
  const insertApp = sql.prepare(
    // an application deleted while its sample was taken is skipped, not a foreign-key error
    `INSERT INTO app_metric (applicationId, time, ${APP_COLUMNS.join(', ')}) SELECT @applicationId, @time, ${APP_COLUMNS.map((c) => '@' + c).join(', ')}
     WHERE EXISTS (SELECT 1 FROM application WHERE applicationId = @applicationId)`,
  );
  const insertServer = sql.prepare(`INSERT OR REPLACE INTO server_metric (time, ${SERVER_COLUMNS.join(', ')}) VALUES (@time, ${SERVER_COLUMNS.map((c) => '@' + c).join(', ')})`);
  const appRange = sql.prepare(`SELECT time, ${APP_COLUMNS.join(', ')} FROM app_metric WHERE applicationId = ? AND time >= ? AND time <= ? ORDER BY time`);
  const serverRange = sql.prepare(`SELECT * FROM server_metric WHERE time >= ? AND time <= ? ORDER BY time`);
  const latestServer = sql.prepare(`SELECT * FROM server_metric ORDER BY time DESC LIMIT 1`);
  // max(time) per application walks the (applicationId, time) index: one seek per application
  const latestApps = sql.prepare(
    `SELECT a.appName, m.time, ${APP_COLUMNS.map((c) => 'm.' + c).join(', ')} FROM application a
     JOIN app_metric m ON m.applicationId = a.applicationId
     AND m.time = (SELECT max(time) FROM app_metric WHERE applicationId = a.applicationId)
     WHERE m.time >= ? ORDER BY a.appName`,
  );
  const appIds = sql.prepare(`SELECT applicationId, appName FROM application`);
  const idByName = sql.prepare(`SELECT applicationId FROM application WHERE appName = ?`).pluck();

  const dropApp = sql.prepare(`DELETE FROM app_metric WHERE applicationId = ? AND time < ?`);
  const appBuckets = sql.prepare(
    `SELECT time / ${BUCKET_MS} * ${BUCKET_MS} AS time, ${APP_COLUMNS.map(merged).join(', ')} FROM app_metric
     WHERE applicationId = ? AND time < ? GROUP BY 1 HAVING count(*) > 1`,
  );
  const clearAppBucket = sql.prepare(`DELETE FROM app_metric WHERE applicationId = ? AND time >= ? AND time < ?`);
  const dropServer = sql.prepare(`DELETE FROM server_metric WHERE time < ?`);
  const serverBuckets = sql.prepare(
    `SELECT time / ${BUCKET_MS} * ${BUCKET_MS} AS time, ${SERVER_COLUMNS.map(merged).join(', ')} FROM server_metric
     WHERE time < ? GROUP BY 1 HAVING count(*) > 1`,
  );
  const clearServerBucket = sql.prepare(`DELETE FROM server_metric WHERE time >= ? AND time < ?`);

  const jobStates = sql.prepare(`SELECT state, count(*) AS n FROM job WHERE state IN ('queued', 'running') GROUP BY state`);
  const deploymentStatuses = sql.prepare(`SELECT status, count(*) AS n FROM deployment GROUP BY status`);

  /** Rows this store wrote: samples change no answer the response cache holds (see `dataVersion`). */
  let written = 0;
  const write = (stmt: { run(...params: unknown[]): { changes: number } }, ...params: unknown[]) => {
    const { changes } = stmt.run(...params);
    written += changes;
    return changes;
  };
  const stageTimes = sql.prepare(`SELECT stageTimes FROM deployment WHERE stageTimes IS NOT NULL AND json_extract(stageTimes, '$.releasing') IS NOT NULL`).pluck();

  return {
    /** How many rows the samples and their retention changed on this connection. */
    rowsWritten: () => written,

    /** Applications by appName (= Swarm service name), for matching containers to them. */
    applicationIdsByName(): Map<string, string> {
      return new Map((appIds.all() as { applicationId: string; appName: string }[]).map((r) => [r.appName, r.applicationId]));
    },

    applicationIdOf(appName: string): string | undefined {
      return idByName.get(appName) as string | undefined;
    },

    /** One tick's samples, in one transaction. */
    record(apps: AppMetricRow[], server: ServerSample | undefined): void {
      sql.transaction(() => {
        for (const row of apps) write(insertApp, row);
        if (server) write(insertServer, server);
      })();
    },

    appSeries(applicationId: string, from: number, to: number): AppSample[] {
      return appRange.all(applicationId, from, to) as AppSample[];
    },

    serverSeries(from: number, to: number): ServerSample[] {
      return serverRange.all(from, to) as ServerSample[];
    },

    latestServer(): ServerSample | undefined {
      return latestServer.get() as ServerSample | undefined;
    },

    /** Each application's newest sample, if taken at or after `since`. */
    latestApps(since: number): (AppSample & { appName: string })[] {
      return latestApps.all(since) as (AppSample & { appName: string })[];
    },

    /**
     * Drops samples older than the retention and merges those older than 24 h into
     * 5-minute buckets (one row each). Idempotent; returns the rows removed.
     */
    applyRetention(now: number, retentionDays: number): number {
      const { dropBefore, mergeBefore } = retentionBounds(now, retentionDays);
      let removed = 0;
      sql.transaction(() => {
        removed += write(dropServer, dropBefore);
        for (const b of serverBuckets.all(mergeBefore) as ServerSample[]) {
          removed += write(clearServerBucket, b.time, b.time + BUCKET_MS) - 1;
          write(insertServer, b);
        }
        for (const { applicationId } of appIds.all() as { applicationId: string }[]) {
          removed += write(dropApp, applicationId, dropBefore);
          for (const b of appBuckets.all(applicationId, mergeBefore) as AppSample[]) {
            removed += write(clearAppBucket, applicationId, b.time, b.time + BUCKET_MS) - 1;
            write(insertApp, { ...b, applicationId });
          }
        }
      })();
      return removed;
    },

    /** Jobs waiting and running on the deploy queue. */
    queueLength(): { queued: number; running: number } {
      const out = { queued: 0, running: 0 };
      for (const r of jobStates.all() as { state: 'queued' | 'running'; n: number }[]) out[r.state] = r.n;
      return out;
    },

    deploymentsByStatus(): { status: string; n: number }[] {
      return deploymentStatuses.all() as { status: string; n: number }[];
    },

    /** stageTimes of the deployments whose build ended (they reached `releasing`). */
    builtStageTimes(): NonNullable<DeploymentRow['stageTimes']>[] {
      return (stageTimes.all() as string[]).map((s) => JSON.parse(s));
    },
  };
}
