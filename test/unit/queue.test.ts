import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deployer, INTERRUPTED } from '../../src/deploy/deployer.js';
import { DeploymentLogs, readTail } from '../../src/deploy/log.js';
import { humanDuration, JobAbort, type JobRunner } from '../../src/deploy/queue.js';
import type { JobEnd } from '../../src/store/deployments.js';
import type { Store } from '../../src/store/index.js';
import { openDataDir, type DataDir } from '../../src/store/open.js';
import type { JobRow } from '../../src/store/schema.js';

/**
 * The durable queue with a fake job runner: what is tested here is ordering, concurrency,
 * superseding, cancelling, timeouts and recovery, not what a job does (deploy-e2e.test.ts).
 * The runner holds each job until the test releases it, or until it is aborted.
 */
class HeldRunner implements JobRunner {
  readonly started: JobRow[] = [];
  private readonly held = new Map<string, (end: JobEnd) => void>();
  private active = 0;
  maxActive = 0;
  maxActiveBuilds = 0;
  private activeBuilds = 0;

  constructor(private readonly store: () => Store) {}

  run(job: JobRow, signal: AbortSignal): Promise<void> {
    this.started.push(job);
    const build = job.deploymentId !== null;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    if (build) this.maxActiveBuilds = Math.max(this.maxActiveBuilds, ++this.activeBuilds);
    return new Promise((resolve) => {
      const finish = (end: JobEnd) => {
        this.held.delete(job.jobId);
        this.active--;
        if (build) this.activeBuilds--;
        this.store().deployments.endJob(job.jobId, end);
        resolve();
      };
      this.held.set(job.jobId, finish);
      signal.addEventListener('abort', () => {
        const reason = signal.reason as JobAbort;
        finish(reason.kind === 'cancelled' ? { status: 'cancelled', errorMessage: reason.message } : { status: 'error', errorMessage: reason.message, applicationStatus: 'error' });
      });
    });
  }

  /** Lets a held job finish `done`. */
  release(job: JobRow) {
    const finish = this.held.get(job.jobId);
    assert.ok(finish, `job ${job.jobId} (${job.type}) is not running`);
    finish({ status: 'done', applicationStatus: 'done' });
  }

  isRunning = (job: JobRow) => this.held.has(job.jobId);
}

interface Harness {
  dataDir: string;
  data: DataDir;
  store: Store;
  runner: HeldRunner;
  deployer: Deployer;
  apps: string[];
  warnings: string[];
}

function harness(apps: number, settings: Partial<{ buildConcurrency: number; jobTimeoutMs: number }> = {}, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-queue-'))): Harness {
  const data = openDataDir(dataDir);
  const { store } = data;
  const runner = new HeldRunner(() => store);
  const warnings: string[] = [];
  const deployer = new Deployer({
    store,
    dataDir,
    settings: { buildConcurrency: 1, jobTimeoutMs: 60_000, previewExpiryHours: 0, ...settings },
    routing: { dataDir, edge: { httpsPort: 443 } },
    logs: new DeploymentLogs(dataDir),
    engine: { removeService: async () => {}, removeImage: async () => ({ removed: true }) },
    runner,
    warn: (m) => warnings.push(m),
  });
  let ids = store.applications.search({ limit: 100, offset: 0 }).items.map((a) => a.applicationId).reverse();
  if (!ids.length) {
    const { environment } = store.projects.createProject({ name: 'queue' });
    ids = Array.from({ length: apps }, (_, i) => store.applications.create({ name: `app${i}`, appName: `queue-app-${i}`, environmentId: environment.environmentId }).applicationId);
  }
  deployer.start();
  return { dataDir, data, store, runner, deployer, apps: ids, warnings };
}

/** Waits until `check` holds (the queue starts jobs as others end, asynchronously). */
async function until(check: () => boolean, what: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

const statusOf = (h: Harness, deploymentId: string) => h.store.deployments.get(deploymentId);

describe('the deploy queue', () => {
  let h: Harness;
  afterEach(async () => {
    await h.deployer.stop();
    // The guarantee behind every test: no deployment is running with no job behind it.
    assert.deepEqual(h.store.deployments.orphans(), []);
    h.data.close();
    fs.rmSync(h.dataDir, { recursive: true, force: true });
  });

  describe('with one build at a time', () => {
    beforeEach(() => {
      h = harness(3);
    });

    test('deploy answers at once with the queued deployment; the job starts, then ends done', async () => {
      const d = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      assert.equal(d.status, 'running');
      assert.equal(d.title, 'Manual deployment');
      // the id is the image tag: never a leading "-", which Docker refuses
      assert.match(d.deploymentId, /^[A-Za-z0-9_]{21}$/);
      assert.equal(d.logPath, path.join(h.dataDir, 'logs', 'queue-app-0', `${d.deploymentId}.log`));
      assert.equal(h.runner.started.length, 1);
      assert.equal(h.store.applications.get(h.apps[0]).applicationStatus, 'running');
      h.runner.release(h.runner.started[0]);
      await until(() => statusOf(h, d.deploymentId).status === 'done', 'done');
      const row = statusOf(h, d.deploymentId);
      assert.equal(row.stage, 'finished');
      assert.ok(row.finishedAt && row.startedAt);
      assert.equal(h.store.applications.get(h.apps[0]).applicationStatus, 'done');
    });

    test('redeploy is titled "Rebuild deployment"; a given title and description are kept', () => {
      assert.equal(h.deployer.enqueueDeploy(h.apps[0], 'redeploy').title, 'Rebuild deployment');
      const d = h.deployer.enqueueDeploy(h.apps[1], 'deploy', { title: 'from CI', description: 'build 42' });
      assert.equal(d.title, 'from CI');
      assert.equal(d.description, 'build 42');
    });

    test('one build at a time overall, in the order asked; the rest wait queued', async () => {
      const d = [0, 1, 2].map((i) => h.deployer.enqueueDeploy(h.apps[i], 'deploy'));
      assert.deepEqual(h.runner.started.map((j) => j.deploymentId), [d[0].deploymentId]);
      assert.equal(statusOf(h, d[1].deploymentId).stage, 'queued');
      assert.equal(statusOf(h, d[1].deploymentId).startedAt, null);
      h.runner.release(h.runner.started[0]);
      await until(() => h.runner.started.length === 2, 'second job');
      h.runner.release(h.runner.started[1]);
      await until(() => h.runner.started.length === 3, 'third job');
      h.runner.release(h.runner.started[2]);
      await until(() => statusOf(h, d[2].deploymentId).status === 'done', 'all done');
      assert.deepEqual(h.runner.started.map((j) => j.deploymentId), d.map((x) => x.deploymentId));
      assert.equal(h.runner.maxActiveBuilds, 1);
    });

    test('a newer deploy supersedes a queued one of the same app: it ends cancelled, saying by which', async () => {
      const running = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      const queued = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      const newer = h.deployer.enqueueDeploy(h.apps[0], 'redeploy');
      const old = statusOf(h, queued.deploymentId);
      assert.equal(old.status, 'cancelled');
      assert.equal(old.errorMessage, `superseded by ${newer.deploymentId}`);
      assert.ok(old.finishedAt);
      assert.match(readTail(old.logPath, 5), new RegExp(`Cancelled: superseded by ${newer.deploymentId}\\n.*--- deployment finished: cancelled ---$`));
      // the running one is not superseded: it goes on, then the newer one runs
      assert.equal(statusOf(h, running.deploymentId).status, 'running');
      h.runner.release(h.runner.started[0]);
      await until(() => h.runner.started.length === 2, 'newer starts');
      assert.equal(h.runner.started[1].deploymentId, newer.deploymentId);
      h.runner.release(h.runner.started[1]);
      await until(() => statusOf(h, newer.deploymentId).status === 'done', 'newer done');
    });

    test('start, stop and reload wait for the app\'s running deploy, but not for other apps\' builds', async () => {
      h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      h.deployer.enqueueDeploy(h.apps[1], 'deploy'); // waits for the build slot
      const stop0 = h.deployer.enqueueLifecycle(h.apps[0], 'stop');
      const start2 = h.deployer.enqueueLifecycle(h.apps[2], 'start');
      assert.equal(h.store.deployments.jobById(stop0.jobId)!.state, 'queued');
      // app 2 has nothing ahead of it: its start runs beside app 0's build
      assert.equal(h.store.deployments.jobById(start2.jobId)!.state, 'running');
      h.runner.release(h.runner.started.find((j) => j.jobId === start2.jobId)!);
      h.runner.release(h.runner.started[0]);
      // app 0's stop and app 1's build both start now
      await until(() => h.runner.started.length === 4, 'stop and next build');
      assert.deepEqual(new Set(h.runner.started.slice(2).map((j) => j.type)), new Set(['stop', 'deploy']));
      for (const j of h.runner.started.slice(2)) h.runner.release(j);
      await until(() => h.store.deployments.pending().length === 0, 'queue empty');
      assert.equal(h.store.deployments.jobById(stop0.jobId)!.state, 'finished');
    });

    test('a later job of an app never overtakes an earlier one held back by the build slot', async () => {
      h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      const build1 = h.deployer.enqueueDeploy(h.apps[1], 'deploy');
      const reload1 = h.deployer.enqueueLifecycle(h.apps[1], 'reload');
      assert.equal(h.store.deployments.jobById(reload1.jobId)!.state, 'queued');
      h.runner.release(h.runner.started[0]);
      await until(() => h.runner.started.length === 2, 'app 1 build');
      assert.equal(h.runner.started[1].deploymentId, build1.deploymentId);
      assert.equal(h.store.deployments.jobById(reload1.jobId)!.state, 'queued');
      h.runner.release(h.runner.started[1]);
      await until(() => h.runner.started.length === 3, 'app 1 reload');
      h.runner.release(h.runner.started[2]);
    });

    test('cancelling a queued deployment ends it cancelled without running it', async () => {
      h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      const queued = h.deployer.enqueueDeploy(h.apps[1], 'deploy');
      const row = await h.deployer.cancelDeployment(queued.deploymentId);
      assert.equal(row.status, 'cancelled');
      assert.equal(row.errorMessage, 'cancelled on request');
      h.runner.release(h.runner.started[0]);
      await sleep(20);
      assert.equal(h.runner.started.length, 1);
      await assert.rejects(h.deployer.cancelDeployment(queued.deploymentId), /Deployment is not running/);
    });

    test('cancelling the running deployment aborts its job; the next queued one runs', async () => {
      const first = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      const second = h.deployer.enqueueDeploy(h.apps[1], 'deploy');
      const row = await h.deployer.cancelApplication(h.apps[0]);
      assert.equal(row.deploymentId, first.deploymentId);
      assert.equal(row.status, 'cancelled');
      await until(() => h.runner.started.length === 2, 'next job');
      assert.equal(h.runner.started[1].deploymentId, second.deploymentId);
      await assert.rejects(h.deployer.cancelApplication(h.apps[0]), /No deployment of this application is queued or running/);
      h.runner.release(h.runner.started[1]);
    });

    test('a deployment already updating its service is cancelled through its job (which reverts the service); killBuild refuses it', async () => {
      const d = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      h.store.deployments.setStage(d.deploymentId, 'verifying');
      await assert.rejects(h.deployer.killBuild(h.apps[0]), /No build of this application is running/);
      const row = await h.deployer.cancelApplication(h.apps[0]);
      assert.equal(row.status, 'cancelled');
    });

    test('killBuild stops only this application\'s build', async () => {
      const d = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      h.store.deployments.setStage(d.deploymentId, 'building');
      const other = h.deployer.enqueueLifecycle(h.apps[1], 'reload');
      await assert.rejects(h.deployer.killBuild(h.apps[1]), /No build of this application is running/);
      const killed = await h.deployer.killBuild(h.apps[0]);
      assert.equal(killed.status, 'cancelled');
      assert.equal(killed.errorMessage, 'build killed on request');
      assert.ok(h.runner.isRunning(h.store.deployments.jobById(other.jobId)!));
      h.runner.release(h.store.deployments.jobById(other.jobId)!);
    });

    test('cleanQueues drops the app\'s queued jobs, not its running one nor other apps\'', async () => {
      const running = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      h.deployer.enqueueLifecycle(h.apps[0], 'stop');
      const queued = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      const otherApp = h.deployer.enqueueDeploy(h.apps[1], 'deploy');
      const dropped = h.deployer.cleanQueues(h.apps[0]);
      assert.deepEqual(dropped.map((d) => d.deploymentId), [queued.deploymentId]);
      assert.equal(statusOf(h, queued.deploymentId).status, 'cancelled');
      assert.equal(statusOf(h, running.deploymentId).status, 'running');
      assert.equal(statusOf(h, otherApp.deploymentId).status, 'running');
      assert.deepEqual(h.store.deployments.pending().map((p) => p.job.deploymentId), [running.deploymentId, otherApp.deploymentId]);
      h.runner.release(h.runner.started[0]);
      await until(() => h.runner.started.length === 2, 'other app');
      h.runner.release(h.runner.started[1]);
    });

    test('clearDeployments removes finished rows and their logs, but keeps the running version\'s and live ones', async () => {
      const done1 = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      h.runner.release(h.runner.started[0]);
      await until(() => statusOf(h, done1.deploymentId).status === 'done', 'first done');
      fs.mkdirSync(path.dirname(done1.logPath), { recursive: true });
      fs.writeFileSync(done1.logPath, 'x\n');
      const done2 = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      await until(() => h.runner.started.length === 2, 'second starts');
      h.runner.release(h.runner.started[1]);
      await until(() => statusOf(h, done2.deploymentId).status === 'done', 'second done');
      const live = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      await until(() => h.runner.started.length === 3, 'third starts');
      const removed = h.deployer.clearDeployments(h.apps[0]);
      assert.deepEqual(removed.map((d) => d.deploymentId), [done1.deploymentId]);
      assert.equal(fs.existsSync(done1.logPath), false);
      assert.deepEqual(h.store.deployments.list(h.apps[0]).map((d) => d.deploymentId), [live.deploymentId, done2.deploymentId]);
      assert.throws(() => h.deployer.removeDeployment(live.deploymentId), /still running/);
      h.runner.release(h.runner.started[2]);
    });

    test('an application keeps its 10 newest deployments', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        ids.push(h.deployer.enqueueDeploy(h.apps[0], 'deploy').deploymentId);
        await until(() => h.runner.started.length === i + 1, `deployment ${i} starts`);
        h.runner.release(h.runner.started[i]);
        await until(() => statusOf(h, ids.at(-1)!).status === 'done', `deployment ${i}`);
      }
      assert.deepEqual(h.store.deployments.list(h.apps[0]).map((d) => d.deploymentId), ids.slice(2).reverse());
    });

    test('deleting an application cancels its queued and running jobs', async () => {
      const running = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
      h.deployer.enqueueLifecycle(h.apps[0], 'stop');
      const next = h.deployer.enqueueDeploy(h.apps[1], 'deploy');
      const row = await h.deployer.removeApplication(h.apps[0]);
      assert.equal(row.applicationId, h.apps[0]);
      assert.throws(() => statusOf(h, running.deploymentId), /not found/);
      assert.deepEqual(h.store.deployments.pending().map((p) => p.job.deploymentId), [next.deploymentId]);
      await until(() => h.runner.started.length === 2, 'next app');
      h.runner.release(h.runner.started[1]);
    });
  });

  test('at most BERTH_BUILD_CONCURRENCY builds at once, FIFO over the applications', async () => {
    h = harness(4, { buildConcurrency: 2 });
    const d = h.apps.map((app) => h.deployer.enqueueDeploy(app, 'deploy'));
    assert.deepEqual(h.runner.started.map((j) => j.deploymentId), [d[0].deploymentId, d[1].deploymentId]);
    h.runner.release(h.runner.started[1]);
    await until(() => h.runner.started.length === 3, 'third');
    assert.equal(h.runner.started[2].deploymentId, d[2].deploymentId);
    for (const j of h.runner.started) if (h.runner.isRunning(j)) h.runner.release(j);
    await until(() => h.runner.started.length === 4, 'fourth');
    h.runner.release(h.runner.started[3]);
    assert.equal(h.runner.maxActiveBuilds, 2);
  });

  test('a job that outlives BERTH_JOB_TIMEOUT_MS ends error "timed out after …"; the next one runs', async () => {
    h = harness(2, { jobTimeoutMs: 150 });
    const slow = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
    const next = h.deployer.enqueueDeploy(h.apps[1], 'deploy');
    await until(() => statusOf(h, slow.deploymentId).status !== 'running', 'timeout');
    assert.equal(statusOf(h, slow.deploymentId).status, 'error');
    assert.equal(statusOf(h, slow.deploymentId).errorMessage, 'timed out after 150 ms');
    assert.equal(h.store.applications.get(h.apps[0]).applicationStatus, 'error');
    await until(() => h.runner.started.length === 2, 'next');
    assert.equal(h.runner.started[1].deploymentId, next.deploymentId);
    h.runner.release(h.runner.started[1]);
  });

  test('a restart ends the interrupted job error and runs what was queued', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-queue-'));
    // A first server that dies with a job running and one queued: its database as it was.
    const first = harness(2, {}, dataDir);
    const interrupted = first.deployer.enqueueDeploy(first.apps[0], 'deploy');
    const queued = first.deployer.enqueueDeploy(first.apps[1], 'deploy');
    first.data.close(); // no stop(): the process is gone
    h = harness(2, {}, dataDir);
    const row = statusOf(h, interrupted.deploymentId);
    assert.equal(row.status, 'error');
    assert.equal(row.errorMessage, INTERRUPTED);
    assert.match(readTail(row.logPath, 2), /Error: interrupted by server restart\n.*--- deployment finished: error ---$/);
    assert.equal(h.store.applications.get(h.apps[0]).applicationStatus, 'error');
    assert.deepEqual(h.runner.started.map((j) => j.deploymentId), [queued.deploymentId]);
    h.runner.release(h.runner.started[0]);
    await until(() => statusOf(h, queued.deploymentId).status === 'done', 'queued one done');
  });

  test('a graceful stop ends the running job error "interrupted by server restart"', async () => {
    h = harness(1);
    const d = h.deployer.enqueueDeploy(h.apps[0], 'deploy');
    await h.deployer.stop();
    assert.equal(statusOf(h, d.deploymentId).status, 'error');
    assert.equal(statusOf(h, d.deploymentId).errorMessage, INTERRUPTED);
  });

  test('timeouts read as an operator writes them', () => {
    h = harness(1);
    assert.equal(humanDuration(30 * 60_000), '30 min');
    assert.equal(humanDuration(90_000), '90 s');
    assert.equal(humanDuration(1500), '1500 ms');
  });
});
