// A real Berth process killed with SIGKILL while a schedule run goes on, down for a few
// seconds, then started again on the same data directory: the interrupted run ends `error`
// "interrupted by server restart" with its process group killed, and the due times of a
// per-2-seconds schedule that passed while Berth was down are reported once as `missed`,
// not run in a burst; the schedule runs on afterwards.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { callAt, processesWith, startBerthProcess } from './helpers/berth-process.js';
import { runId } from './helpers/job.js';
import { until } from './helpers/until.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sched-crash-'));
const token = `berth_sched_crash_${runId}`;
const marker = `berth-sched-crash-${runId}`;

let child: ChildProcess | undefined;
let url = '';

async function startServer() {
  ({ url, child } = await startBerthProcess({ BERTH_DATA_DIR: dataDir, BERTH_ADMIN_TOKEN: token, BERTH_EDGE: 'off' }));
}

const call = (proc: string, input: Record<string, unknown> = {}, method: 'GET' | 'POST' = 'POST') => callAt(url, token, proc, input, method);

interface Run {
  deploymentId: string;
  status: string;
  scheduledFor: string | null;
  startedAt: string;
  errorMessage: string | null;
}
const runsOf = (scheduleId: string): Promise<Run[]> => call('deployment.allByType', { id: scheduleId, type: 'schedule' }, 'GET');

const processesWithMarker = () => processesWith(marker);

after(() => {
  for (const pid of processesWithMarker()) process.kill(Number(pid), 'SIGKILL');
  child?.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('after a crash, a run left going ends error "interrupted" (its processes killed), and the due times missed while Berth was down are reported, not run', async () => {
  await startServer();
  const ticking = await call('schedule.create', { name: 'tick', cronExpression: '*/2 * * * * *', command: '', script: 'echo tick', scheduleType: 'dokploy-server', shellType: 'sh' });
  const long = await call('schedule.create', { name: 'long', cronExpression: '0 3 * * *', command: '', script: `sleep 300; echo ${marker}`, scheduleType: 'dokploy-server', shellType: 'sh', enabled: false });
  const manual = fetch(`${url}/api/schedule.runManually`, { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: JSON.stringify({ scheduleId: long.scheduleId }) }).catch(() => undefined);
  await until('the long run going', () => runsOf(long.scheduleId), (rs) => rs[0]?.status === 'running' && processesWithMarker().length > 0, 10_000);
  const before = await until('a tick ran', () => runsOf(ticking.scheduleId), (rs) => rs.some((r) => r.status === 'done'), 10_000);

  // due 3 and 4 s from now (while Berth is down) and 15 s from now (after the restart)
  const base = Math.ceil(Date.now() / 1000) * 1000;
  const sparseDues = [3, 4, 15].map((s) => new Date(base + s * 1000));
  const sparse = await call('schedule.create', { name: 'sparse', cronExpression: `${sparseDues.map((d) => d.getUTCSeconds()).join(',')} * * * * *`, command: '', script: 'echo sparse', scheduleType: 'dokploy-server', shellType: 'sh' });
  child!.kill('SIGKILL');
  await new Promise((resolve) => child!.once('exit', resolve));
  await manual;
  const down = Date.now();
  await sleep(5000);
  const lastBefore = Math.max(...before.filter((r) => r.scheduledFor).map((r) => Date.parse(r.scheduledFor!)));

  await startServer();
  const up = Date.now();
  const [interrupted] = await until('the long run ended', () => runsOf(long.scheduleId), (rs) => rs[0]?.status !== 'running', 10_000);
  assert.equal(interrupted.status, 'error');
  assert.equal(interrupted.errorMessage, 'interrupted by server restart');
  await until('its processes killed', () => processesWithMarker(), (left) => left.length === 0, 5000);
  assert.match(await call('schedule.readLogs', { deploymentId: interrupted.deploymentId, tail: 10 }, 'GET'), /interrupted by server restart\n.*--- deployment finished: error ---$/);

  const runs = await until('a tick after the restart', () => runsOf(ticking.scheduleId), (rs) => rs.some((r) => r.status === 'done' && Date.parse(r.startedAt) > up), 10_000);
  const missed = runs.filter((r) => r.status === 'missed');
  assert.equal(missed.length, 1, 'one report for the downtime');
  const first = Date.parse(missed[0].scheduledFor!);
  assert.ok(first > lastBefore, 'the missed due times come after the last handled one');
  const log = await call('schedule.readLogs', { deploymentId: missed[0].deploymentId, tail: 10 }, 'GET');
  const count = Number(/(\d+) runs due from/.exec(log)?.[1]);
  // down at least 5 s (2-3 due times), up to the restart's own time
  assert.ok(count >= 2 && count <= Math.ceil((up - down) / 2000) + 2, log);
  assert.match(log, /did not run: Berth was not running/);
  // no due time reported missed ran (the sparse schedule below shows the latest of the downtime does not either)
  const last = Date.parse(/ to (\S+) did not run/.exec(log)![1]);
  for (const r of runs.filter((x) => x.status === 'done')) {
    const due = Date.parse(r.scheduledFor!);
    assert.ok(due < first || due > last, `a missed due time ran: ${r.scheduledFor}`);
  }
  // the two due times of the downtime: one missed record, neither ran (not even the latest, a second late); the next one runs
  const sparseRuns = await until('the sparse schedule ran after the restart', () => runsOf(sparse.scheduleId), (rs) => rs.some((r) => r.status === 'done'), 20_000);
  assert.deepEqual(
    sparseRuns.map((r) => [r.status, r.scheduledFor]).reverse(),
    [
      ['missed', sparseDues[0].toISOString()],
      ['done', sparseDues[2].toISOString()],
    ],
  );
  assert.match(await call('schedule.readLogs', { deploymentId: sparseRuns[1].deploymentId, tail: 10 }, 'GET'), new RegExp(`2 runs due from ${sparseDues[0].toISOString()} to ${sparseDues[1].toISOString()} did not run`));
});
