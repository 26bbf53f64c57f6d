import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DockerStats } from '../../src/docker/stats-source.js';
import { containerFigures, cpuCounters, cpuPercent, memoryUsed, sumContainers } from '../../src/monitoring/container-stats.js';
import { diskUsage, hostCpuPercent, parseMeminfo, parseProcStat } from '../../src/monitoring/host-stats.js';
import { restartsByService } from '../../src/monitoring/restarts.js';
import { appMonitoring, binarySize, megabytes, serverPoints } from '../../src/monitoring/series.js';
import { timeRange } from '../../src/model/monitoring.js';

/** A one-shot stats answer of Engine 20.10 on cgroup v1 (trimmed from a real one). */
const v1: DockerStats = {
  read: '2026-11-28T16:45:14.324Z',
  cpu_stats: { cpu_usage: { total_usage: 6_574_853_577, percpu_usage: [5_753_595_773, 821_257_804] }, system_cpu_usage: 20_378_390_000_000, online_cpus: 2 },
  memory_stats: { usage: 33_972_224, limit: 25_325_268_992, stats: { cache: 33_554_432, total_inactive_file: 1_000_000, inactive_file: 1_000_000 } },
  networks: { eth0: { rx_bytes: 806, tx_bytes: 10 }, eth1: { rx_bytes: 194, tx_bytes: 90 } },
  blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 4096 }, { op: 'Write', value: 8192 }, { op: 'Total', value: 12288 }] },
};

describe('container figures (as docker stats computes them)', () => {
  test('CPU percent is the container delta over the host delta, times the CPUs: 100 = one CPU busy', () => {
    const prev = { container: 1_000_000_000, system: 10_000_000_000, cpus: 2 };
    // 1 s of wall time on 2 CPUs = 2e9 ns of system time; the container used 0.5e9 ns
    const cur = { container: 1_500_000_000, system: 12_000_000_000, cpus: 2 };
    assert.equal(cpuPercent(prev, cur), 50);
  });

  test('no CPU figure without an earlier read, or when the counters went backwards (container replaced)', () => {
    const cur = cpuCounters(v1)!;
    assert.equal(cpuPercent(undefined, cur), undefined);
    assert.equal(cpuPercent({ ...cur, container: cur.container + 1 }, cur), undefined);
    assert.equal(cpuPercent(cur, cur), undefined, 'no host time passed');
  });

  test('online_cpus missing (old engines): the per-CPU list gives the count', () => {
    const stats: DockerStats = { cpu_stats: { cpu_usage: { total_usage: 1, percpu_usage: [1, 0, 0, 0] }, system_cpu_usage: 5 } };
    assert.equal(cpuCounters(stats)!.cpus, 4);
  });

  test('memory used leaves out the inactive page cache, on cgroup v1 and v2', () => {
    assert.equal(memoryUsed(v1.memory_stats), 33_972_224 - 1_000_000);
    assert.equal(memoryUsed({ usage: 5000, stats: { inactive_file: 1000 } }), 4000);
    assert.equal(memoryUsed({ usage: 5000 }), 5000);
  });

  test('network sums every interface; block I/O sums reads and writes in either spelling', () => {
    const f = containerFigures(v1);
    assert.deepEqual([f.networkRx, f.networkTx, f.blockRead, f.blockWrite], [1000, 100, 4096, 8192]);
    const v2 = containerFigures({ blkio_stats: { io_service_bytes_recursive: [{ op: 'read', value: 1 }, { op: 'write', value: 2 }] } });
    assert.deepEqual([v2.blockRead, v2.blockWrite], [1, 2]);
    assert.deepEqual([containerFigures({}).memoryUsed, containerFigures({ blkio_stats: { io_service_bytes_recursive: null } }).blockRead], [0, 0]);
  });

  test("an application's sample sums its tasks; CPU only over tasks that have a delta", () => {
    const f = containerFigures(v1);
    const sum = sumContainers([
      { figures: f, cpuPercent: 12.345 },
      { figures: f, cpuPercent: undefined },
    ]);
    assert.equal(sum.cpu, 12.35);
    assert.equal(sum.memoryUsed, 2 * f.memoryUsed);
    assert.equal(sum.tasks, 2);
    assert.equal(sumContainers([{ figures: f, cpuPercent: undefined }]).cpu, null);
  });
});

describe('restarts', () => {
  test('tasks that failed or exited count as restarts of their service; tasks shut down by an update do not', () => {
    const r = restartsByService([
      { ServiceID: 'a', Status: { State: 'running' } },
      { ServiceID: 'a', Status: { State: 'failed' } },
      { ServiceID: 'a', Status: { State: 'complete' } },
      { ServiceID: 'a', Status: { State: 'shutdown' } },
      { ServiceID: 'b', Status: { State: 'rejected' } },
      { Status: { State: 'failed' } },
    ]);
    assert.deepEqual([...r].sort(), [['a', 2], ['b', 1]]);
  });
});

describe('host figures', () => {
  test('/proc/stat: busy share of the delta, iowait counted as idle', () => {
    const a = parseProcStat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n')!;
    const b = parseProcStat('cpu  200 0 200 1300 300 0 0 0 0 0\n')!;
    assert.deepEqual(a, { idle: 800, total: 1000 });
    assert.equal(hostCpuPercent(a, b), 20);
    assert.equal(hostCpuPercent(undefined, b), undefined);
    assert.equal(parseProcStat('intr 1 2 3'), undefined);
  });

  test('/proc/meminfo: used = total − available, in bytes', () => {
    const m = parseMeminfo('MemTotal:       24731648 kB\nMemFree:        23154688 kB\nMemAvailable:   24182784 kB\n')!;
    assert.deepEqual(m, { used: (24731648 - 24182784) * 1024, total: 24731648 * 1024 });
    assert.equal(parseMeminfo('nothing'), undefined);
  });

  test('disk usage from statfs', () => {
    assert.deepEqual(diskUsage({ bsize: 4096, blocks: 100, bfree: 40 }), { used: 60 * 4096, total: 100 * 4096 });
  });
});

describe('wire shapes', () => {
  test("sizes are written as docker stats writes memory (Dokploy's format)", () => {
    assert.equal(binarySize(0), '0B');
    assert.equal(binarySize(1023), '1023B');
    assert.equal(binarySize(33_972_224), '32.4MiB');
    assert.equal(binarySize(25_325_268_992), '23.59GiB');
    assert.equal(megabytes(1_234_567), 1.234567);
  });

  test("readAppMonitoring's points are Dokploy's {value, time}; a sample without CPU has no CPU point", () => {
    const s = { time: Date.UTC(2026, 0, 1), cpu: 12.5, memoryUsed: 1024 ** 2, memoryLimit: 1024 ** 3, networkRx: 2e6, networkTx: 1e6, blockRead: 0, blockWrite: 5e5, tasks: 1, restarts: 0 };
    const m = appMonitoring([{ ...s, cpu: null }, { ...s, time: s.time + 10_000 }]);
    assert.deepEqual(m.cpu, [{ value: '12.50%', time: '2026-01-01T00:00:10.000Z' }]);
    assert.deepEqual(m.memory[0], { value: { used: '1MiB', total: '1GiB', usedBytes: 1024 ** 2, totalBytes: 1024 ** 3 }, time: '2026-01-01T00:00:00.000Z' });
    assert.deepEqual(m.network[0].value, { inputMb: 2, outputMb: 1 });
    assert.deepEqual(m.block[0].value, { readMb: 0, writeMb: 0.5 });
    assert.deepEqual(m.disk, []);
    assert.deepEqual(m.restarts[1].value, { tasks: 1, restarts: 0 });
  });

  test('server points: no Docker disk when the engine is elsewhere; each carries the nodes sampled at its time', () => {
    const server = (time: number) => ({ time, cpu: null, memoryUsed: 1, memoryTotal: 2, dataDiskUsed: 3, dataDiskTotal: 4, dockerDiskUsed: null, dockerDiskTotal: null, rss: 5 });
    const node = { time: 0, nodeId: 'n1', hostname: 'berth-node-1', cpus: 2, memoryTotal: 8, tasks: 1, cpu: 2.5, memoryUsed: 4 };
    const [p, q] = serverPoints([server(0), server(1000)], [node]);
    assert.deepEqual(p, {
      time: '1970-01-01T00:00:00.000Z',
      cpuPercent: null,
      memory: { usedBytes: 1, totalBytes: 2 },
      dataDisk: { usedBytes: 3, totalBytes: 4 },
      dockerDisk: null,
      controlPlaneRssBytes: 5,
      nodes: [{ nodeId: 'n1', hostname: 'berth-node-1', cpus: 2, memoryTotalBytes: 8, tasks: 1, tasksCpuPercent: 2.5, tasksMemoryUsedBytes: 4 }],
    });
    assert.deepEqual(q.nodes, []);
  });

  test('a range defaults to the hour before `to`, and `to` to now', () => {
    assert.deepEqual(timeRange({}, 10_000_000), { from: 10_000_000 - 3_600_000, to: 10_000_000 });
    assert.deepEqual(timeRange({ to: '1970-01-01T01:00:00Z' }, 0), { from: 0, to: 3_600_000 });
    assert.deepEqual(timeRange({ from: '1970-01-01T00:00:01Z', to: '1970-01-01T00:00:02Z' }, 0), { from: 1000, to: 2000 });
  });
});
