import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
// @ts-expect-error the parser ships no type definitions
import parsePrometheus from 'parse-prometheus-text-format';
import { exposition, histogram } from '../../src/monitoring/exposition.js';
import { buildSeconds, metricsFamilies } from '../../src/monitoring/metrics-page.js';
import { RequestCounter } from '../../src/monitoring/request-counter.js';

interface Parsed {
  name: string;
  help: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string; sum?: string }[];
}
const parse = (text: string): Parsed[] => parsePrometheus(text);

describe('Prometheus text exposition', () => {
  test('label values and help text are escaped so a parser reads them back unchanged', () => {
    const text = exposition([
      { name: 'x_total', help: 'back\\slash and\nnewline', type: 'counter', samples: [{ labels: { app: 'a"b\\c\nd' }, value: 3 }] },
    ]);
    const [f] = parse(text);
    assert.equal(f.help, 'back\\slash and\nnewline');
    assert.deepEqual(f.metrics[0].labels, { app: 'a"b\\c\nd' });
    assert.equal(f.metrics[0].value, '3');
  });

  test('special values and empty families', () => {
    const text = exposition([
      { name: 'g', help: 'h', type: 'gauge', samples: [{ labels: { k: 'nan' }, value: NaN }, { labels: { k: 'inf' }, value: Infinity }] },
      { name: 'empty', help: 'h', type: 'gauge', samples: [] },
    ]);
    assert.match(text, /^g\{k="nan"\} NaN$/m);
    assert.match(text, /^g\{k="inf"\} \+Inf$/m);
    assert.doesNotMatch(text, /empty/);
  });

  test('a histogram has cumulative buckets, +Inf, sum and count', () => {
    const [f] = parse(exposition([histogram('d_seconds', 'h', [1, 10], [0.5, 2, 3, 30])]));
    assert.equal(f.type, 'HISTOGRAM');
    assert.deepEqual(f.metrics[0].buckets, { '1': '1', '10': '3', '+Inf': '4' });
    assert.equal(Number(f.metrics[0].sum), 35.5);
    assert.equal(f.metrics[0].count, '4');
  });
});

describe("Berth's metrics page", () => {
  test('build duration runs from the first build stage to release; unfinished builds have none', () => {
    assert.equal(buildSeconds({ queued: '2026-01-01T00:00:00Z', cloning: '2026-01-01T00:00:01Z', building: '2026-01-01T00:00:05Z', releasing: '2026-01-01T00:01:01Z' }), 60);
    assert.equal(buildSeconds({ building: '2026-01-01T00:00:00Z', releasing: '2026-01-01T00:00:30Z' }), 30);
    assert.equal(buildSeconds({ cloning: '2026-01-01T00:00:00Z', building: '2026-01-01T00:00:01Z' }), undefined);
    assert.equal(buildSeconds({ releasing: '2026-01-01T00:00:00Z' }), undefined);
  });

  test('every family parses, with the counters, queue, deployments, builds and per-app samples', () => {
    const requests = new RequestCounter();
    requests.hit('application.one', 200);
    requests.hit('application.one', 200);
    requests.hit('application.one', 404);
    const sample = { time: 0, cpu: 42.5, memoryUsed: 100, memoryLimit: 1000, networkRx: 1, networkTx: 2, blockRead: 3, blockWrite: 4, tasks: 2, restarts: 1 };
    const text = exposition(
      metricsFamilies({
        requests: requests.entries(),
        queue: { queued: 3, running: 1 },
        deployments: [{ status: 'done', n: 5 }, { status: 'error', n: 2 }],
        builds: [{ building: '2026-01-01T00:00:00Z', releasing: '2026-01-01T00:00:20Z' }],
        apps: [{ ...sample, appName: 'web-abc' }, { ...sample, cpu: null, appName: 'api-def' }],
        server: { time: 0, cpu: 10, memoryUsed: 1, memoryTotal: 2, dataDiskUsed: 3, dataDiskTotal: 4, dockerDiskUsed: null, dockerDiskTotal: null, rss: 5 },
        rss: 50_000_000,
      }),
    );
    const byName = new Map(parse(text).map((f) => [f.name, f]));
    const values = (name: string) => byName.get(name)!.metrics.map((m) => [m.labels ?? {}, Number(m.value)]);
    assert.deepEqual(values('berth_http_requests_total'), [
      [{ route: 'application.one', status: '200' }, 2],
      [{ route: 'application.one', status: '404' }, 1],
    ]);
    assert.deepEqual(values('berth_queue_jobs'), [[{ state: 'queued' }, 3], [{ state: 'running' }, 1]]);
    assert.deepEqual(values('berth_deployments'), [[{ status: 'done' }, 5], [{ status: 'error' }, 2]]);
    assert.deepEqual(byName.get('berth_build_duration_seconds')!.metrics[0].buckets!['30'], '1');
    assert.deepEqual(values('berth_app_cpu_percent'), [[{ app: 'web-abc' }, 42.5]], 'an app without a CPU figure yet has no CPU sample');
    assert.deepEqual(values('berth_app_memory_used_bytes'), [[{ app: 'web-abc' }, 100], [{ app: 'api-def' }, 100]]);
    assert.deepEqual(values('berth_host_disk_used_bytes'), [[{ volume: 'data' }, 3]]);
    assert.deepEqual(values('berth_process_resident_memory_bytes'), [[{}, 50_000_000]]);
    for (const name of ['berth_app_network_receive_bytes_total', 'berth_app_block_write_bytes_total', 'berth_app_tasks', 'berth_app_restarts', 'berth_host_cpu_percent'])
      assert.ok(byName.has(name), name);
  });
});
