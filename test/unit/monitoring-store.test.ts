import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BUCKET_MS, retentionBounds } from '../../src/store/metrics.js';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const sample = (time: number, cpu: number | null, memoryUsed: number, networkRx = 0) => ({
  time, cpu, memoryUsed, memoryLimit: 1000, networkRx, networkTx: 0, blockRead: 0, blockWrite: 0, tasks: 1, restarts: 0,
});

/** The application's own series (not a preview's). */
const own = (a: { applicationId: string }) => ({ applicationId: a.applicationId, previewDeploymentId: null });

describe('monitoring samples in the store', () => {
  let b: TestBerth;
  let app: { applicationId: string; appName: string };
  before(async () => {
    // a long interval: the sampler stays out of these tests' way
    b = await startTestBerth({ BERTH_METRICS_INTERVAL_MS: '3600000', BERTH_METRICS_RETENTION_DAYS: '7' });
    const { environment } = (await b.call('project.create', { name: 'metrics' })).body;
    app = (await b.call('application.create', { name: 'metrics', environmentId: environment.environmentId })).body;
  });
  after(() => b.close());

  test('samples and their retention leave cached answers valid; any other write invalidates them', async () => {
    const m = b.store.metrics;
    const before = b.store.dataVersion();
    m.record([{ applicationId: app.applicationId, ...sample(Date.now(), 5, 10) }], { time: Date.now(), cpu: 1, memoryUsed: 1, memoryTotal: 2, dataDiskUsed: 1, dataDiskTotal: 2, dockerDiskUsed: null, dockerDiskTotal: null, rss: 3 });
    m.applyRetention(Date.now() + 30 * DAY, 7);
    assert.equal(b.store.dataVersion(), before);
    await b.call('application.update', { applicationId: app.applicationId, description: 'changed' });
    assert.notEqual(b.store.dataVersion(), before);
  });

  test('an application nobody sampled has no series (null), an unknown appName is a 404', async () => {
    const none = await b.call('application.readAppMonitoring', { appName: app.appName });
    assert.equal(none.status, 200);
    assert.equal(none.body, null);
    const unknown = await b.call('application.readAppMonitoring', { appName: 'no-such-app' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.message, /no-such-app/);
  });

  test('a range with "from" after "to" is a 400 naming "from"', async () => {
    const r = await b.call('application.readAppMonitoring', { appName: app.appName, from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error.issues[0].path, ['from']);
    const bad = await b.call('monitoring.server', { from: 'yesterday' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.issues[0].path, ['from']);
  });

  test('retention drops what is older than the setting and merges what is older than 24 h into 5-minute averages', async () => {
    const now = Date.now();
    const { mergeBefore } = retentionBounds(now, 7);
    const oldBucket = mergeBefore - 2 * DAY - BUCKET_MS; // a whole bucket, two days old
    const m = b.store.metrics;
    const server = (time: number, cpu: number) => ({ time, cpu, memoryUsed: cpu, memoryTotal: 100, dataDiskUsed: 1, dataDiskTotal: 2, dockerDiskUsed: null, dockerDiskTotal: null, rss: 3 });
    const rows = [
      sample(now - 8 * DAY, 99, 99), // beyond 7 days
      ...Array.from({ length: 30 }, (_, i) => sample(oldBucket + i * 10_000, i % 2 ? 30 : 10, 1000 + i, i * 100)),
      sample(now - HOUR, 50, 500),
      sample(now - HOUR + 10_000, 60, 600),
    ];
    for (const r of rows) m.record([{ applicationId: app.applicationId, ...r }], undefined);
    m.record([], server(now - 8 * DAY, 1));
    for (let i = 0; i < 30; i++) m.record([], server(oldBucket + i * 10_000, i % 2 ? 40 : 20));
    m.record([], server(now - HOUR, 7));

    const removed = m.applyRetention(now, 7);
    assert.equal(removed, 1 + 29 + 1 + 29, 'one expired and 29 merged away, for the app and the server');

    const kept = m.appSeries(own(app), 0, now);
    assert.equal(kept.length, 3);
    assert.deepEqual(kept[0], { ...sample(oldBucket, 20, Math.round(1000 + 14.5), 2900) }, 'levels averaged, counters at their latest');
    assert.deepEqual(kept.slice(1).map((s) => s.cpu), [50, 60], 'the last 24 h stay as sampled');
    const servers = m.serverSeries(0, now);
    assert.deepEqual(servers.map((s) => [s.time, s.cpu]), [[oldBucket, 30], [now - HOUR, 7]]);

    assert.equal(m.applyRetention(now, 7), 0, 'a second pass changes nothing');
    assert.equal(m.appSeries(own(app), 0, now).length, 3);

    // what the route answers for a range reaching back four days
    const r = await b.call('application.readAppMonitoring', { appName: app.appName, from: new Date(now - 4 * DAY).toISOString() });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.cpu.map((p: { value: string }) => p.value), ['20.00%', '50.00%', '60.00%']);
    assert.equal(r.body.cpu[0].time, new Date(oldBucket).toISOString());
    // the default range is the last hour
    const lastHour = await b.call('application.readAppMonitoring', { appName: app.appName });
    assert.deepEqual(lastHour.body.memory.map((p: { value: { usedBytes: number } }) => p.value.usedBytes), [600]);
  });

  /** A preview deployment row of `a` for pull request `n` (what a pull-request webhook creates). */
  const previewOf = (a: { applicationId: string; appName: string }, n: number) =>
    b.store.previews.create(a.applicationId, a.appName, { pullRequestId: `pr-${n}`, pullRequestNumber: String(n), pullRequestURL: `https://forge.test/pr/${n}`, pullRequestTitle: `PR ${n}`, branch: `feature-${n}`, headCloneUrl: null }, null);

  test("monitoring.server carries each node's figures at the server sample's time; retention drops and merges them per node", async () => {
    const m = b.store.metrics;
    const now = Date.now();
    const t0 = now - 2 * DAY; // merged: older than 24 h
    const server = (time: number) => ({ time, cpu: 1, memoryUsed: 1, memoryTotal: 2, dataDiskUsed: 1, dataDiskTotal: 2, dockerDiskUsed: null, dockerDiskTotal: null, rss: 3 });
    const node = (time: number, nodeId: string, tasks: number | null, cpu: number | null, memoryUsed: number | null) => ({ time, nodeId, hostname: `host-${nodeId}`, cpus: 2, memoryTotal: 4096, tasks, cpu, memoryUsed });
    const bucket = Math.floor(t0 / BUCKET_MS) * BUCKET_MS;
    m.record([], server(bucket), [node(bucket, 'n1', 2, 10, 100), node(bucket, 'n2', null, null, null)]);
    m.record([], server(bucket + 1000), [node(bucket + 1000, 'n1', 4, 30, 300), node(bucket + 1000, 'n2', null, null, null)]);
    m.record([], server(now - 1000), [node(now - 1000, 'n1', 1, 5, 50), node(now - 1000, 'n2', 3, 7, 70)]);

    const points = (await b.call('monitoring.server', { from: new Date(now - 60_000).toISOString(), to: new Date(now).toISOString() })).body;
    const last = points.at(-1);
    assert.deepEqual(last.nodes, [
      { nodeId: 'n1', hostname: 'host-n1', cpus: 2, memoryTotalBytes: 4096, tasks: 1, tasksCpuPercent: 5, tasksMemoryUsedBytes: 50 },
      { nodeId: 'n2', hostname: 'host-n2', cpus: 2, memoryTotalBytes: 4096, tasks: 3, tasksCpuPercent: 7, tasksMemoryUsedBytes: 70 },
    ]);

    m.applyRetention(now, 7);
    const merged = m.nodeSeries(bucket, bucket + BUCKET_MS - 1);
    assert.deepEqual(merged, [node(bucket, 'n1', 3, 20, 200), node(bucket, 'n2', null, null, null)]);
    m.applyRetention(now + 8 * DAY, 7);
    assert.deepEqual(m.nodeSeries(0, now + 8 * DAY), []);
  });

  test("a preview's samples are a series of its own: never in the application's, answered by the preview's appName and labelled with it", async () => {
    const { environment } = (await b.call('project.create', { name: 'previewed' })).body;
    const a = (await b.call('application.create', { name: 'previewed', environmentId: environment.environmentId })).body;
    const p = previewOf(a, 1);
    const m = b.store.metrics;
    const now = Date.now();
    m.record([{ ...own(a), ...sample(now - 20_000, 10, 100) }, { applicationId: a.applicationId, previewDeploymentId: p.previewDeploymentId, ...sample(now - 20_000, 70, 700) }], undefined);
    m.record([{ applicationId: a.applicationId, previewDeploymentId: p.previewDeploymentId, ...sample(now - 10_000, 80, 800) }], undefined);

    assert.deepEqual(m.seriesOf(p.appName), { applicationId: a.applicationId, previewDeploymentId: p.previewDeploymentId });
    assert.deepEqual(m.seriesOf(a.appName), own(a));
    assert.equal(m.seriesByName().get(p.appName)?.previewDeploymentId, p.previewDeploymentId, 'the sampler matches the preview\'s service to its series');
    assert.deepEqual(m.appSeries(own(a), 0, now).map((s) => s.cpu), [10]);
    assert.deepEqual(m.appSeries(m.seriesOf(p.appName)!, 0, now).map((s) => s.cpu), [70, 80]);

    const ofApp = await b.call('application.readAppMonitoring', { appName: a.appName });
    assert.deepEqual(ofApp.body.cpu.map((x: { value: string }) => x.value), ['10.00%']);
    const ofPreview = await b.call('application.readAppMonitoring', { appName: p.appName });
    assert.equal(ofPreview.status, 200);
    assert.deepEqual(ofPreview.body.cpu.map((x: { value: string }) => x.value), ['70.00%', '80.00%']);

    const latest = new Map(m.latestApps(now - 60_000).map((s) => [s.appName, s.memoryUsed]));
    assert.equal(latest.get(a.appName), 100);
    assert.equal(latest.get(p.appName), 800, "/metrics' latest sample of the preview, under its appName");
  });

  test("retention merges each series into its own buckets: never a preview's samples into the application's", async () => {
    const { environment } = (await b.call('project.create', { name: 'retained' })).body;
    const a = (await b.call('application.create', { name: 'retained', environmentId: environment.environmentId })).body;
    const preview = { applicationId: a.applicationId, previewDeploymentId: previewOf(a, 2).previewDeploymentId };
    const now = Date.now();
    const { mergeBefore } = retentionBounds(now, 7);
    const oldBucket = mergeBefore - DAY - BUCKET_MS;
    const m = b.store.metrics;
    for (let i = 0; i < 10; i++) {
      m.record([{ ...own(a), ...sample(oldBucket + i * 10_000, 10, 100) }, { ...preview, ...sample(oldBucket + i * 10_000, 90, 900) }], undefined);
    }
    m.record([{ ...own(a), ...sample(now - 8 * DAY, 1, 1) }, { ...preview, ...sample(now - 8 * DAY, 1, 1) }], undefined);

    assert.equal(m.applyRetention(now, 7), 2 * (1 + 9), 'per series: one expired and 9 merged away');
    assert.deepEqual(m.appSeries(own(a), 0, now), [sample(oldBucket, 10, 100)]);
    assert.deepEqual(m.appSeries(preview, 0, now), [sample(oldBucket, 90, 900)]);
    assert.equal(m.applyRetention(now, 7), 0, 'a second pass changes nothing');
  });

  test("deleting a preview deletes its samples, and only its own", async () => {
    const { environment } = (await b.call('project.create', { name: 'closed' })).body;
    const a = (await b.call('application.create', { name: 'closed', environmentId: environment.environmentId })).body;
    const p = previewOf(a, 3);
    const preview = { applicationId: a.applicationId, previewDeploymentId: p.previewDeploymentId };
    const m = b.store.metrics;
    m.record([{ ...own(a), ...sample(Date.now(), 1, 1) }, { ...preview, ...sample(Date.now(), 2, 2) }], undefined);
    b.store.previews.remove(p.previewDeploymentId);
    assert.equal(m.appSeries(preview, 0, Date.now()).length, 0);
    assert.equal(m.appSeries(own(a), 0, Date.now()).length, 1);
    assert.equal(m.seriesOf(p.appName), undefined);
    assert.equal((await b.call('application.readAppMonitoring', { appName: p.appName })).status, 404);
    // a sample of a preview deleted while it was taken is dropped, not an error
    m.record([{ ...preview, ...sample(Date.now(), 2, 2) }], undefined);
    assert.equal(m.appSeries(preview, 0, Date.now()).length, 0);
  });

  test("deleting an application deletes its samples", async () => {
    const { environment } = (await b.call('project.create', { name: 'gone' })).body;
    const gone = (await b.call('application.create', { name: 'gone', environmentId: environment.environmentId })).body;
    b.store.metrics.record([{ applicationId: gone.applicationId, ...sample(Date.now(), 1, 1) }], undefined);
    assert.equal(b.store.metrics.appSeries(own(gone), 0, Date.now()).length, 1);
    assert.equal((await b.call('application.delete', { applicationId: gone.applicationId })).status, 200);
    assert.equal(b.store.metrics.appSeries(own(gone), 0, Date.now()).length, 0);
    // a sample of an application deleted while it was taken is dropped, not an error
    b.store.metrics.record([{ applicationId: gone.applicationId, ...sample(Date.now(), 1, 1) }], undefined);
    assert.equal(b.store.metrics.appSeries(own(gone), 0, Date.now()).length, 0);
  });
});
