import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
// @ts-expect-error the parser ships no type definitions
import parsePrometheus from 'parse-prometheus-text-format';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';

const METRICS_TOKEN = 'metrics-scrape-' + Math.random().toString(36).slice(2);

interface Parsed {
  name: string;
  metrics: { labels?: Record<string, string>; value?: string }[];
}

describe('GET /metrics', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth({ BERTH_METRICS_TOKEN: METRICS_TOKEN, BERTH_METRICS_INTERVAL_MS: '3600000' });
  });
  after(() => b.close());

  const scrape = (token?: string) => request(`${b.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  test('needs a token: an API token or BERTH_METRICS_TOKEN; the metrics token opens nothing else', async () => {
    const anonymous = await scrape();
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'UNAUTHORIZED');
    assert.equal((await scrape('wrong')).status, 401);
    assert.equal((await scrape(b.token)).status, 200);
    const withMetricsToken = await scrape(METRICS_TOKEN);
    assert.equal(withMetricsToken.status, 200);
    assert.equal(withMetricsToken.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal((await b.call('project.all', {}, { token: METRICS_TOKEN })).status, 401);
  });

  test('parses as Prometheus text and counts requests by procedure and status, never by client-chosen path', async () => {
    const { environment } = (await b.call('project.create', { name: 'scraped' })).body;
    assert.ok(environment);
    await b.call('application.one', { applicationId: 'missing' });
    await b.call('application.one', { applicationId: 'missing' });
    for (let i = 0; i < 3; i++) await b.call(`no.such${i}`, {}, { method: 'GET' });
    const r = await scrape(METRICS_TOKEN);
    const families: Parsed[] = parsePrometheus(r.text);
    const byName = new Map(families.map((f) => [f.name, f]));
    const requests = byName.get('berth_http_requests_total')!.metrics;
    const count = (route: string, status: string) => Number(requests.find((m) => m.labels?.route === route && m.labels?.status === status)?.value ?? 0);
    assert.equal(count('project.create', '200'), 1);
    assert.equal(count('application.one', '404'), 2);
    assert.equal(count('unknown', '404'), 3, 'unknown procedures share one series');
    assert.ok(count('/metrics', '401') >= 2, 'refused scrapes are counted too');
    assert.ok(!requests.some((m) => m.labels?.route?.startsWith('no.such')));
    assert.deepEqual(
      byName.get('berth_queue_jobs')!.metrics.map((m) => [m.labels?.state, m.value]),
      [['queued', '0'], ['running', '0']],
    );
    assert.ok(byName.has('berth_build_duration_seconds'));
    assert.ok(Number(byName.get('berth_process_resident_memory_bytes')!.metrics[0].value) > 10e6);
  });
});
