// The pure parts of releases: what a rollback snapshot holds, which releases retention
// keeps, how a registry image is named, how long each stage of a deployment took.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { registryImageOf, pushCommands } from '../../src/deploy/push.js';
import { manifestDeletions, retention } from '../../src/deploy/retention.js';
import { deleteOutcome } from '../../src/docker/registry-manifests.js';
import { snapshotOf } from '../../src/deploy/snapshot.js';
import { serviceSpec } from '../../src/docker/service-spec.js';
import { appHealth, type TaskView } from '../../src/model/app-health.js';
import { stageDurations } from '../../src/model/deployment.js';
import { appRow } from '../helpers/job.js';
import { serviceSource } from '../helpers/service-source.js';

describe('release snapshot', () => {
  const app = {
    ...appRow(),
    ...serviceSource({ env: 'A=1', memoryLimit: '1000', replicas: 2 }),
    password: 'registry-pass',
    buildSecrets: 'S=build-secret',
    mounts: [{ mountId: 'm1', type: 'file' as const, hostPath: null, volumeName: null, filePath: 'conf/app.ini', content: 'x=1', mountPath: '/etc/app.ini', serviceType: 'application' as const, applicationId: 'a' }],
    ports: [{ portId: 'p1', publishedPort: 8080, targetPort: 80, protocol: 'tcp' as const, publishMode: 'host' as const, applicationId: 'a' }],
  } as Parameters<typeof snapshotOf>[0];

  test('holds what the service spec reads, the resolved env and file contents; never registry or build secrets', () => {
    const snap = snapshotOf(app, { A: 'resolved' });
    assert.equal(snap.version, 1);
    assert.deepEqual(snap.env, { A: 'resolved' });
    assert.equal(snap.app.memoryLimit, '1000');
    assert.equal(snap.app.replicas, 2);
    assert.deepEqual(snap.app.mounts, [{ type: 'file', hostPath: null, volumeName: null, filePath: 'conf/app.ini', mountPath: '/etc/app.ini', content: 'x=1' }]);
    assert.deepEqual(snap.app.ports, [{ publishedPort: 8080, targetPort: 80, protocol: 'tcp', publishMode: 'host' }]);
    const text = JSON.stringify(snap);
    assert.ok(!text.includes('registry-pass'), 'the registry password is in the snapshot');
    assert.ok(!text.includes('build-secret'), 'a build secret is in the snapshot');
  });

  test('a snapshot gives the same service spec as the application it was taken of', () => {
    const opts = { image: 'sha256:1', endpointMode: 'dnsrr' as const, network: 'berth-network', filesDir: '/data/files/x' };
    const snap = snapshotOf(app, { A: '1' });
    assert.deepEqual(serviceSpec(snap.app, { ...opts, env: snap.env }), serviceSpec(app, opts));
  });

  test('later edits of the application do not change a snapshot taken before', () => {
    const mutable = structuredClone(app);
    const snap = snapshotOf(mutable, {});
    mutable.mounts[0].content = 'changed';
    mutable.memoryLimit = '2';
    assert.equal(snap.app.mounts[0].content, 'x=1');
    assert.equal(snap.app.memoryLimit, '1000');
  });
});

describe('retention', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ rollbackId: `r${i + 1}`, version: i + 1, image: `web:d${i + 1}` }));

  test('keeps the newest N rollback rows and their images; older rows and images go', () => {
    const plan = retention({ rollbacks: rows(7), images: rows(7).map((r) => r.image), keep: 5, protectedImages: new Set() });
    assert.deepEqual(plan.dropRollbacks.sort(), ['r1', 'r2']);
    assert.deepEqual(plan.removeImages.sort(), ['web:d1', 'web:d2']);
    assert.deepEqual(plan.keepImages.sort(), ['web:d3', 'web:d4', 'web:d5', 'web:d6', 'web:d7']);
  });

  test('an image a protected release uses stays even when its row goes (what runs after a rollback)', () => {
    const plan = retention({ rollbacks: rows(7), images: [], keep: 5, protectedImages: new Set(['web:d1']) });
    assert.deepEqual(plan.dropRollbacks.sort(), ['r1', 'r2']);
    assert.deepEqual(plan.removeImages, ['web:d2']);
  });

  test('images of deployments without a kept row (failed releases) go; an image shared with a kept row stays', () => {
    const plan = retention({ rollbacks: rows(2), images: ['web:failed', 'web:d2'], keep: 5, protectedImages: new Set() });
    assert.deepEqual(plan.dropRollbacks, []);
    assert.deepEqual(plan.removeImages, ['web:failed']);
  });

  test('version order decides, not the order rows come in', () => {
    const plan = retention({ rollbacks: rows(3).reverse(), images: [], keep: 1, protectedImages: new Set() });
    assert.deepEqual(plan.dropRollbacks.sort(), ['r1', 'r2']);
  });
});

describe('registry retention', () => {
  const repo = 'r.io:5000/berth/web';
  const [A, B, C] = ['a', 'b', 'c'].map((c) => `sha256:${c.repeat(64)}`);

  test("a dropped release's manifest goes from its registry when nothing kept uses its digest", () => {
    const out = manifestDeletions({ dropped: [{ image: `${repo}:d1`, digest: A }], kept: [{ image: `${repo}:d2`, digest: B }], running: [`${repo}@${B}`] });
    assert.deepEqual(out, [{ image: `${repo}:d1`, digest: A }]);
  });

  test('a digest a kept release shares (an unchanged build) or a running service uses stays', () => {
    assert.deepEqual(manifestDeletions({ dropped: [{ image: `${repo}:d1`, digest: A }], kept: [{ image: `${repo}:d3`, digest: A }], running: [] }), []);
    assert.deepEqual(manifestDeletions({ dropped: [{ image: `${repo}:d1`, digest: A }], kept: [], running: [`${repo}@${A}`] }), []);
  });

  test('the same digest in another repository does not protect it; two dropped tags of one digest make one delete', () => {
    const out = manifestDeletions({
      dropped: [{ image: `${repo}:d1`, digest: A }, { image: `${repo}:d2`, digest: A }],
      kept: [{ image: 'r.io:5000/berth/other:d9', digest: A }],
      running: [`r.io:5000/berth/other@${A}`],
    });
    assert.deepEqual(out, [{ image: `${repo}:d1`, digest: A }]);
  });

  test('nothing goes from a repository where a kept digest is unknown; a tag already gone needs no delete', () => {
    assert.deepEqual(manifestDeletions({ dropped: [{ image: `${repo}:d1`, digest: A }], kept: [{ image: `${repo}:d2`, digest: undefined }], running: [] }), []);
    assert.deepEqual(manifestDeletions({ dropped: [{ image: `${repo}:d1`, digest: null }, { image: `${repo}:d2`, digest: C }], kept: [{ image: `${repo}:d3`, digest: null }], running: [] }), [{ image: `${repo}:d2`, digest: C }]);
  });

  test("a registry's answer to a delete: 202 deleted, 404 already gone, 405 or UNSUPPORTED refused, else an error", () => {
    assert.equal(deleteOutcome(202, ''), 'deleted');
    assert.equal(deleteOutcome(404, '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'), 'absent');
    assert.equal(deleteOutcome(405, '{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}'), 'refused');
    assert.equal(deleteOutcome(400, '{"errors": [{"code": "UNSUPPORTED"}]}'), 'refused');
    assert.equal(deleteOutcome(401, '{"errors":[{"code":"UNAUTHORIZED"}]}'), undefined);
    assert.equal(deleteOutcome(500, ''), undefined);
  });
});

describe('registry push', () => {
  test('the image is named <registryUrl>/<imagePrefix or username, lower-cased>/<appName>:<tag>', () => {
    assert.equal(registryImageOf({ registryUrl: '127.0.0.1:5000', imagePrefix: 'Team/Web', username: 'u' }, 'web-x1', 'd1'), '127.0.0.1:5000/team/web/web-x1:d1');
    assert.equal(registryImageOf({ registryUrl: 'ghcr.io', imagePrefix: null, username: 'Alice' }, 'web-x1', 'd1'), 'ghcr.io/alice/web-x1:d1');
    assert.equal(registryImageOf({ registryUrl: '', imagePrefix: null, username: 'alice' }, 'web-x1', 'd1'), 'alice/web-x1:d1');
  });

  test('tag then push with the per-job config; no credentials in argv', () => {
    assert.deepEqual(pushCommands('docker', '/w/push-config', 'web:d1', 'r.io/a/web:d1'), [
      ['docker', 'tag', 'web:d1', 'r.io/a/web:d1'],
      ['docker', '--config', '/w/push-config', 'push', 'r.io/a/web:d1'],
    ]);
  });
});

describe('stage durations', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

  test('each stage lasts until the next began; the last until the deployment finished', () => {
    assert.deepEqual(stageDurations({ queued: t(0), cloning: t(2), building: t(3), releasing: t(10), verifying: t(11), finished: t(12) }, t(12)), {
      queued: 2000,
      cloning: 1000,
      building: 7000,
      releasing: 1000,
      verifying: 1000,
    });
  });

  test('a running deployment counts its current stage up to now; no stage times, no durations', () => {
    assert.deepEqual(stageDurations({ queued: t(0), cloning: t(1) }, null, Date.parse(t(4))), { queued: 1000, cloning: 3000 });
    assert.deepEqual(stageDurations(null, null), {});
  });
});

describe('application health', () => {
  const task = (over: Partial<TaskView>): TaskView => ({ state: 'running', desiredState: 'running', message: 'started', error: null, exitCode: null, oomKilled: false, finishedAt: null, ...over });

  test('no service: not deployed; zero replicas: stopped; all desired tasks running: running', () => {
    assert.equal(appHealth(undefined, []).status, 'not deployed');
    assert.equal(appHealth(0, [task({ state: 'shutdown', desiredState: 'shutdown' })]).status, 'stopped');
    assert.deepEqual(appHealth(2, [task({}), task({})]), { status: 'running', desired: 2, running: 2, lastExit: null });
  });

  test('an out-of-memory kill is named as such, with the exit code, and the app is failing until a task runs again', () => {
    const killed = task({ state: 'failed', desiredState: 'shutdown', error: 'task: non-zero exit (137)', exitCode: 137, oomKilled: true, finishedAt: '2026-01-01T00:00:00Z' });
    const h = appHealth(1, [task({ state: 'starting' }), killed]);
    assert.equal(h.status, 'failing');
    assert.deepEqual(h.lastExit, { state: 'failed', reason: 'killed: out of memory (memory limit reached)', exitCode: 137, oomKilled: true, at: '2026-01-01T00:00:00Z' });
    // restarted: running again, the last exit still told
    assert.equal(appHealth(1, [task({}), killed]).status, 'running');
  });

  test('a task starting with nothing failed is starting; a failed health check is the task error', () => {
    assert.equal(appHealth(1, [task({ state: 'preparing' })]).status, 'starting');
    const h = appHealth(1, [task({ state: 'failed', desiredState: 'shutdown', error: 'task: non-zero exit (1): dockerexec: unhealthy container', exitCode: 1 })]);
    assert.equal(h.status, 'failing');
    assert.equal(h.lastExit?.reason, 'task: non-zero exit (1): dockerexec: unhealthy container');
  });
});
