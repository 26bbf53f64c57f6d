import type { DB } from './db.js';
import type { AppMetricRow, DeploymentRow, NodeMetricRow, ServerMetricRow } from './schema.js';

const HOUR_MS = 3_600_000;
/** Samples younger than this stay as taken; older ones are merged into buckets. */
export const RAW_WINDOW_MS = 24 * HOUR_MS;
export const BUCKET_MS = 5 * 60_000;

/**
 * Whose samples: an application's own (`previewDeploymentId` null) or one of its previews'.
 * Each is a series of its own, never merged into another.
 */
export type Series = Pick<AppMetricRow, 'applicationId' | 'previewDeploymentId'>;
export type AppSample = Omit<AppMetricRow, keyof Series>;
export type ServerSample = ServerMetricRow;
export type NodeSample = NodeMetricRow;

const APP_COLUMNS = ['cpu', 'memoryUsed', 'memoryLimit', 'networkRx', 'networkTx', 'blockRead', 'blockWrite', 'tasks', 'restarts'] as const;
const NODE_COLUMNS = ['hostname', 'cpus', 'memoryTotal', 'tasks', 'cpu', 'memoryUsed'] as const;
const SERVER_COLUMNS = ['cpu', 'memoryUsed', 'memoryTotal', 'dataDiskUsed', 'dataDiskTotal', 'dockerDiskUsed', 'dockerDiskTotal', 'rss'] as const;
/**
 * How a bucket merges each column: levels are averaged; counters since container start
 * and sizes keep their largest value, which is the bucket's latest while nothing restarts.
 */
const MERGE: Record<string, 'avg' | 'max'> = {
  cpu: 'avg', memoryUsed: 'avg', memoryLimit: 'max', networkRx: 'max', networkTx: 'max', blockRead: 'max', blockWrite: 'max', tasks: 'max', restarts: 'max',
  hostname: 'max', cpus: 'max',
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
    // an application or preview deleted while its sample was taken is skipped, not a foreign-key error
    `INSERT INTO app_metric (applicationId, previewDeploymentId, time, ${APP_COLUMNS.join(', ')})
     SELECT @applicationId, @previewDeploymentId, @time, ${APP_COLUMNS.map((c) => '@' + c).join(', ')}
     WHERE EXISTS (SELECT 1 FROM application WHERE applicationId = @applicationId)
     AND (@previewDeploymentId IS NULL OR EXISTS (SELECT 1 FROM preview_deployments WHERE previewDeploymentId = @previewDeploymentId))`,
  );
  const insertServer = sql.prepare(`INSERT OR REPLACE INTO server_metric (time, ${SERVER_COLUMNS.join(', ')}) VALUES (@time, ${SERVER_COLUMNS.map((c) => '@' + c).join(', ')})`);
  /** Selects one series: with `IS`, a null previewDeploymentId (the application's own) seeks the index as a value does. */
  const SERIES = 'applicationId = @applicationId AND previewDeploymentId IS @previewDeploymentId';
  const appRange = sql.prepare(`SELECT time, ${APP_COLUMNS.join(', ')} FROM app_metric WHERE ${SERIES} AND time >= @from AND time <= @to ORDER BY time`);
  const serverRange = sql.prepare(`SELECT * FROM server_metric WHERE time >= ? AND time <= ? ORDER BY time`);
  const latestServer = sql.prepare(`SELECT * FROM server_metric ORDER BY time DESC LIMIT 1`);
  // every series by its Swarm service name: the applications, then their previews (an
  // application wins a name both hold, as it came first)
  const SERIES_NAMES = `SELECT appName, applicationId, NULL AS previewDeploymentId FROM application
     UNION ALL SELECT appName, applicationId, previewDeploymentId FROM preview_deployments`;
  const seriesNames = sql.prepare(SERIES_NAMES);
  const seriesNamed = sql.prepare(`SELECT applicationId, previewDeploymentId FROM (${SERIES_NAMES}) WHERE appName = ? LIMIT 1`);
  // max(time) per series walks the (applicationId, previewDeploymentId, time) index: one seek per series
  const latestApps = sql.prepare(
    `SELECT s.appName, m.time, ${APP_COLUMNS.map((c) => 'm.' + c).join(', ')} FROM (${SERIES_NAMES}) s
     JOIN app_metric m ON m.applicationId = s.applicationId AND m.previewDeploymentId IS s.previewDeploymentId
     AND m.time = (SELECT max(time) FROM app_metric WHERE applicationId = s.applicationId AND previewDeploymentId IS s.previewDeploymentId)
     WHERE m.time >= ? ORDER BY s.appName`,
  );

  const dropApp = sql.prepare(`DELETE FROM app_metric WHERE ${SERIES} AND time < @before`);
  const appBuckets = sql.prepare(
    `SELECT time / ${BUCKET_MS} * ${BUCKET_MS} AS time, ${APP_COLUMNS.map(merged).join(', ')} FROM app_metric
     WHERE ${SERIES} AND time < @before GROUP BY 1 HAVING count(*) > 1`,
  );
  const clearAppBucket = sql.prepare(`DELETE FROM app_metric WHERE ${SERIES} AND time >= @from AND time < @to`);
  const dropServer = sql.prepare(`DELETE FROM server_metric WHERE time < ?`);
  const serverBuckets = sql.prepare(
    `SELECT time / ${BUCKET_MS} * ${BUCKET_MS} AS time, ${SERVER_COLUMNS.map(merged).join(', ')} FROM server_metric
     WHERE time < ? GROUP BY 1 HAVING count(*) > 1`,
  );
  const clearServerBucket = sql.prepare(`DELETE FROM server_metric WHERE time >= ? AND time < ?`);
  const insertNode = sql.prepare(`INSERT OR REPLACE INTO node_metric (time, nodeId, ${NODE_COLUMNS.join(', ')}) VALUES (@time, @nodeId, ${NODE_COLUMNS.map((c) => '@' + c).join(', ')})`);
  const nodeRange = sql.prepare(`SELECT * FROM node_metric WHERE time >= ? AND time <= ? ORDER BY time, hostname`);
  const dropNodes = sql.prepare(`DELETE FROM node_metric WHERE time < ?`);
  // tasks is a level here (not a counter): averaged, as memory
  const nodeBuckets = sql.prepare(
    `SELECT nodeId, time / ${BUCKET_MS} * ${BUCKET_MS} AS time, ${NODE_COLUMNS.map((c) => (c === 'tasks' ? 'CAST(round(avg(tasks)) AS INTEGER) AS tasks' : merged(c))).join(', ')}
     FROM node_metric WHERE time < ? GROUP BY nodeId, 2 HAVING count(*) > 1`,
  );
  const clearNodeBucket = sql.prepare(`DELETE FROM node_metric WHERE nodeId = ? AND time >= ? AND time < ?`);

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

    /** The series of each appName (= Swarm service name) of an application or preview, for matching containers to them. */
    seriesByName(): Map<string, Series> {
      const map = new Map<string, Series>();
      for (const { appName, ...series } of seriesNames.all() as (Series & { appName: string })[]) if (!map.has(appName)) map.set(appName, series);
      return map;
    },

    /** The series of the application or preview named `appName`. */
    seriesOf(appName: string): Series | undefined {
      return seriesNamed.get(appName) as Series | undefined;
    },

    /** One tick's samples, in one transaction (no `previewDeploymentId`: the application's own). */
    record(apps: (AppSample & Pick<Series, 'applicationId'> & { previewDeploymentId?: string | null })[], server: ServerSample | undefined, nodes: NodeSample[] = []): void {
      sql.transaction(() => {
        for (const row of apps) write(insertApp, { previewDeploymentId: null, ...row });
        if (server) write(insertServer, server);
        for (const row of nodes) write(insertNode, row);
      })();
    },

    /** The nodes' samples in a range, oldest first. */
    nodeSeries(from: number, to: number): NodeSample[] {
      return nodeRange.all(from, to) as NodeSample[];
    },

    appSeries(series: Series, from: number, to: number): AppSample[] {
      return appRange.all({ ...series, from, to }) as AppSample[];
    },

    serverSeries(from: number, to: number): ServerSample[] {
      return serverRange.all(from, to) as ServerSample[];
    },

    latestServer(): ServerSample | undefined {
      return latestServer.get() as ServerSample | undefined;
    },

    /** Each application's and preview's newest sample, if taken at or after `since`, named by its appName. */
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
        removed += write(dropNodes, dropBefore);
        for (const b of nodeBuckets.all(mergeBefore) as NodeSample[]) {
          removed += write(clearNodeBucket, b.nodeId, b.time, b.time + BUCKET_MS) - 1;
          write(insertNode, b);
        }
        for (const { applicationId, previewDeploymentId } of seriesNames.all() as Series[]) {
          const series = { applicationId, previewDeploymentId };
          removed += write(dropApp, { ...series, before: dropBefore });
          for (const b of appBuckets.all({ ...series, before: mergeBefore }) as AppSample[]) {
            removed += write(clearAppBucket, { ...series, from: b.time, to: b.time + BUCKET_MS }) - 1;
            write(insertApp, { ...b, ...series });
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
