import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';
import { closedPort, startMailbox, startReceiver, type Mailbox, type Receiver } from '../helpers/receiver.js';

const flags = { appDeploy: true, appBuildError: true, databaseBackup: false, volumeBackup: false, dokployRestart: false, dokployBackup: false, dockerCleanup: false, serverThreshold: false };

describe('notification.* API (a local receiver stands in for Slack, Discord and Telegram; smtp-server for e-mail)', () => {
  let b: TestBerth;
  let rx: Receiver;
  let mailbox: Mailbox;

  before(async () => {
    rx = await startReceiver((r) => {
      if (r.path.startsWith('/refuse')) return { status: 404, body: 'no_service' };
      if (r.path.includes('/sendMessage')) return r.body.includes('"chat_id":"-1"') ? { status: 400, body: '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}' } : { status: 200, body: '{"ok":true}' };
      return { status: 200, body: 'ok' };
    });
    mailbox = await startMailbox('berth', 'right-password');
    b = await startTestBerth({ BERTH_TELEGRAM_API_URL: rx.url, BERTH_NOTIFY_TIMEOUT_MS: '2000' });
  });

  after(async () => {
    await b?.close();
    await rx?.close();
    await mailbox?.close();
  });

  const ok = async (proc: string, input: Record<string, unknown> = {}) => {
    const r = await b.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };

  test('create answers the channel (secrets masked) with its provider object; update changes only what it is given', async () => {
    const created = await ok('notification.createSlack', { name: 'ops', ...flags, webhookUrl: `${rx.url}/services/T/B/secret1`, channel: '#ops' });
    assert.equal(created.notificationType, 'slack');
    assert.equal(created.slack.webhookUrl, `${rx.url}/********`);
    assert.equal(created.slack.channel, '#ops');
    assert.equal(created.appDeploy, true);
    assert.equal(created.lastError, null);

    // a client that edits what it read sends the masked URL back: the stored one stays
    assert.equal(await ok('notification.updateSlack', { notificationId: created.notificationId, slackId: created.slackId, webhookUrl: created.slack.webhookUrl, appDeploy: false }), true);
    const one = await ok('notification.one', { notificationId: created.notificationId });
    assert.equal(one.appDeploy, false);
    assert.equal(one.appBuildError, true, 'a flag left out keeps its value');
    assert.equal(one.slack.channel, '#ops', 'a field left out keeps its value');
    assert.equal(b.store.notifications.get(created.notificationId).config.webhookUrl, `${rx.url}/services/T/B/secret1`);

    // Dokploy's CLI sends "" for the options it was not given: a URL or name of "" keeps the stored one
    await ok('notification.updateSlack', { notificationId: created.notificationId, slackId: '', name: '', webhookUrl: '', channel: '#ops' });
    assert.equal(b.store.notifications.get(created.notificationId).config.webhookUrl, `${rx.url}/services/T/B/secret1`);
    assert.equal((await ok('notification.one', { notificationId: created.notificationId })).name, 'ops');
    await ok('notification.updateSlack', { notificationId: created.notificationId, slackId: '', name: 'ops-2', webhookUrl: `${rx.url}/services/T/B/secret2` });
    assert.equal(b.store.notifications.get(created.notificationId).config.webhookUrl, `${rx.url}/services/T/B/secret2`);
    assert.equal((await ok('notification.one', { notificationId: created.notificationId })).name, 'ops-2');
  });

  test('bad input is a 400 naming the field, and nothing is stored', async () => {
    const before = (await ok('notification.all')).length;
    const cases: [string, Record<string, unknown>, string][] = [
      ['notification.createSlack', { name: 'x', ...flags, webhookUrl: 'not a url', channel: '' }, 'webhookUrl'],
      ['notification.createEmail', { name: 'x', ...flags, smtpServer: 'h', smtpPort: 70000, username: 'u', password: 'p', fromAddress: 'a@b.c', toAddresses: ['a@b.c'] }, 'smtpPort'],
      ['notification.createEmail', { name: 'x', ...flags, smtpServer: 'h', smtpPort: 25, username: 'u', password: 'p', fromAddress: 'a@b.c', toAddresses: [] }, 'toAddresses'],
      ['notification.createPushover', { name: 'x', userKey: 'u', apiToken: 't', priority: 3 }, 'priority'],
      ['notification.createTelegram', { name: 'x', ...flags, botToken: 't', chatId: '1', messageThreadId: 'abc' }, 'messageThreadId'],
      ['notification.createCustom', { name: 'x', endpoint: 'file:///etc/passwd' }, 'endpoint'],
      ['notification.createDiscord', { name: 'x', ...flags, appDeploy: 'yes', webhookUrl: 'https://discord.com/api/webhooks/1/x', decoration: true }, 'appDeploy'],
    ];
    for (const [proc, input, field] of cases) {
      const r = await b.call(proc, input);
      assert.equal(r.status, 400, `${proc} ${field}: ${r.text}`);
      assert.ok(r.body.error.issues.some((i: { path: string[] }) => i.path[0] === field), `${proc} names ${field}: ${r.text}`);
    }
    assert.equal((await ok('notification.all')).length, before);
  });

  test('update refuses another provider\'s channel and a provider id that is not this channel\'s', async () => {
    const c = await ok('notification.createDiscord', { name: 'd', ...flags, webhookUrl: `${rx.url}/api/webhooks/1/x`, decoration: true });
    const wrongType = await b.call('notification.updateSlack', { notificationId: c.notificationId, slackId: 'x', name: 'y' });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.body.message, /discord channel/);
    const wrongId = await b.call('notification.updateDiscord', { notificationId: c.notificationId, discordId: 'someone-elses', name: 'y' });
    assert.equal(wrongId.status, 404);
    assert.equal((await ok('notification.one', { notificationId: c.notificationId })).name, 'd');
    const missing = await b.call('notification.one', { notificationId: 'nope' });
    assert.equal(missing.status, 404);
  });

  test('test<Provider>Connection sends a real message and reports the provider\'s refusal in its words', async () => {
    const before = rx.requests.length;
    assert.equal(await ok('notification.testSlackConnection', { webhookUrl: `${rx.url}/services/T/B/ok`, channel: '' }), true);
    assert.equal(rx.requests.length, before + 1);
    assert.match(JSON.parse(rx.requests.at(-1)!.body).text, /Test notification/);

    const refused = await b.call('notification.testDiscordConnection', { webhookUrl: `${rx.url}/refuse/secret-path` });
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /HTTP 404: no_service/);
    assert.ok(!refused.text.includes('secret-path'));

    const telegram = await b.call('notification.testTelegramConnection', { botToken: '1:tok', chatId: '-1', messageThreadId: '' });
    assert.equal(telegram.status, 400);
    assert.match(telegram.body.message, /chat not found/);

    const down = await b.call('notification.testGotifyConnection', { serverUrl: `http://127.0.0.1:${await closedPort()}`, appToken: 'a', priority: 5 });
    assert.equal(down.status, 400);
    assert.match(down.body.message, /connection refused/);
  });

  test('testEmailConnection: a wrong password is refused with the SMTP server\'s answer; the right one delivers', async () => {
    const email = { smtpServer: '127.0.0.1', smtpPort: mailbox.port, username: 'berth', fromAddress: 'berth@example.com', toAddresses: ['ops@example.com'] };
    const wrong = await b.call('notification.testEmailConnection', { ...email, password: 'wrong-password' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.message, /Invalid username or password/);
    assert.ok(!wrong.text.includes('wrong-password'));
    assert.equal(await ok('notification.testEmailConnection', { ...email, password: 'right-password' }), true);
    assert.equal(mailbox.messages.length, 1);
    assert.match(mailbox.messages[0].data, /Test notification from Berth/);
  });

  test('getEmailProviders lists the e-mail and Resend channels; remove deletes a channel with its queued messages', async () => {
    const mail = await ok('notification.createEmail', { name: 'mail', ...flags, smtpServer: '127.0.0.1', smtpPort: mailbox.port, username: 'berth', password: 'right-password', fromAddress: 'a@b.co', toAddresses: ['c@d.co'] });
    const listed = await ok('notification.getEmailProviders');
    assert.deepEqual(listed.map((c: { notificationType: string }) => c.notificationType), ['email']);
    assert.equal(listed[0].email.password, '********');
    b.store.outbox.enqueue({ type: 'deployment.done', deploymentId: 'd-gone', applicationId: 'a-gone', at: new Date().toISOString() });
    const removed = await ok('notification.remove', { notificationId: mail.notificationId });
    assert.equal(removed.email.password, '********');
    assert.deepEqual(b.store.outbox.of(mail.notificationId), []);
    assert.equal((await b.call('notification.one', { notificationId: mail.notificationId })).status, 404);
  });

  test('a read-only token reads channels (masked) but may not create, change, test or delete them', async () => {
    const created = await b.store.apiKeys.create({ name: 'ro', role: 'read-only' });
    const ro = { token: created.key };
    assert.equal((await b.call('notification.all', {}, ro)).status, 200);
    assert.equal((await b.call('notification.createLark', { name: 'l', webhookUrl: 'https://open.larksuite.com/x' }, ro)).status, 403);
    assert.equal((await b.call('notification.testLarkConnection', { webhookUrl: 'https://open.larksuite.com/x' }, ro)).status, 403);
  });

  test("Dokploy's CLI (0.30.7) creates and lists channels: its flag-only booleans, a JSON list for toAddresses", async () => {
    const bin = path.resolve(import.meta.dirname, '../../node_modules/@dokploy/cli/dist/index.js');
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-notify-cli-'));
    const env: NodeJS.ProcessEnv = { ...process.env, DOKPLOY_URL: b.url, DOKPLOY_API_KEY: b.token, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' };
    const cli = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [bin, ...args], { cwd, env, timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })),
      );
    const allFlags = ['--appBuildError', '--databaseBackup', '--dokployBackup', '--volumeBackup', '--dokployRestart', '--appDeploy', '--dockerCleanup', '--serverThreshold'];
    const created = await cli(['notification', 'create-email', ...allFlags, '--name', 'cli-mail', '--smtpServer', '127.0.0.1', '--smtpPort', String(mailbox.port), '--username', 'berth', '--password', 'cli-secret', '--fromAddress', 'berth@example.com', '--toAddresses', '["ops@example.com"]', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const listed = await cli(['notification', 'all', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const mail = JSON.parse(listed.stdout).find((c: { name: string }) => c.name === 'cli-mail');
    assert.deepEqual(mail.email.toAddresses, ['ops@example.com']);
    assert.equal(mail.email.password, '********');
    assert.equal(mail.appDeploy, true);
    fs.rmSync(cwd, { recursive: true, force: true });
  });
});
