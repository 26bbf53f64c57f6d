import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/docker/engine.js';
import { NodeEngines } from '../../src/docker/nodes.js';
import { createScheduler, type ScheduleFailedEvent } from '../../src/schedule/scheduler.js';
import { openDataDir } from '../../src/store/open.js';
import type { ScheduleValues } from '../../src/store/schedules.js';

/**
 * A run that fails, times out or is missed is told to the notifications (Dokploy tells
 * nobody: #4210); a run that succeeds or a skipped due time is not. Real SQLite, a real
 * shell on this machine (server schedules need no Docker).
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sched-notify-'));
const data = openDataDir(dataDir);
after(() => {
  data.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const serverSchedule = (over: Partial<ScheduleValues>): ScheduleValues => ({
  name: 'n',
  description: null,
  cronExpression: '0 3 * * *',
  appName: 'schedule-n',
  serviceName: null,
  shellType: 'sh',
  scheduleType: 'server',
  command: '',
  script: 'true',
  applicationId: null,
  composeId: null,
  serverId: null,
  enabled: false,
  timezone: null,
  timeoutSeconds: null,
  ...over,
});

test('failed, timed-out and missed runs are notified once each; a run that succeeds is not', async () => {
  const events: ScheduleFailedEvent[] = [];
  const scheduler = createScheduler({ store: data.store, dataDir, engine: createEngine(loadConfig({})), engines: new NodeEngines(undefined), settings: { timeoutMs: 60_000, keepRuns: 5 }, warn: () => {}, notify: (e) => events.push(e) });
  const ok = data.store.schedules.create(serverSchedule({ script: 'echo fine' }));
  const failing = data.store.schedules.create(serverSchedule({ script: 'echo no; exit 4' }));
  const slow = data.store.schedules.create(serverSchedule({ script: 'sleep 30', timeoutSeconds: 1 }));
  // enabled every minute, last handled an hour ago: 60 due times passed unnoticed
  const missed = data.store.schedules.create(serverSchedule({ cronExpression: '* * * * *', enabled: true }));
  data.store.schedules.setLastDue(missed.scheduleId, new Date(Date.now() - 3_600_000).toISOString());
  scheduler.start();
  try {
    assert.equal((await scheduler.runNow(ok.scheduleId)).status, 'done');
    const failed = await scheduler.runNow(failing.scheduleId);
    assert.equal(failed.exitCode, 4);
    const timedOut = await scheduler.runNow(slow.scheduleId);
    assert.equal(timedOut.status, 'timeout');
    const [missedRun] = data.store.schedules.runs(missed.scheduleId);
    assert.equal(missedRun.status, 'missed');
    assert.deepEqual(
      events.map(({ scheduleId, deploymentId, status }) => ({ scheduleId, deploymentId, status })).sort((a, b) => a.status.localeCompare(b.status)),
      [
        { scheduleId: failing.scheduleId, deploymentId: failed.deploymentId, status: 'error' },
        { scheduleId: missed.scheduleId, deploymentId: missedRun.deploymentId, status: 'missed' },
        { scheduleId: slow.scheduleId, deploymentId: timedOut.deploymentId, status: 'timeout' },
      ],
    );
    // 60, or 59 when the last one came less than a second ago (that one runs)
    assert.match(events.find((e) => e.status === 'missed')!.error, /^(59|60) runs due from/);
  } finally {
    await scheduler.stop();
  }
});
