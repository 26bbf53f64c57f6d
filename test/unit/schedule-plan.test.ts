import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BerthError } from '../../src/model/errors.js';
import { checkTarget, hostScript, scheduleCreate, scheduleUpdate, type ScheduleTarget } from '../../src/model/schedule.js';
import { cronOf } from '../../src/schedule/cron.js';
import { dueBetween, MAX_TIMER_MS, planDue, sleepUntil } from '../../src/schedule/plan.js';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null | undefined) => d?.toISOString();

function refusal(fn: () => unknown): BerthError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BerthError, String(err));
    return err;
  }
  assert.fail('not refused');
}

describe('schedule: next run (croner)', () => {
  test('six fields are seconds first; the next due time is strictly after the moment asked', () => {
    const next = cronOf('*/2 * * * * *', null);
    assert.equal(iso(next(at('2026-01-01T00:00:00.000Z'))), '2026-01-01T00:00:02.000Z');
    assert.equal(iso(next(at('2026-01-01T00:00:01.500Z'))), '2026-01-01T00:00:02.000Z');
    assert.equal(iso(next(at('2026-01-01T00:00:02.000Z'))), '2026-01-01T00:00:04.000Z');
  });

  test('five fields are minute-first; the time zone is honoured (UTC when none)', () => {
    assert.equal(iso(cronOf('0 9 * * *', null)(at('2026-01-10T12:00:00Z'))), '2026-01-11T09:00:00.000Z');
    assert.equal(iso(cronOf('0 9 * * *', '')(at('2026-01-10T12:00:00Z'))), '2026-01-11T09:00:00.000Z');
    // 09:00 in Paris is 08:00 UTC in winter, 07:00 UTC in summer
    assert.equal(iso(cronOf('0 9 * * *', 'Europe/Paris')(at('2026-01-10T12:00:00Z'))), '2026-01-11T08:00:00.000Z');
    assert.equal(iso(cronOf('0 9 * * *', 'Europe/Paris')(at('2026-07-10T12:00:00Z'))), '2026-07-11T07:00:00.000Z');
  });

  test('an invalid expression, an unknown zone and an expression never due are 400s naming the field', () => {
    for (const [expr, zone, field] of [
      ['every minute', null, 'cronExpression'],
      ['61 * * * *', null, 'cronExpression'],
      ['* * * * * * *', null, 'cronExpression'],
      ['0 0 30 2 *', null, 'cronExpression'],
      ['* * * * *', 'Mars/Olympus', 'timezone'],
    ] as const) {
      const err = refusal(() => cronOf(expr, zone));
      assert.equal(err.status, 400, expr);
      assert.deepEqual(err.issues?.map((i) => i.path), [[field]], `${expr} ${zone}`);
    }
  });
});

describe('schedule: what happens at a due time', () => {
  const every2s = cronOf('*/2 * * * * *', null);

  test('the due time that has just come runs; nothing else is reported', () => {
    const plan = planDue(every2s, at('2026-01-01T00:00:00.000Z'), at('2026-01-01T00:00:02.004Z'), { running: false });
    assert.deepEqual(plan, { run: at('2026-01-01T00:00:02.000Z') });
  });

  test('nothing is due yet: nothing to do', () => {
    assert.deepEqual(planDue(every2s, at('2026-01-01T00:00:02.000Z'), at('2026-01-01T00:00:03.999Z'), { running: false }), {});
  });

  test('while the previous run goes on, the due time is skipped (not queued, not run)', () => {
    const plan = planDue(every2s, at('2026-01-01T00:00:00.000Z'), at('2026-01-01T00:00:02.010Z'), { running: true });
    assert.deepEqual(plan, { skip: at('2026-01-01T00:00:02.000Z') });
  });

  test('after a restart, the due times of the downtime are one missed report, and none of them runs', () => {
    // cursor at 00:00:00, back at 00:01:00.500: 00:00:02 … 00:01:00 were due
    const plan = planDue(every2s, at('2026-01-01T00:00:00.000Z'), at('2026-01-01T00:01:00.500Z'), { running: false, onTimeMs: 100 });
    assert.equal(plan.run, undefined);
    assert.deepEqual(plan.missed, { count: 30, capped: false, first: at('2026-01-01T00:00:02.000Z'), last: at('2026-01-01T00:01:00.000Z') });
  });

  test('a due time just now still runs after a gap; the ones before it are missed', () => {
    const plan = planDue(every2s, at('2026-01-01T00:00:00.000Z'), at('2026-01-01T00:00:10.200Z'), { running: false });
    assert.deepEqual(plan.run, at('2026-01-01T00:00:10.000Z'));
    assert.deepEqual(plan.missed, { count: 4, capped: false, first: at('2026-01-01T00:00:02.000Z'), last: at('2026-01-01T00:00:08.000Z') });
  });

  test('two due times within the on-time window: only the last runs, the other is missed', () => {
    const everySecond = cronOf('* * * * * *', null);
    const plan = planDue(everySecond, at('2026-01-01T00:00:00.000Z'), at('2026-01-01T00:00:02.500Z'), { running: false, onTimeMs: 2000 });
    assert.deepEqual(plan.run, at('2026-01-01T00:00:02.000Z'));
    assert.deepEqual(plan.missed, { count: 1, capped: false, first: at('2026-01-01T00:00:01.000Z'), last: at('2026-01-01T00:00:01.000Z') });
  });

  test('a long downtime of a per-second schedule is counted up to a cap, not one by one forever', () => {
    const everySecond = cronOf('* * * * * *', null);
    const missed = dueBetween(everySecond, at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z'), 500);
    assert.equal(missed?.count, 500);
    assert.equal(missed?.capped, true);
    assert.equal(dueBetween(everySecond, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00.900Z')), undefined);
  });

  test('the timer sleeps until the earliest next due time; no schedule, no timer; far due times in steps', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(sleepUntil([], now), undefined);
    assert.equal(sleepUntil([null], now), undefined);
    assert.equal(sleepUntil([at('2026-01-01T00:00:05Z'), null, at('2026-01-01T00:00:02Z')], now), 2000);
    assert.equal(sleepUntil([at('2027-01-01T00:00:00Z')], now), MAX_TIMER_MS);
  });
});

describe('schedule: input and targets', () => {
  const target = (over: Partial<ScheduleTarget>): ScheduleTarget => ({ scheduleType: 'application', applicationId: 'app1', composeId: null, serverId: null, command: 'echo hi', script: null, ...over });

  test('compose is not a Berth concept, nor are remote servers: clear 400s', () => {
    const compose = refusal(() => checkTarget(target({ scheduleType: 'compose', applicationId: null, composeId: 'c1' })));
    assert.equal(compose.status, 400);
    assert.match(compose.message, /no compose services/);
    assert.match(refusal(() => checkTarget(target({ scheduleType: 'server', applicationId: null, serverId: 's1' }))).message, /no remote servers/);
  });

  test('an application schedule needs its application and a command; a host schedule a script (or a command)', () => {
    assert.match(refusal(() => checkTarget(target({ applicationId: null }))).message, /needs applicationId/);
    assert.match(refusal(() => checkTarget(target({ command: '  ' }))).message, /needs a command/);
    assert.match(refusal(() => checkTarget(target({ scheduleType: 'dokploy-server', applicationId: null, command: '', script: null }))).message, /needs a script/);
    checkTarget(target({ scheduleType: 'server', applicationId: null, command: '', script: 'date' }));
    assert.equal(hostScript({ command: 'echo command', script: 'echo script' }), 'echo script');
    assert.equal(hostScript({ command: 'echo command', script: '' }), 'echo command');
  });

  test('"" from real clients means "not set"; defaults as Dokploy; enums and types are checked', () => {
    const parsed = scheduleCreate.parse({ name: 'n', cronExpression: '* * * * *', command: 'x', applicationId: 'a', serverId: '', timezone: '', description: '' });
    assert.equal(parsed.serverId, null);
    assert.equal(parsed.timezone, null);
    assert.equal(parsed.shellType, 'bash');
    assert.equal(parsed.scheduleType, 'application');
    assert.equal(parsed.enabled, true);
    assert.equal(scheduleCreate.safeParse({ name: 'n', cronExpression: '* * * * *', command: 'x', shellType: 'zsh' }).success, false);
    assert.equal(scheduleCreate.safeParse({ name: 'n', cronExpression: '* * * * *', command: 'x', timeoutSeconds: 0 }).success, false);
    assert.equal(scheduleUpdate.safeParse({ name: 'n', cronExpression: '* * * * *', command: 'x' }).success, false, 'update needs scheduleId');
    const update = scheduleUpdate.parse({ scheduleId: 's', name: 'n', cronExpression: '* * * * *', command: 'x' });
    assert.equal(update.enabled, undefined, 'a field left out keeps its value');
  });
});
