import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DailyCleanup } from '../../src/cleanup/daily.js';
import { loadConfig } from '../../src/config.js';
import {
  cleanupDetail,
  containersToRemove,
  diskUsageRows,
  humanSize,
  imagesToRemove,
  normalizeRef,
  volumesToRemove,
  type CleanupNeeds,
  type CleanupPolicy,
  type DfImage,
  type DiskUsage,
} from '../../src/model/cleanup.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const HOUR = 3600_000;
const old = (NOW - 2 * HOUR) / 1000;
const policy: CleanupPolicy = { keepImages: [], onlyPrefix: '', minAgeMs: HOUR, buildCacheKeepBytes: 0 };
const noNeeds: CleanupNeeds = { images: [], busyApps: [], volumes: [] };

let ids = 0;
const image = (over: Partial<DfImage>): DfImage => ({ Id: `sha256:${(++ids).toString(16).padStart(64, '0')}`, RepoTags: [], RepoDigests: [], Created: old, Size: 1000, SharedSize: 0, Containers: 0, ...over });
const removedNames = (df: DiskUsage, needs = noNeeds, p = policy) => imagesToRemove(df, needs, p, NOW).map((r) => r.name);

describe('which images a cleanup removes', () => {
  test('an image no container uses and nothing needs goes, by each of its tags and digests, freeing the bytes no other image shares', () => {
    const img = image({ RepoTags: ['site-abc123:d1', 'site-abc123:latest'], RepoDigests: ['127.0.0.1:5000/site@sha256:aa'], Size: 5000, SharedSize: 1500 });
    assert.deepEqual(imagesToRemove({ Images: [img] }, noNeeds, policy, NOW), [
      { id: img.Id, name: 'site-abc123:d1', refs: ['site-abc123:d1', 'site-abc123:latest', '127.0.0.1:5000/site@sha256:aa'], bytes: 3500 },
    ]);
  });

  test('an image a container uses (running or stopped) stays', () => {
    assert.deepEqual(removedNames({ Images: [image({ RepoTags: ['a:1'], Containers: 1 }), image({ RepoTags: ['b:1'], Containers: -1 })] }), []);
  });

  test('kept and current releases stay, whether named by tag, by repo@digest, by a spec\'s tag@digest, or by image ID', () => {
    const byTag = image({ RepoTags: ['app-x:dep1'] });
    const byDigest = image({ RepoTags: [], RepoDigests: ['127.0.0.1:5000/app-y@sha256:bb'] });
    const bySpec = image({ RepoTags: ['127.0.0.1:5000/app-z:3'], RepoDigests: ['127.0.0.1:5000/app-z@sha256:cc'] });
    const byId = image({ RepoTags: ['app-w:dep9'] });
    const loose = image({ RepoTags: ['app-v:dep2'] });
    const needs = { ...noNeeds, images: ['app-x:dep1', '127.0.0.1:5000/app-y@sha256:bb', '127.0.0.1:5000/app-z:3@sha256:cc', byId.Id] };
    assert.deepEqual(removedNames({ Images: [byTag, byDigest, bySpec, byId, loose] }, needs), ['app-v:dep2']);
  });

  test('BERTH_CLEANUP_KEEP_IMAGES: exact references (a bare name means :latest) and prefixes ending in *', () => {
    const images = [image({ RepoTags: ['busybox:latest'] }), image({ RepoTags: ['busybox:old'] }), image({ RepoTags: ['127.0.0.1:5000/base/node:20'] }), image({ RepoTags: ['other:1'] })];
    assert.deepEqual(removedNames({ Images: images }, noNeeds, { ...policy, keepImages: ['busybox', '127.0.0.1:5000/*'] }), ['busybox:old', 'other:1']);
  });

  test('images of an application with a deployment queued or running stay (its build may not be released yet)', () => {
    const images = [image({ RepoTags: ['site-abc123:new'] }), image({ RepoTags: ['10.0.0.1:5000/berth/site-abc123:new'] }), image({ RepoTags: ['other-def456:1'] })];
    assert.deepEqual(removedNames({ Images: images }, { ...noNeeds, busyApps: ['site-abc123'] }), ['other-def456:1']);
  });

  test('an image younger than the minimum age stays', () => {
    assert.deepEqual(removedNames({ Images: [image({ RepoTags: ['new:1'], Created: (NOW - 10_000) / 1000 })] }), []);
    assert.deepEqual(removedNames({ Images: [image({ RepoTags: ['new:1'], Created: (NOW - 10_000) / 1000 })] }, noNeeds, { ...policy, minAgeMs: 0 }), ['new:1']);
  });

  test('a dangling image goes by its ID; with a name prefix set, only images all of whose names carry it go, and no dangling one', () => {
    const dangling = image({ RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] });
    const mine = image({ RepoTags: ['run1-junk:1', '127.0.0.1:5000/x/run1-junk:1'] });
    const mixed = image({ RepoTags: ['run1-a:1', 'theirs:1'] });
    assert.deepEqual(imagesToRemove({ Images: [dangling] }, noNeeds, policy, NOW)[0].refs, [dangling.Id]);
    assert.deepEqual(removedNames({ Images: [dangling, mine, mixed] }, noNeeds, { ...policy, onlyPrefix: 'run1-' }), ['run1-junk:1']);
  });

  test('normalizeRef adds the :latest Docker lists, and leaves tags, digests and registry ports alone', () => {
    assert.equal(normalizeRef('busybox'), 'busybox:latest');
    assert.equal(normalizeRef('127.0.0.1:5000/app'), '127.0.0.1:5000/app:latest');
    assert.equal(normalizeRef('127.0.0.1:5000/app:3'), '127.0.0.1:5000/app:3');
    assert.equal(normalizeRef('app@sha256:aa'), 'app@sha256:aa');
  });
});

describe('which containers and volumes a cleanup removes', () => {
  const c = (Names: string[], State: string, Created = old, SizeRw = 10) => ({ Id: `${Names[0].slice(1)}-id`, Names, State, Created, SizeRw });

  test('exited and dead containers go; running, paused and restarting ones stay; one never started only once old enough', () => {
    const df = { Containers: [c(['/a'], 'exited'), c(['/b'], 'dead'), c(['/c'], 'running'), c(['/d'], 'paused'), c(['/e'], 'restarting'), c(['/f'], 'created'), c(['/g'], 'created', NOW / 1000)] };
    assert.deepEqual(containersToRemove(df, policy, NOW).map((r) => [r.name, r.bytes]), [['a', 10], ['b', 10], ['f', 10]]);
    assert.deepEqual(containersToRemove(df, { ...policy, onlyPrefix: 'b' }, NOW).map((r) => r.name), ['b']);
  });

  test('a volume an application mounts stays even when nothing uses it (its service is stopped); volumes in use stay', () => {
    const df = {
      Volumes: [
        { Name: 'app-data', UsageData: { Size: 500, RefCount: 0 } },
        { Name: 'in-use', UsageData: { Size: 500, RefCount: 1 } },
        { Name: 'orphan', UsageData: { Size: 700, RefCount: 0 } },
        { Name: 'unknown-usage', UsageData: null },
      ],
    };
    assert.deepEqual(volumesToRemove(df, { ...noNeeds, volumes: ['app-data'] }, policy), [{ id: 'orphan', name: 'orphan', refs: ['orphan'], bytes: 700 }]);
  });
});

describe('what a cleanup reports', () => {
  test('sizes as Docker prints them', () => {
    assert.deepEqual([0, 999, 1000, 1984320, 187263032, 74_100_000_000].map(humanSize), ['0B', '999B', '1kB', '1.984MB', '187.3MB', '74.1GB']);
  });

  test('the log line names the bytes freed, the count per kind and the refusals', () => {
    const detail = cleanupDetail({
      freedBytes: 3_500_000,
      startedAt: '',
      finishedAt: '',
      containers: { removed: 2, freedBytes: 500_000, failed: [] },
      images: { removed: 3, freedBytes: 3_000_000, failed: [{ name: 'x:1', error: 'image has dependent child images' }] },
    });
    assert.equal(detail, 'freed 3.5MB: 2 stopped containers (500kB), 3 images (3MB), 1 refused (x:1: image has dependent child images)');
    const withNodes = cleanupDetail({
      freedBytes: 1_000_000,
      startedAt: '',
      finishedAt: '',
      containers: { removed: 0, freedBytes: 0, failed: [] },
      nodes: [
        { node: 'worker-1', freedBytes: 1_000_000, containers: { removed: 1, freedBytes: 1_000_000, failed: [] } },
        { node: 'worker-2', freedBytes: 0, error: 'connect ECONNREFUSED' },
      ],
    });
    assert.equal(withNodes, 'freed 1MB: 0 stopped containers (0B); on worker-1: 1 stopped containers (1MB); on worker-2: not cleaned (connect ECONNREFUSED)');
  });

  test('disk usage rows are docker system df\'s, computed from /system/df as the Docker CLI computes them', () => {
    const df: DiskUsage = {
      LayersSize: 10_000_000,
      Images: [image({ Size: 6_000_000, SharedSize: 2_000_000, Containers: 2 }), image({ Size: 4_000_000, SharedSize: 2_000_000, Containers: 0 })],
      Containers: [
        { Id: '1', State: 'running', Created: old, SizeRw: 1000 },
        { Id: '2', State: 'exited', Created: old, SizeRw: 3000 },
      ],
      Volumes: [{ Name: 'v1', UsageData: { Size: 2000, RefCount: 1 } }, { Name: 'v2', UsageData: { Size: 6000, RefCount: 0 } }, { Name: 'v3', UsageData: { Size: -1, RefCount: 0 } }],
      BuildCache: [
        { InUse: true, Shared: false, Size: 100 },
        { InUse: false, Shared: false, Size: 300 },
        { InUse: false, Shared: true, Size: 50 },
      ],
      BuilderSize: 400,
    };
    assert.deepEqual(diskUsageRows(df), [
      { type: 'Images', totalCount: '2', active: '1', size: '10MB', reclaimable: '6MB (60%)', sizeBytes: 10_000_000, reclaimableBytes: 6_000_000 },
      { type: 'Containers', totalCount: '2', active: '1', size: '4kB', reclaimable: '3kB (75%)', sizeBytes: 4000, reclaimableBytes: 3000 },
      { type: 'Local Volumes', totalCount: '3', active: '1', size: '8kB', reclaimable: '6kB (75%)', sizeBytes: 8000, reclaimableBytes: 6000 },
      { type: 'Build Cache', totalCount: '3', active: '1', size: '400B', reclaimable: '300B', sizeBytes: 400, reclaimableBytes: 300 },
    ]);
    assert.deepEqual(diskUsageRows({}).map((r) => [r.type, r.size, r.reclaimable]), [
      ['Images', '0B', '0B'],
      ['Containers', '0B', '0B'],
      ['Local Volumes', '0B', '0B'],
      ['Build Cache', '0B', '0B'],
    ]);
  });
});

describe('the scheduled cleanup', () => {
  test('no job while the switch is off; one job however often it is turned on; a due run calls the same tick; off stops it', async () => {
    let on = false;
    let ticks = 0;
    const daily = new DailyCleanup({ schedule: '* * * * * *', enabled: () => on, tick: async () => ticks++, warn: () => {} });
    await daily.refresh();
    assert.equal(daily.nextRun(), null);
    on = true;
    await Promise.all([daily.refresh(), daily.refresh()]);
    const next = daily.nextRun();
    assert.ok(next && next.getTime() - Date.now() <= 1000, `next run ${next?.toISOString()}`);
    const deadline = Date.now() + 5000;
    while (ticks < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(ticks >= 2, `ran ${ticks} times in 5 s on an every-second schedule`);
    on = false;
    await daily.refresh();
    assert.equal(daily.nextRun(), null);
    const after = ticks;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(ticks, after, 'ran after being turned off');
  });
});

describe('cleanup settings', () => {
  test('read from the environment, with safe defaults; a schedule croner cannot read stops the start', () => {
    assert.deepEqual(loadConfig({}).cleanup, { keepImages: [], onlyPrefix: '', minAgeMs: 60 * 60_000, buildCacheKeepBytes: 0, schedule: '50 23 * * *' });
    const set = loadConfig({ BERTH_CLEANUP_KEEP_IMAGES: 'busybox, registry.example.com/base/* ,', BERTH_CLEANUP_MIN_AGE_MINUTES: '0', BERTH_CLEANUP_SCHEDULE: '0 4 * * 1' }).cleanup;
    assert.deepEqual([set.keepImages, set.minAgeMs, set.schedule], [['busybox', 'registry.example.com/base/*'], 0, '0 4 * * 1']);
    assert.throws(() => loadConfig({ BERTH_CLEANUP_SCHEDULE: 'every night' }), /BERTH_CLEANUP_SCHEDULE must be a cron pattern/);
    assert.throws(() => loadConfig({ BERTH_CLEANUP_ONLY_PREFIX: '../x' }), /BERTH_CLEANUP_ONLY_PREFIX must be a name prefix/);
  });
});
