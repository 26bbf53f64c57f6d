// Schedules on the real engine: cron jobs that run a command in a running task of an
// application's service (deployed from an image of the test registry), or a script on the
// Berth server; each run with its record and log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cronOf } from '../src/schedule/cron.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { processesWith } from './helpers/berth-process.js';
import { deploymentClient, execInService, pushTestImage, removeRunApplications } from './helpers/e2e.js';
import { runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';
import { until } from './helpers/until.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-schedules-'));
const SECRET = `s3cr3t-${runId}`;

interface Run {
  deploymentId: string;
  status: string;
  trigger: string;
  scheduledFor: string | null;
  startedAt: string;
  finishedAt: string | null;
  exitCode: number | null;
  durationMs: number | null;
  errorMessage: string | null;
  logPath: string;
}

describe('schedules', () => {
  let b: TestBerth;
  const { ok } = deploymentClient(() => b);
  const appNames: string[] = [];
  let applicationId: string;
  let appName: string;
  let deployer: string;

  const runsOf = async (scheduleId: string): Promise<Run[]> => ok('deployment.allByType', { id: scheduleId, type: 'schedule' });
  const logOf = (deploymentId: string): Promise<string> => ok('schedule.readLogs', { deploymentId, tail: 1000 });
  const create = (input: Record<string, unknown>, token?: string) => b.call('schedule.create', { name: `s-${runId}`, ...input }, { token });
  const created = async (input: Record<string, unknown>) => {
    const r = await create(input);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  const disable = (s: { scheduleId: string; name: string; cronExpression: string; command: string }) =>
    ok('schedule.update', { scheduleId: s.scheduleId, name: s.name, cronExpression: s.cronExpression, command: s.command, enabled: false });

  before(async () => {
    b = await startTestBerth();
    const { registry } = readTestEnv();
    const project = await ok('project.create', { name: `sched-${runId}` });
    const app = await ok('application.create', { name: `sched-${runId}`, environmentId: project.environment.environmentId });
    applicationId = app.applicationId;
    appName = app.appName;
    appNames.push(appName);
    await ok('application.saveEnvironment', { applicationId, env: `SCHED_SECRET=${SECRET}` });
    const image = await pushTestImage(tmp, `sched-${runId}`, 'v1', 'sched');
    await ok('application.saveDockerProvider', { applicationId, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
    const { deploymentId } = await ok('application.deploy', { applicationId });
    const { settled } = deploymentClient(() => b);
    const d = await settled(applicationId, deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    deployer = (await ok('user.createApiKey', { name: `sched-dep-${runId}`, role: 'deployer', metadata: { organizationId: 'berth' } })).key;
  });

  after(async () => {
    if (b) await removeRunApplications(ok, appNames);
    await b?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('bad input is a 4xx in the API error format, and nothing is written', async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ cronExpression: 'every minute', command: 'date', applicationId }, 400, /cronExpression/],
      [{ cronExpression: '61 * * * *', command: 'date', applicationId }, 400, /cronExpression/],
      [{ cronExpression: '* * * * *', timezone: 'Mars/Olympus', command: 'date', applicationId }, 400, /timezone/],
      [{ cronExpression: '* * * * *', command: 'date', scheduleType: 'compose', composeId: 'c1' }, 400, /no compose services/],
      [{ cronExpression: '* * * * *', command: 'date', scheduleType: 'server', serverId: 'srv1' }, 400, /no remote servers/],
      [{ cronExpression: '* * * * *', command: 'date', shellType: 'zsh', applicationId }, 400, /shellType/],
      [{ cronExpression: '* * * * *', command: 'date', applicationId, timeoutSeconds: -1 }, 400, /timeoutSeconds/],
      [{ cronExpression: '* * * * *', command: 'date' }, 400, /needs applicationId/],
      [{ cronExpression: '* * * * *', command: 'date', applicationId: 'no-such-app' }, 404, /no-such-app/],
    ];
    for (const [input, status, message] of cases) {
      const r = await create(input);
      assert.equal(r.status, status, `${JSON.stringify(input)}: ${r.text}`);
      assert.match(r.body.message, message);
      assert.equal(r.body.error.code, r.body.code);
    }
    assert.equal((await b.call('schedule.one', { scheduleId: 'nope' })).status, 404);
    assert.equal((await b.call('schedule.runManually', { scheduleId: 'nope' })).status, 404);
    assert.equal((await b.call('schedule.list', { id: applicationId, scheduleType: 'nope' })).status, 400);
    assert.deepEqual(await ok('schedule.list', { id: applicationId, scheduleType: 'application' }), []);
    assert.deepEqual(await ok('schedule.list', { id: 'berth', scheduleType: 'dokploy-server' }), []);
    // an update that would break the schedule changes nothing
    const s = await created({ cronExpression: '0 3 * * *', command: 'date', applicationId, enabled: false });
    const bad = await b.call('schedule.update', { scheduleId: s.scheduleId, name: s.name, cronExpression: '0 3 * * * * * *', command: 'date' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal((await ok('schedule.one', { scheduleId: s.scheduleId })).cronExpression, '0 3 * * *');
    // "" from real clients means "not set": the generated appName stays
    const blank = await ok('schedule.update', { scheduleId: s.scheduleId, name: s.name, cronExpression: '0 3 * * *', command: 'date', appName: '', description: '', timezone: '' });
    assert.equal(blank.appName, s.appName);
    await ok('schedule.delete', { scheduleId: s.scheduleId });
  });

  test('a schedule runs on time in the application\'s container, and its output is in the run\'s log with the app\'s secrets redacted', async () => {
    const expr = '*/2 * * * * *';
    const s = await created({ cronExpression: expr, command: 'echo "tick $SCHED_SECRET"; echo "to stderr" >&2', shellType: 'sh', applicationId });
    assert.ok(s.nextRunAt, 'the answer says when it runs next');
    try {
      const runs = await until('two runs ended', () => runsOf(s.scheduleId), (rs) => rs.filter((r) => r.status !== 'running').length >= 2, 30_000);
      const next = cronOf(expr, null);
      const ended = runs.filter((r) => r.status !== 'running').reverse(); // oldest first
      // the first run is for the first due time after the schedule was made, each next one for the next due time
      assert.equal(ended[0].scheduledFor, next(new Date(s.createdAt))!.toISOString());
      assert.equal(ended[1].scheduledFor, next(new Date(ended[0].scheduledFor!))!.toISOString());
      for (const r of ended) {
        assert.equal(r.status, 'done', r.errorMessage ?? '');
        assert.equal(r.trigger, 'cron');
        assert.equal(r.exitCode, 0);
        assert.ok(Date.parse(r.startedAt) >= Date.parse(r.scheduledFor!), 'it ran when it was due, not before');
        assert.equal(r.durationMs, Date.parse(r.finishedAt!) - Date.parse(r.startedAt));
        const log = await logOf(r.deploymentId);
        assert.match(log, /tick \*{8}\n/);
        assert.match(log, /to stderr\n/);
        assert.ok(!log.includes(SECRET), 'the secret is redacted');
        assert.match(log, /--- deployment finished: done ---$/);
      }
      const listed = await ok('schedule.list', { id: applicationId, scheduleType: 'application' });
      assert.equal(listed[0].scheduleId, s.scheduleId);
      assert.ok(listed[0].deployments.length >= 2, 'list carries the runs, as Dokploy');
    } finally {
      await disable(s);
    }
    const off = await ok('schedule.one', { scheduleId: s.scheduleId });
    assert.equal(off.nextRunAt, null);
    // disabled: no new runs
    const count = (await runsOf(s.scheduleId)).length;
    await sleep(4500);
    assert.equal((await runsOf(s.scheduleId)).length, count, 'a disabled schedule does not run');
    await ok('schedule.delete', { scheduleId: s.scheduleId });
  });

  test('a schedule never overlaps itself: a due time that comes while the previous run goes on is recorded as skipped', async () => {
    const s = await created({ cronExpression: '*/2 * * * * *', command: 'sleep 5; echo slept', shellType: 'sh', applicationId });
    try {
      await until('two runs ended and skips recorded', () => runsOf(s.scheduleId), (rs) => rs.filter((r) => r.status === 'done').length >= 2, 40_000);
    } finally {
      await disable(s);
    }
    await until('the last run ended', () => runsOf(s.scheduleId), (rs) => rs.every((r) => r.status !== 'running'), 20_000);
    const runs = (await runsOf(s.scheduleId)).reverse();
    const ran = runs.filter((r) => r.status === 'done');
    const skipped = runs.filter((r) => r.status === 'skipped');
    assert.ok(skipped.length >= 2, JSON.stringify(runs.map((r) => r.status)));
    for (let i = 1; i < ran.length; i++) assert.ok(Date.parse(ran[i].startedAt) >= Date.parse(ran[i - 1].finishedAt!), 'a run starts after the previous one ended');
    for (const r of skipped) {
      // each skipped due time fell inside a run that was going on
      assert.ok(ran.some((x) => Date.parse(x.startedAt) <= Date.parse(r.scheduledFor!) && Date.parse(r.scheduledFor!) <= Date.parse(x.finishedAt!)), `${r.scheduledFor} skipped while nothing ran`);
      assert.match(await logOf(r.deploymentId), /still going/);
    }
    assert.match(await logOf(ran[0].deploymentId), /slept\n/);
    await ok('schedule.delete', { scheduleId: s.scheduleId });
  });

  test('a run that outlasts its timeout is killed in the container and recorded as timeout; runManually answers the ended run', async () => {
    const s = await created({ cronExpression: '0 3 * * *', command: 'echo started; sleep 300', shellType: 'sh', applicationId, timeoutSeconds: 2, enabled: false });
    const run: Run = await ok('schedule.runManually', { scheduleId: s.scheduleId });
    assert.equal(run.status, 'timeout', run.errorMessage ?? '');
    assert.equal(run.trigger, 'manual');
    assert.ok(run.durationMs! >= 2000 && run.durationMs! < 15_000, `${run.durationMs} ms`);
    assert.match(await logOf(run.deploymentId), /started\n[\s\S]*timed out after 2 s/);
    const ps = await execInService(appName, ['ps', '-o', 'args']);
    assert.ok(!ps.includes('sleep 300'), `the command was killed:\n${ps}`);
    await ok('schedule.delete', { scheduleId: s.scheduleId });
  });

  test('a command that fails ends error with its exit code; a manual run while another goes on is a 409', async () => {
    const s = await created({ cronExpression: '0 3 * * *', command: 'echo failing; exit 3', shellType: 'sh', applicationId, enabled: false });
    const failed: Run = await ok('schedule.runManually', { scheduleId: s.scheduleId });
    assert.equal(failed.status, 'error');
    assert.equal(failed.exitCode, 3);
    await ok('schedule.update', { scheduleId: s.scheduleId, name: s.name, cronExpression: s.cronExpression, command: 'sleep 3' });
    const first = b.call('schedule.runManually', { scheduleId: s.scheduleId });
    await until('the run started', () => runsOf(s.scheduleId), (rs) => rs[0]?.status === 'running', 10_000);
    const second = await b.call('schedule.runManually', { scheduleId: s.scheduleId });
    assert.equal(second.status, 409, second.text);
    assert.equal((await first).body.status, 'done');
    await ok('schedule.delete', { scheduleId: s.scheduleId });
  });

  test('a server schedule runs its script on the Berth server (one argument to the shell, clean environment, from /), for admin tokens only', async () => {
    const script = 'echo "cwd=$(pwd)"; echo "admin=${BERTH_ADMIN_TOKEN:-unset}"; echo "quote\'s $((1+1))"';
    const denied = await create({ cronExpression: '0 3 * * *', command: '', script, scheduleType: 'dokploy-server' }, deployer);
    assert.equal(denied.status, 403, denied.text);
    assert.equal((await create({ cronExpression: '0 3 * * *', command: 'date', scheduleType: 'server' }, deployer)).status, 403);
    const s = await created({ cronExpression: '0 3 * * *', command: '', script, scheduleType: 'dokploy-server', shellType: 'sh', enabled: false });
    for (const [proc, input] of [
      ['schedule.runManually', { scheduleId: s.scheduleId }],
      ['schedule.update', { scheduleId: s.scheduleId, name: 'x', cronExpression: '0 4 * * *', command: 'date' }],
      ['schedule.delete', { scheduleId: s.scheduleId }],
    ] as const) {
      const r = await b.call(proc, input, { token: deployer });
      assert.equal(r.status, 403, `${proc}: ${r.text}`);
    }
    // nor may a deployer turn an application schedule into a server one
    const appSchedule = await created({ cronExpression: '0 3 * * *', command: 'date', applicationId, enabled: false });
    const moved = await b.call('schedule.update', { scheduleId: appSchedule.scheduleId, name: 'x', cronExpression: '0 3 * * *', command: 'date', scheduleType: 'server', applicationId: '' }, { token: deployer });
    assert.equal(moved.status, 403, moved.text);
    // a deployer manages application schedules
    assert.equal((await b.call('schedule.delete', { scheduleId: appSchedule.scheduleId }, { token: deployer })).status, 200);
    // reads are open to any token
    const listed = await b.call('schedule.list', { id: 'berth', scheduleType: 'dokploy-server' }, { token: deployer });
    assert.deepEqual(listed.body.map((x: { scheduleId: string }) => x.scheduleId), [s.scheduleId]);

    const run: Run = await ok('schedule.runManually', { scheduleId: s.scheduleId });
    assert.equal(run.status, 'done', run.errorMessage ?? '');
    const log = await logOf(run.deploymentId);
    assert.match(log, /cwd=\/\n/);
    assert.match(log, /admin=unset\n/);
    assert.match(log, /quote's 2\n/);
  });

  test('a server run that outlasts its timeout is killed (its whole process group) and recorded as timeout', async () => {
    const marker = `berth-sched-${runId}`;
    const s = await created({ cronExpression: '0 3 * * *', command: `sh -c 'sleep 300; echo ${marker}' & wait`, scheduleType: 'server', shellType: 'sh', timeoutSeconds: 1, enabled: false });
    const run: Run = await ok('schedule.runManually', { scheduleId: s.scheduleId });
    assert.equal(run.status, 'timeout');
    assert.deepEqual(processesWith(marker), [], 'no process of the run is left');
  });

  test('deleting a schedule kills its run in progress', async () => {
    const marker = `berth-sched-del-${runId}`;
    const s = await created({ cronExpression: '0 3 * * *', command: `sleep 300; echo ${marker}`, scheduleType: 'server', shellType: 'sh', enabled: false });
    const manual = b.call('schedule.runManually', { scheduleId: s.scheduleId });
    await until('the run going', () => processesWith(marker), (found) => found.length > 0, 10_000);
    await ok('schedule.delete', { scheduleId: s.scheduleId });
    const answer = await manual;
    assert.equal(answer.body.status, 'error', answer.text);
    assert.equal(answer.body.errorMessage, 'the schedule was deleted');
    assert.deepEqual(processesWith(marker), []);
    assert.equal((await b.call('schedule.one', { scheduleId: s.scheduleId })).status, 404);
  });

  // last: it deletes the application the tests above run in
  test("deleting the application deletes its schedules, their runs and logs, and ends a run in progress", async () => {
    const s = await created({ cronExpression: '0 3 * * *', command: 'sleep 300', shellType: 'sh', applicationId, enabled: false });
    const manual = b.call('schedule.runManually', { scheduleId: s.scheduleId });
    const [going] = await until('the run going', () => runsOf(s.scheduleId), (rs) => rs[0]?.status === 'running', 10_000);
    assert.ok(fs.existsSync(going.logPath));
    await ok('application.delete', { applicationId });
    const answer = await manual;
    assert.equal(answer.body.status, 'error', answer.text);
    assert.equal((await b.call('schedule.one', { scheduleId: s.scheduleId })).status, 404);
    assert.ok(!fs.existsSync(path.dirname(going.logPath)), 'its logs are removed');
  });
});
