// The runtime tabs' pure reckoning (web/src/pages/app/figures.ts): durations, stage timings,
// and the monitoring answer as chart columns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuColumns, duration, memoryColumns, networkColumns, stageDurations, type AppMonitoring } from '../../web/src/pages/app/figures.js';

test('durations read as a person says them', () => {
  assert.equal(duration(850), '850 ms');
  assert.equal(duration(12_340), '12.3 s');
  assert.equal(duration(125_000), '2 m 05 s');
  assert.equal(duration(3_840_000), '1 h 04 m');
});

test('a stage lasts until the next began, the last until the deployment finished (or now while it runs)', () => {
  const times = { queued: '2026-01-01T00:00:00.000Z', cloning: '2026-01-01T00:00:00.200Z', releasing: '2026-01-01T00:00:03.200Z', verifying: '2026-01-01T00:00:03.300Z' };
  assert.deepEqual(stageDurations({ ...times, finished: '2026-01-01T00:00:07.300Z' }, '2026-01-01T00:00:07.400Z', 0), [
    ['queued', 200],
    ['cloning', 3000],
    ['releasing', 100],
    ['verifying', 4000],
  ]);
  assert.deepEqual(stageDurations(times, null, Date.parse('2026-01-01T00:00:04.300Z')).at(-1), ['verifying', 1000]);
  assert.deepEqual(stageDurations(null, null, 0), []);
});

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const x = (s: number) => Date.UTC(2026, 0, 1, 0, 0, s) / 1000;
const sample: AppMonitoring = {
  cpu: [
    { value: '1.50%', time: t(1) },
    { value: '12.34%', time: t(2) },
  ],
  memory: [
    { value: { usedBytes: 2 ** 20, totalBytes: 2 ** 26 }, time: t(1) },
    { value: { usedBytes: 3 * 2 ** 20, totalBytes: 2 ** 26 }, time: t(2) },
  ],
  network: [
    { value: { inputMb: 1, outputMb: 0.5 }, time: t(0) },
    { value: { inputMb: 1.002, outputMb: 0.5 }, time: t(2) },
    { value: { inputMb: 0.001, outputMb: 0.001 }, time: t(3) },
  ],
};

test('CPU percentages and memory in MiB, the limit only for an application that has one', () => {
  assert.deepEqual(cpuColumns(sample), [[x(1), x(2)], [1.5, 12.34]]);
  assert.deepEqual(memoryColumns(sample, false), [[x(1), x(2)], [1, 3]]);
  assert.deepEqual(memoryColumns(sample, true), [[x(1), x(2)], [1, 3], [64, 64]]);
});

test('network counters become kB/s; a counter that went down (a restart) is a gap, not a negative rate', () => {
  const [xs, received, sent] = networkColumns(sample);
  assert.deepEqual(xs, [x(0), x(2), x(3)]);
  assert.equal(received[0], null);
  assert.ok(Math.abs(received[1]! - 1) < 1e-9, String(received[1]));
  assert.equal(sent[1], 0);
  assert.deepEqual([received[2], sent[2]], [null, null]);
});
