import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { INTERRUPTED_SEND } from '../../src/store/outbox.js';
import { plaintextIn } from '../helpers/at-rest.js';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';
import { closedPort, startMailbox, startReceiver, type Mailbox, type Receiver } from '../helpers/receiver.js';
import { until } from '../helpers/until.js';

// Flags as Dokploy's clients send them: every one, most off.
const flags = { appDeploy: false, appBuildError: true, databaseBackup: false, volumeBackup: false, dokployRestart: false, dokployBackup: false, dockerCleanup: false, serverThreshold: false };

const SECRETS = {
  slack: 'T000/B000/slacksecretXYZ',
  discord: '1234/discordsecretXYZ',
  bot: '123456:telegramsecretXYZ',
  smtp: 'smtp-password-XYZ',
  resend: 're_resendsecretXYZ',
  gotify: 'gotifysecretXYZ',
  ntfy: 'tk_ntfysecretXYZ',
  pushoverUser: 'upushoversecretXYZ',
  pushoverToken: 'apushovertokenXYZ',
  mattermost: 'mattermostsecretXYZ',
  lark: 'larksecretXYZ',
  teams: 'teamssecretXYZ',
  custom: 'Bearer customsecretXYZ',
};

async function ok(b: TestBerth, proc: string, input: Record<string, unknown> = {}) {
  const r = await b.call(proc, input);
  assert.equal(r.status, 200, `${proc}: ${r.text}`);
  return r.body;
}

/** An application whose git source is a loopback port nothing serves: its deployment fails at the clone, without Docker. */
async function failingApp(b: TestBerth, name: string) {
  const { environment } = await ok(b, 'project.create', { name: `notify-${name}` });
  const app = await ok(b, 'application.create', { name, environmentId: environment.environmentId });
  const port = await closedPort();
  await ok(b, 'application.saveGitProvider', { applicationId: app.applicationId, customGitUrl: `http://127.0.0.1:${port}/team/${name}.git`, customGitBranch: 'main', customGitBuildPath: '/', customGitSSHKeyId: null, watchPaths: null, enableSubmodules: false });
  return app.applicationId as string;
}

async function deployAndWait(b: TestBerth, applicationId: string) {
  const d = await ok(b, 'application.deploy', { applicationId });
  return until('the deployment to end', () => b.store.deployments.get(d.deploymentId), (row) => row.status !== 'running', 60_000);
}

describe('notifications: a failed deployment reaches every provider once (a local receiver stands in for Slack, Discord, Telegram, Gotify, ntfy, Mattermost, Teams, Lark, Pushover, Resend and a custom webhook; smtp-server for e-mail)', () => {
  let b: TestBerth;
  let rx: Receiver;
  let mailbox: Mailbox;

  before(async () => {
    rx = await startReceiver((r) => {
      if (r.path.includes('/sendMessage')) return { status: 200, body: '{"ok":true,"result":{}}' };
      if (r.path === '/1/messages.json') return { status: 200, body: '{"status":1,"request":"x"}' };
      if (r.path.startsWith('/lark')) return { status: 200, body: '{"code":0,"msg":"success"}' };
      if (r.path === '/emails') return { status: 200, body: '{"id":"e1"}' };
      return { status: 200, body: 'ok' };
    });
    mailbox = await startMailbox('berth', SECRETS.smtp);
    b = await startTestBerth({ BERTH_TELEGRAM_API_URL: rx.url, BERTH_PUSHOVER_API_URL: rx.url, BERTH_RESEND_API_URL: rx.url, BERTH_PUBLIC_URL: 'https://berth.example.com' });
    const channels: [string, Record<string, unknown>][] = [
      ['createSlack', { webhookUrl: `${rx.url}/slack/services/${SECRETS.slack}`, channel: '#deploys' }],
      ['createDiscord', { webhookUrl: `${rx.url}/discord/api/webhooks/${SECRETS.discord}`, decoration: true }],
      ['createTelegram', { botToken: SECRETS.bot, chatId: '-100123', messageThreadId: '' }],
      ['createEmail', { smtpServer: '127.0.0.1', smtpPort: mailbox.port, username: 'berth', password: SECRETS.smtp, fromAddress: 'berth@example.com', toAddresses: ['ops@example.com', 'dev@example.com'] }],
      ['createResend', { apiKey: SECRETS.resend, fromAddress: 'berth@example.com', toAddresses: ['ops@example.com'] }],
      ['createGotify', { serverUrl: `${rx.url}/gotify`, appToken: SECRETS.gotify, priority: 8, decoration: false }],
      ['createNtfy', { serverUrl: `${rx.url}/ntfy`, topic: 'berth-alerts', accessToken: SECRETS.ntfy, priority: 4 }],
      ['createMattermost', { webhookUrl: `${rx.url}/mattermost/hooks/${SECRETS.mattermost}`, channel: 'town-square', username: '' }],
      ['createCustom', { endpoint: `${rx.url}/custom`, headers: { authorization: SECRETS.custom } }],
      ['createLark', { webhookUrl: `${rx.url}/lark/open-apis/bot/v2/hook/${SECRETS.lark}` }],
      ['createTeams', { webhookUrl: `${rx.url}/teams/workflows/${SECRETS.teams}` }],
      ['createPushover', { userKey: SECRETS.pushoverUser, apiToken: SECRETS.pushoverToken, priority: 0, retry: null, expire: null }],
    ];
    for (const [proc, fields] of channels) await ok(b, `notification.${proc}`, { name: proc.slice(6), ...flags, ...fields });
  });

  after(async () => {
    await b?.close();
    await rx?.close();
    await mailbox?.close();
  });

  test('each of the twelve channels gets exactly one message naming the application, with the error and a link, even after a restart', async () => {
    const applicationId = await failingApp(b, 'shop-api');
    const deployment = await deployAndWait(b, applicationId);
    assert.equal(deployment.status, 'error');
    const channels = (await ok(b, 'notification.all')) as { notificationId: string; lastSentAt: string | null; lastError: string | null; name: string }[];
    assert.equal(channels.length, 12);
    await until('every channel to have sent', () => ok(b, 'notification.all'), (all: typeof channels) => all.every((c) => c.lastSentAt !== null));
    await b.restart();
    // a moment for anything wrongly left in the outbox to go out again
    await new Promise((r) => setTimeout(r, 500));

    const at = (prefix: string) => rx.requests.filter((r) => r.path.startsWith(prefix));
    const paths = ['/slack/', '/discord/', `/bot${SECRETS.bot}/sendMessage`, '/emails', '/gotify/message', '/ntfy/', '/mattermost/', '/custom', '/lark/', '/teams/', '/1/messages.json'];
    for (const p of paths) assert.equal(at(p).length, 1, `one request at ${p}, got ${at(p).length}`);
    assert.equal(rx.requests.length, paths.length);
    assert.equal(mailbox.messages.length, 1, 'one e-mail');
    assert.deepEqual(mailbox.messages[0].to, ['ops@example.com', 'dev@example.com']);
    assert.equal(mailbox.messages[0].user, 'berth');

    // The error as the deployment recorded it (the clone's), in every message.
    const errorFragment = deployment.errorMessage!;
    assert.ok(errorFragment, 'the deployment recorded its error');
    const texts = [...rx.requests.map((r) => decodeURIComponent(r.body.replace(/\+/g, ' '))), mailbox.messages[0].data.replace(/=\r?\n/g, '')];
    for (const t of texts) {
      assert.match(t, /shop-api/, 'names the application');
      assert.ok(t.includes(errorFragment), `carries the error: ${t.slice(0, 300)}`);
    }
    // Every message but Pushover's (1024 characters) names project and environment; every one links to the application's deployments.
    for (const t of texts) assert.ok(t.includes(`https://berth.example.com/application/${applicationId}/deployments`), `links to the application: ${t.slice(0, 200)}`);
    for (const t of texts.filter((t) => !t.includes('upushover'))) assert.match(t, /notify-shop-api/, 'names the project');

    // Each provider's documented shape.
    const slack = JSON.parse(at('/slack/')[0].body);
    assert.equal(slack.channel, '#deploys');
    assert.equal(slack.attachments[0].title_link, `https://berth.example.com/application/${applicationId}/deployments`);
    const discord = JSON.parse(at('/discord/')[0].body);
    assert.ok(discord.embeds[0].title.startsWith('❌'));
    const telegram = JSON.parse(at('/bot')[0].body);
    assert.equal(telegram.chat_id, '-100123');
    assert.equal(telegram.parse_mode, 'HTML');
    const gotify = at('/gotify/message')[0];
    assert.equal(gotify.headers['x-gotify-key'], SECRETS.gotify);
    assert.equal(JSON.parse(gotify.body).priority, 8);
    const ntfy = at('/ntfy/')[0];
    assert.equal(ntfy.headers.authorization, `Bearer ${SECRETS.ntfy}`);
    assert.equal(JSON.parse(ntfy.body).topic, 'berth-alerts');
    const custom = at('/custom')[0];
    assert.equal(custom.headers.authorization, SECRETS.custom);
    const customBody = JSON.parse(custom.body);
    assert.equal(customBody.event.type, 'deployment.failed');
    assert.ok(Array.isArray(customBody.event.logTail) && customBody.event.logTail.some((l: string) => l.includes('Deployment failed')), 'the log tail rides along');
    assert.equal(JSON.parse(at('/teams/')[0].body).attachments[0].content.type, 'AdaptiveCard');
    assert.equal(JSON.parse(at('/lark/')[0].body).msg_type, 'interactive');
    assert.equal(new URLSearchParams(at('/1/messages.json')[0].body).get('user'), SECRETS.pushoverUser);
    const resend = at('/emails')[0];
    assert.equal(resend.headers.authorization, `Bearer ${SECRETS.resend}`);
    assert.ok(resend.headers['idempotency-key']);
  });

  test('answers mask every secret, and none is stored in plain text', async () => {
    const all = await b.call('notification.all');
    for (const s of Object.values(SECRETS)) assert.ok(!all.text.includes(s.replace('Bearer ', '')), `the answer leaks ${s}`);
    const slack = all.body.find((c: any) => c.notificationType === 'slack');
    assert.equal(slack.slack.webhookUrl, `${rx.url}/********`);
    assert.equal(slack.slack.slackId, slack.slackId);
    assert.equal(slack.telegram, null);
    assert.equal(slack.discordId, null);
    assert.deepEqual(plaintextIn(b.dataDir, Object.values(SECRETS).map((s) => s.replace('Bearer ', ''))), []);
  });
});

describe('notifications: a provider that is down does not hold up the deployment (local receivers stand in for Slack and Discord)', () => {
  let b: TestBerth;
  let hanging: Receiver;
  let refusedUrl: string;

  before(async () => {
    hanging = await startReceiver(() => 'hang');
    refusedUrl = `http://127.0.0.1:${await closedPort()}/api/webhooks/1/x`;
    b = await startTestBerth({ BERTH_NOTIFY_TIMEOUT_MS: '1500', BERTH_NOTIFY_ATTEMPTS: '2', BERTH_NOTIFY_RETRY_MS: '200' });
    await ok(b, 'notification.createSlack', { name: 'hangs', ...flags, webhookUrl: `${hanging.url}/services/T/B/x`, channel: '' });
    await ok(b, 'notification.createDiscord', { name: 'refuses', ...flags, webhookUrl: refusedUrl, decoration: false });
  });

  after(async () => {
    await b?.close();
    await hanging?.close();
  });

  test('the deployment has ended while the hanging provider still holds its request; both failures show in notification.one', async () => {
    const applicationId = await failingApp(b, 'slow-hooks');
    let statusWhenReceived: string | undefined;
    const queued = await ok(b, 'application.deploy', { applicationId });
    // the provider's first moment with the message: the deployment's state then
    hanging.onRequest = () => (statusWhenReceived ??= b.store.deployments.get(queued.deploymentId).status);
    const deployment = await until('the deployment to end', () => b.store.deployments.get(queued.deploymentId), (row) => row.status !== 'running', 60_000);
    assert.equal(deployment.status, 'error');
    await until('the hanging receiver to hold the request', () => hanging.held(), (n) => n >= 1, 10_000);
    // the deployment was over before the provider even had the message, and it has not answered
    assert.equal(statusWhenReceived, 'error');
    assert.ok(hanging.held() >= 1);

    const channels = (await ok(b, 'notification.all')) as any[];
    const byName = (n: string) => channels.find((c) => c.name === n).notificationId;
    const refused = await until('the refused channel to show its error', () => ok(b, 'notification.one', { notificationId: byName('refuses') }), (c: any) => c.lastError !== null);
    assert.match(refused.lastError, /connection refused/);
    assert.ok(refused.lastErrorAt);
    assert.equal(refused.lastSentAt, null);
    const timedOut = await until('the hanging channel to time out', () => ok(b, 'notification.one', { notificationId: byName('hangs') }), (c: any) => c.lastError !== null, 15_000);
    assert.match(timedOut.lastError, /no answer within 1\.5 s/);
    // bounded: two attempts each, then given up
    await until('both channels to give up', () => b.store.outbox.of(byName('hangs')).concat(b.store.outbox.of(byName('refuses'))), (rows) => rows.every((r) => r.state === 'failed'), 20_000);
    assert.equal(hanging.requests.length, 2, 'two attempts at the hanging provider');
    assert.ok(!JSON.stringify(channels).includes('/api/webhooks/1/x'), 'the webhook path is masked');
  });
});

describe('notifications: the outbox across restarts (a local receiver stands in for a custom webhook)', () => {
  let b: TestBerth;
  let rx: Receiver;

  before(async () => {
    rx = await startReceiver();
    b = await startTestBerth();
  });

  after(async () => {
    await b?.close();
    await rx?.close();
  });

  test('a message that was being sent when Berth stopped is not sent again, and the channel says so', async () => {
    const c = await ok(b, 'notification.createCustom', { name: 'hook', ...flags, dokployBackup: true, endpoint: `${rx.url}/hook` });
    b.store.outbox.enqueue({ type: 'backup.failed', backupId: null, destinationId: null, error: 'disk full', at: '2026-01-01T00:00:00.000Z' });
    // what a crash between "claimed" and "answered" leaves: the row marked sending
    const claimed = b.store.outbox.claimDue(Date.now() + 60_000, 10);
    assert.equal(claimed.length, 1);
    await b.restart();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rx.requests.length, 0);
    const one = await ok(b, 'notification.one', { notificationId: c.notificationId });
    assert.equal(one.lastError, INTERRUPTED_SEND);
  });

  test('Berth reports its own start to the channels that want it, once per start', async () => {
    await ok(b, 'notification.createCustom', { name: 'restarts', ...flags, appBuildError: false, dokployRestart: true, endpoint: `${rx.url}/restart` });
    await b.restart();
    await until('the restart message', () => rx.requests.filter((r) => r.path === '/restart').length, (n) => n === 1);
    const body = JSON.parse(rx.requests.find((r) => r.path === '/restart')!.body);
    assert.equal(body.event.type, 'server.restarted');
  });

  test('receiveNotification queues a threshold alert for the channels with serverThreshold on', async () => {
    await ok(b, 'notification.createCustom', { name: 'load', ...flags, appBuildError: false, serverThreshold: true, endpoint: `${rx.url}/load` });
    await ok(b, 'notification.receiveNotification', { ServerType: 'Dokploy', Type: 'CPU', Value: 97.5, Threshold: 90, Message: 'CPU high', Timestamp: new Date().toISOString(), Token: 'x' });
    await until('the threshold message', () => rx.requests.filter((r) => r.path === '/load').length, (n) => n === 1);
    const body = JSON.parse(rx.requests.find((r) => r.path === '/load')!.body);
    assert.equal(body.event.metric, 'cpu');
    assert.equal(body.event.value, 97.5);
    const remote = await b.call('notification.receiveNotification', { ServerType: 'Remote', Type: 'CPU', Value: 97.5, Threshold: 90, Message: '', Timestamp: '', Token: 'x' });
    assert.equal(remote.status, 404);
  });
});

describe('notifications: server thresholds from the monitoring samples (a local receiver stands in for a custom webhook)', () => {
  let b: TestBerth;
  let rx: Receiver;

  before(async () => {
    rx = await startReceiver();
    // the sampler stays quiet (an hour's interval): the samples are the test's
    b = await startTestBerth({ BERTH_NOTIFY_CHECK_MS: '200', BERTH_THRESHOLD_CPU: '80', BERTH_THRESHOLD_SECONDS: '2', BERTH_METRICS_INTERVAL_MS: '3600000' });
  });

  after(async () => {
    await b?.close();
    await rx?.close();
  });

  const sample = (time: number, cpu: number) => ({ time, cpu, memoryUsed: 1, memoryTotal: 10, dataDiskUsed: 1, dataDiskTotal: 10, dockerDiskUsed: null, dockerDiskTotal: null, rss: 1 });

  test('CPU over its level for the set time sends one alert, however many checks see it', async () => {
    await ok(b, 'notification.createCustom', { name: 'load', ...flags, appBuildError: false, serverThreshold: true, endpoint: `${rx.url}/load` });
    const now = Date.now();
    for (const t of [now - 3000, now - 2000, now - 1000, now]) b.store.metrics.record([], sample(t, 95));
    await until('the alert', () => rx.requests.length, (n) => n >= 1);
    // several more checks over the same breach
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(rx.requests.length, 1);
    const body = JSON.parse(rx.requests[0].body);
    assert.deepEqual([body.event.type, body.event.metric, body.event.value, body.event.threshold], ['server.threshold', 'cpu', 95, 80]);
    assert.ok(body.event.forSeconds >= 2);
  });
});

describe('notifications: a message that cannot be queued never undoes a deployment (a local receiver stands in for a custom webhook)', () => {
  let b: TestBerth;
  let rx: Receiver;

  before(async () => {
    rx = await startReceiver();
    b = await startTestBerth();
  });

  after(async () => {
    await b?.close();
    await rx?.close();
  });

  test('with the outbox table gone, the failed deployment still ends error', async () => {
    await ok(b, 'notification.createCustom', { name: 'hook', ...flags, endpoint: `${rx.url}/hook` });
    const applicationId = await failingApp(b, 'no-outbox');
    b.store.db.$client.exec('DROP TABLE notification_outbox');
    const d = await deployAndWait(b, applicationId);
    assert.equal(d.status, 'error');
    assert.equal(b.store.deployments.liveJobOf(d.deploymentId), undefined, 'its job ended with it');
  });
});
