import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BerthEvent, EventSubject } from '../../src/model/events.js';
import { keepMasked, maskConfig, providerFields, type ProviderConfig } from '../../src/model/notification.js';
import { messageOf, plainText } from '../../src/notify/message.js';
import { discord } from '../../src/notify/providers/discord.js';
import { lark } from '../../src/notify/providers/lark.js';
import { ntfy } from '../../src/notify/providers/ntfy.js';
import { pushover } from '../../src/notify/providers/pushover.js';
import { slack } from '../../src/notify/providers/slack.js';
import { telegram } from '../../src/notify/providers/telegram.js';
import { retryAt } from '../../src/notify/retry.js';
import { thresholdEvents, type ServerPoint } from '../../src/notify/threshold.js';
import { unhealthyEvent } from '../../src/notify/unhealthy.js';
import { z } from 'zod';

const subject: EventSubject = { projectName: 'Shop', environmentName: 'production', applicationName: 'api', appName: 'shop-api-x1', deploymentTitle: 'Manual deployment' };
const failed: BerthEvent = {
  type: 'deployment.failed',
  deploymentId: 'dep1',
  applicationId: 'app1',
  error: 'build failed: <script> & "quotes"',
  logTail: ['Step 1/3', 'npm ERR! missing script: build'],
  at: '2026-12-03T10:00:00.000Z',
};
const ctx = { api: { telegram: 'http://127.0.0.1:1', pushover: 'http://127.0.0.1:2', resend: 'http://127.0.0.1:3' }, idempotencyKey: 'berth-1' };
const config = <T extends keyof typeof providerFields>(type: T, values: Record<string, unknown>) => z.object(providerFields[type]).parse(values) as unknown as ProviderConfig<T>;

describe('notification messages (pure)', () => {
  test('a failed deployment names project, application, environment and deployment, with the error, the log tail and a link', () => {
    const m = messageOf(failed, subject, 'https://berth.example.com/');
    assert.equal(m.level, 'error');
    assert.equal(m.link, 'https://berth.example.com/application/app1/deployments');
    assert.deepEqual(m.facts, [
      ['Project', 'Shop'],
      ['Application', 'api (shop-api-x1)'],
      ['Environment', 'production'],
      ['Deployment', 'Manual deployment (dep1)'],
    ]);
    const text = plainText(m);
    assert.match(text, /Error: build failed/);
    assert.match(text, /npm ERR! missing script/);
  });

  test("a failed schedule run names its application (or the server), the schedule and the run, with the error", () => {
    const run: BerthEvent = { type: 'schedule.failed', scheduleId: 'sch1', deploymentId: 'run1', applicationId: 'app1', status: 'timeout', error: 'killed after 60 s', at: '2026-12-03T10:00:00.000Z' };
    const m = messageOf(run, { projectName: 'Shop', environmentName: 'production', applicationName: 'api', appName: 'shop-api-x1' }, 'https://berth.example.com');
    assert.equal(m.title, 'Schedule timed out: api');
    assert.equal(m.link, 'https://berth.example.com/application/app1/deployments');
    assert.deepEqual(m.facts, [['Project', 'Shop'], ['Application', 'api (shop-api-x1)'], ['Environment', 'production'], ['Schedule', 'sch1'], ['Run', 'run1']]);
    assert.match(plainText(m), /killed after 60 s/);
    const server = messageOf({ ...run, applicationId: null, status: 'error' }, {}, 'https://berth.example.com');
    assert.equal(server.title, 'Schedule failed: the server');
    assert.equal(server.link, undefined);
    assert.deepEqual(server.facts[0], ['Where', 'the Berth server']);
  });

  test('a long error is cut, so that no provider refuses the message for its length', () => {
    const m = messageOf({ ...failed, error: 'x'.repeat(5000) }, subject, '');
    assert.ok(m.error!.length <= 800);
    assert.equal(m.link, undefined);
  });

  test('Telegram: HTML-escaped values, within 4096 characters, thread id as a number', () => {
    const long = messageOf({ ...failed, logTail: Array.from({ length: 50 }, () => 'y'.repeat(300)) }, subject, '');
    const req = telegram.request(long, config('telegram', { botToken: '1:abc', chatId: '42', messageThreadId: '7' }), ctx);
    assert.equal(req.url, 'http://127.0.0.1:1/bot1:abc/sendMessage');
    const body = JSON.parse(req.body);
    assert.ok(body.text.length <= 4096);
    assert.ok(body.text.includes('&lt;script&gt; &amp;'));
    assert.ok(!body.text.includes('<script>'));
    assert.equal(body.message_thread_id, 7);
    assert.equal(telegram.refusal!('{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}'), 'Bad Request: chat not found');
    assert.equal(telegram.refusal!('{"ok":true}'), undefined);
  });

  test('Slack: attachment with the level colour and fields; the channel only when set', () => {
    const m = messageOf(failed, subject, 'https://b.example');
    const withChannel = JSON.parse(slack.request(m, config('slack', { webhookUrl: 'https://hooks.slack.com/services/x', channel: '#ops' }), ctx).body);
    assert.equal(withChannel.channel, '#ops');
    assert.equal(withChannel.attachments[0].color, '#d9363e');
    assert.deepEqual(withChannel.attachments[0].fields[0], { title: 'Project', value: 'Shop', short: true });
    const without = JSON.parse(slack.request(m, config('slack', { webhookUrl: 'https://hooks.slack.com/services/x', channel: '' }), ctx).body);
    assert.equal('channel' in without, false);
  });

  test("Discord: one embed within Discord's limits", () => {
    const m = messageOf({ ...failed, error: 'e'.repeat(5000) }, { ...subject, applicationName: 'a'.repeat(400) }, '');
    const embed = JSON.parse(discord.request(m, config('discord', { webhookUrl: 'https://discord.com/api/webhooks/1/x', decoration: false }), ctx).body).embeds[0];
    assert.ok(embed.title.length <= 256);
    assert.ok(embed.description.length <= 4096);
    for (const f of embed.fields) assert.ok(f.value.length <= 1024);
    assert.equal(embed.color, 0xd9363e);
  });

  test('ntfy: published as JSON to the server root, token as Bearer, link as click and view action', () => {
    const req = ntfy.request(messageOf(failed, subject, 'https://b.example'), config('ntfy', { serverUrl: 'https://ntfy.example/', topic: 'ops', accessToken: 'tk_1', priority: 5 }), ctx);
    assert.equal(req.url, 'https://ntfy.example/');
    assert.equal(req.headers.authorization, 'Bearer tk_1');
    const body = JSON.parse(req.body);
    assert.equal(body.topic, 'ops');
    assert.equal(body.priority, 5);
    assert.equal(body.click, 'https://b.example/application/app1/deployments');
    assert.deepEqual(body.actions[0], { action: 'view', label: 'Open in Berth', url: 'https://b.example/application/app1/deployments' });
  });

  test('Pushover: emergency priority gets retry and expire (30 s, 1 h unless set), the message within 1024 characters', () => {
    const m = messageOf({ ...failed, error: 'e'.repeat(3000) }, subject, '');
    const form = new URLSearchParams(pushover.request(m, config('pushover', { userKey: 'u', apiToken: 't', priority: 2 }), ctx).body);
    assert.equal(form.get('retry'), '30');
    assert.equal(form.get('expire'), '3600');
    assert.ok(form.get('message')!.length <= 1024);
    const normal = new URLSearchParams(pushover.request(m, config('pushover', { userKey: 'u', apiToken: 't', priority: 0, retry: 60 }), ctx).body);
    assert.equal(normal.get('retry'), null);
    assert.equal(pushover.refusal!('{"status":0,"errors":["user identifier is invalid"]}'), 'user identifier is invalid');
  });

  test('Lark: a refusal in an HTTP 200 answer is a refusal', () => {
    assert.match(lark.refusal!('{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}')!, /code 19021.*sign match fail/);
    assert.equal(lark.refusal!('{"code":0,"msg":"success"}'), undefined);
    assert.equal(lark.refusal!('{"StatusCode":0,"StatusMessage":"success"}'), undefined);
  });
});

describe('notification secrets (pure)', () => {
  test('webhook URLs keep their origin, tokens become the mask, header values too', () => {
    assert.deepEqual(maskConfig('slack', config('slack', { webhookUrl: 'https://hooks.slack.com/services/T/B/secret', channel: '#a' })), { webhookUrl: 'https://hooks.slack.com/********', channel: '#a' });
    assert.deepEqual(maskConfig('custom', config('custom', { endpoint: 'https://h.example/x?token=1', headers: { Authorization: 'Bearer 1' } })), {
      endpoint: 'https://h.example/********',
      headers: { Authorization: '********' },
    });
    assert.equal(maskConfig('ntfy', config('ntfy', { serverUrl: 'https://n.example', topic: 't', accessToken: '', priority: 3 })).accessToken, '', 'no token stays no token');
  });

  test('a masked value sent back keeps the stored secret; a new value replaces it', () => {
    const stored = config('custom', { endpoint: 'https://h.example/x?token=1', headers: { Authorization: 'Bearer 1', 'X-A': 'a' } });
    const kept = keepMasked('custom', stored, { endpoint: 'https://h.example/********', headers: { Authorization: '********', 'X-A': 'b' } });
    assert.deepEqual(kept, { endpoint: 'https://h.example/x?token=1', headers: { Authorization: 'Bearer 1', 'X-A': 'b' } });
    const changed = keepMasked('custom', stored, { endpoint: 'https://other.example/y', headers: {} });
    assert.equal(changed.endpoint, 'https://other.example/y');
  });
});

describe('notification delivery decisions (pure)', () => {
  test('back-off doubles from the first delay, capped at an hour, until the attempts run out', () => {
    assert.equal(retryAt(1, 5, 30_000, 0), 30_000);
    assert.equal(retryAt(2, 5, 30_000, 0), 60_000);
    assert.equal(retryAt(4, 5, 30_000, 0), 240_000);
    assert.equal(retryAt(5, 5, 30_000, 0), null);
    assert.equal(retryAt(20, 50, 30_000, 0), 3_600_000);
  });

  const point = (time: number, cpu: number, memoryPct = 10): ServerPoint => ({
    time,
    cpu,
    memoryUsed: memoryPct,
    memoryTotal: 100,
    dataDiskUsed: 10,
    dataDiskTotal: 100,
    dockerDiskUsed: null,
    dockerDiskTotal: null,
  });
  const settings = { cpu: 90, memory: 90, disk: 95, forSeconds: 60 };

  test('a threshold alerts once it has been exceeded for the set time, once per breach', () => {
    const short = [point(0, 50), point(10_000, 95), point(40_000, 96)];
    assert.deepEqual(thresholdEvents(short, settings, new Set()).events, [], 'not yet for 60 s');
    const long = [point(0, 95), point(30_000, 97), point(60_000, 99)];
    const first = thresholdEvents(long, settings, new Set());
    assert.equal(first.events.length, 1);
    assert.deepEqual(first.events[0], { type: 'server.threshold', metric: 'cpu', value: 99, threshold: 90, forSeconds: 60, at: new Date(0).toISOString() });
    assert.deepEqual(thresholdEvents([...long, point(70_000, 98)], settings, first.active).events, [], 'still the same breach');
    const recovered = thresholdEvents([...long, point(70_000, 20)], settings, first.active);
    assert.equal(recovered.active.size, 0, 'back under: the next breach alerts again');
  });

  test('a level of 0 turns a metric off; memory and disk are shares of their totals', () => {
    const hot = [point(0, 99, 95), point(120_000, 99, 96)];
    assert.deepEqual(
      thresholdEvents(hot, { ...settings, cpu: 0 }, new Set()).events.map((e) => e.type === 'server.threshold' && e.metric),
      ['memory'],
    );
  });

  test('an application is unhealthy when a task failed since the last check: out of memory, crashing; or when its service is down', () => {
    const exit = { state: 'failed', reason: 'killed: out of memory (memory limit reached)', exitCode: 137, oomKilled: true, at: '2026-12-03T10:00:00.000Z' };
    const running = { status: 'running' as const, desired: 1, running: 1, lastExit: exit };
    assert.deepEqual(unhealthyEvent('a', running, 'now', null), { type: 'application.unhealthy', applicationId: 'a', reason: 'oom-killed', detail: exit.reason, at: exit.at });
    assert.equal(unhealthyEvent('a', running, 'now', exit.at), undefined, 'the same exit as last time is no news');
    assert.equal(unhealthyEvent('a', running, 'now', undefined), undefined, 'an old exit seen at the first check, the service running: no news');
    assert.equal(unhealthyEvent('a', { ...running, status: 'failing', running: 0 }, 'now', undefined)!.reason, 'oom-killed', 'down at the first check: news');
    assert.equal(unhealthyEvent('a', { ...running, lastExit: { ...exit, oomKilled: false, reason: 'exit code 1' } }, 'now', null)!.reason, 'crash-loop');
    assert.equal(unhealthyEvent('a', { status: 'failing', desired: 2, running: 1, lastExit: null }, 'now', null)!.reason, 'unhealthy');
    assert.equal(unhealthyEvent('a', { ...running, status: 'stopped', desired: 0 }, 'now', null), undefined);
  });
});
