// POST /api/deploy/<refreshToken> and /api/deploy/github on a running Berth: authentic
// deliveries queue a deployment of the pushed commit, forged ones (401), unknown tokens
// (404), oversized bodies (413) and retries of a delivery deploy nothing. The queued
// deployments cannot build here (their repository URL answers nothing): what is checked
// is what was queued, not the build.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { plaintextIn } from '../helpers/at-rest.js';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';

const examples: { name: string; examples: any[] }[] = createRequire(import.meta.url)('@octokit/webhooks-examples');
const githubPush = structuredClone(examples.find((e) => e.name === 'push')!.examples.find((p) => p.ref === 'refs/heads/master' && p.commits.length));
const SECRET = 'whsec-' + randomUUID();
const hmac = (secret: string, raw: string) => createHmac('sha256', secret).update(raw).digest('hex');

describe('push-to-deploy receivers', () => {
  let b: TestBerth;
  let environmentId: string;

  const ok = async (proc: string, input: Record<string, unknown> = {}) => {
    const r = await b.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };
  /** A git-source application of Codertocat/Hello-World on `master` (the example payloads' repository). */
  async function gitApp(extra: Record<string, unknown> = {}) {
    const a = await ok('application.create', { name: 'hooked', environmentId });
    await ok('application.saveGitProvider', { applicationId: a.applicationId, customGitUrl: 'http://127.0.0.1:9/Codertocat/Hello-World.git', customGitBranch: 'master', customGitBuildPath: '/', customGitSSHKeyId: null, watchPaths: null, enableSubmodules: false });
    if (Object.keys(extra).length) await ok('application.update', { applicationId: a.applicationId, ...extra });
    return (await ok('application.one', { applicationId: a.applicationId })) as { applicationId: string; refreshToken: string };
  }
  const deployments = async (applicationId: string) => (await ok('deployment.all', { applicationId })) as any[];
  const deliver = (path: string, headers: Record<string, string>, body: string) =>
    request(`${b.url}/api/deploy/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const github = (raw: string, secret: string | null, event = 'push', delivery: string = randomUUID()) => ({
    'x-github-event': event,
    'x-github-delivery': delivery,
    ...(secret ? { 'x-hub-signature-256': `sha256=${hmac(secret, raw)}` } : {}),
  });

  before(async () => {
    b = await startTestBerth();
    environmentId = (await ok('project.create', { name: 'hooks' })).environment.environmentId;
  });
  after(() => b.close());

  test('an authentic GitHub push queues a deployment of the pushed SHA, titled with its commit message', async () => {
    const app = await gitApp({ webhookSecret: SECRET });
    const raw = JSON.stringify(githubPush);
    const r = await deliver(app.refreshToken, github(raw, SECRET), raw);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.deployed, true);
    assert.equal(r.body.provider, 'github');
    const [d] = await deployments(app.applicationId);
    assert.equal(r.body.applications[0].deploymentId, d.deploymentId);
    assert.equal(d.commitHash, githubPush.after);
    assert.equal(d.title, githubPush.head_commit.message.split('\n')[0]);
    assert.equal(d.description, `Commit: ${githubPush.after}`);
  });

  test('a wrong or missing signature is 401 and deploys nothing', async () => {
    const app = await gitApp({ webhookSecret: SECRET });
    const raw = JSON.stringify(githubPush);
    for (const headers of [github(raw, 'not-the-secret'), github(raw, null), { ...github(raw, SECRET), 'x-hub-signature-256': 'sha256=' }]) {
      const r = await deliver(app.refreshToken, headers, raw);
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.code, 'UNAUTHORIZED');
    }
    const tampered = raw.replace('"master"', '"master" ');
    assert.equal((await deliver(app.refreshToken, github(raw, SECRET), tampered)).status, 401, 'the signature covers the bytes sent');
    assert.deepEqual(await deployments(app.applicationId), []);
  });

  test('the webhook secret is write-only and encrypted at rest', async () => {
    const app = await gitApp({ webhookSecret: SECRET });
    assert.notEqual((app as any).webhookSecret, SECRET);
    assert.match(String((app as any).webhookSecret), /^\*+$/);
    assert.deepEqual(plaintextIn(b.dataDir, [SECRET]), []);
  });

  test('an unknown token is 404; application.refreshToken rotates the URL', async () => {
    const app = await gitApp();
    const raw = JSON.stringify(githubPush);
    assert.equal((await deliver('no-such-token-000000', github(raw, null), raw)).status, 404);
    await ok('application.refreshToken', { applicationId: app.applicationId });
    const fresh = (await ok('application.one', { applicationId: app.applicationId })).refreshToken;
    assert.notEqual(fresh, app.refreshToken);
    assert.equal((await deliver(app.refreshToken, github(raw, null), raw)).status, 404, 'the old URL is dead');
    assert.equal((await deliver(fresh, github(raw, null), raw)).body.deployed, true);
  });

  test('a delivery id seen before is answered 200 and not deployed twice', async () => {
    const app = await gitApp();
    const raw = JSON.stringify(githubPush);
    const headers = github(raw, null, 'push', 'same-delivery-1');
    assert.equal((await deliver(app.refreshToken, headers, raw)).body.deployed, true);
    const again = await deliver(app.refreshToken, headers, raw);
    assert.equal(again.status, 200);
    assert.equal(again.body.deployed, false);
    assert.match(again.body.message, /received before/);
    assert.equal((await deployments(app.applicationId)).length, 1);
  });

  test('filtered events answer 200 (never a redirect) with the reason, and deploy nothing', async () => {
    const app = await gitApp();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...githubPush, ref: 'refs/heads/dev' }, /branch dev, the application deploys master/],
      [{ ...githubPush, head_commit: { ...githubPush.head_commit, message: 'wip [skip ci]' } }, /\[skip ci\]/],
      [{ ...githubPush, ref: 'refs/tags/v1' }, /tag v1 pushed/],
    ];
    for (const [body, reason] of cases) {
      const raw = JSON.stringify(body);
      const r = await deliver(app.refreshToken, github(raw, null), raw);
      assert.equal(r.status, 200);
      assert.equal(r.body.deployed, false);
      assert.match(r.body.message, reason);
    }
    const ping = JSON.stringify(examples.find((e) => e.name === 'ping')!.examples[0]);
    assert.match((await deliver(app.refreshToken, github(ping, null, 'ping'), ping)).body.message, /ping/);
    await ok('application.update', { applicationId: app.applicationId, autoDeploy: false });
    const raw = JSON.stringify(githubPush);
    assert.match((await deliver(app.refreshToken, github(raw, null), raw)).body.message, /autoDeploy is off/);
    assert.deepEqual(await deployments(app.applicationId), []);
  });

  test('GitHub\'s form-encoded deliveries are read from their payload field', async () => {
    const app = await gitApp({ webhookSecret: SECRET });
    const raw = new URLSearchParams({ payload: JSON.stringify(githubPush) }).toString();
    const r = await deliver(app.refreshToken, { ...github(raw, SECRET), 'content-type': 'application/x-www-form-urlencoded' }, raw);
    assert.equal(r.body.deployed, true, r.text);
  });

  test('bad bodies: not JSON is 400, over 25 MB is 413, both in the API\'s error format', async () => {
    const app = await gitApp();
    const bad = await deliver(app.refreshToken, github('{', null), '{');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'BAD_REQUEST');
    const huge = '{"pad":"' + 'x'.repeat(25 * 1024 ** 2) + '"}';
    const big = await deliver(app.refreshToken, github(huge, null), huge);
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'PAYLOAD_TOO_LARGE');
    assert.deepEqual(await deployments(app.applicationId), []);
  });

  test('a plain POST (a CI job) deploys the configured source; with a secret it must bring it as a Bearer token', async () => {
    const app = await gitApp({ webhookSecret: SECRET });
    assert.equal((await deliver(app.refreshToken, {}, '')).status, 401);
    const r = await deliver(app.refreshToken, { authorization: `Bearer ${SECRET}` }, '');
    assert.equal(r.body.deployed, true, r.text);
    assert.equal((await deployments(app.applicationId))[0].commitHash, null, 'no commit pinned: the branch tip is built');
  });

  test('/api/deploy/github: a GitHub App delivery deploys the applications of the installation\'s provider', async () => {
    const installation = String(githubPush.installation.id);
    const provider = await ok('github.create', { name: 'app', githubAppName: 'berth', githubInstallationId: installation, githubWebhookSecret: SECRET });
    const a = await ok('application.create', { name: 'gh', environmentId });
    await ok('application.saveGithubProvider', { applicationId: a.applicationId, githubId: provider.githubId, owner: 'Codertocat', repository: 'Hello-World', branch: 'master', buildPath: '/', triggerType: 'push', watchPaths: null, enableSubmodules: false });
    const other = await ok('application.create', { name: 'gh-other', environmentId });
    await ok('application.saveGithubProvider', { applicationId: other.applicationId, githubId: provider.githubId, owner: 'Codertocat', repository: 'Other', branch: 'master', buildPath: '/', triggerType: 'push', watchPaths: null, enableSubmodules: false });
    const raw = JSON.stringify(githubPush);
    assert.equal((await deliver('github', github(raw, 'wrong'), raw)).status, 401);
    const r = await deliver('github', github(raw, SECRET), raw);
    assert.equal(r.status, 200, r.text);
    const byApp = Object.fromEntries(r.body.applications.map((x: any) => [x.applicationId, x]));
    assert.ok(byApp[a.applicationId].deploymentId);
    assert.match(byApp[other.applicationId].reason, /Codertocat\/Other/);
    assert.equal((await deployments(a.applicationId))[0].commitHash, githubPush.after);
    const stranger = JSON.stringify({ ...githubPush, installation: { id: 987654 } });
    assert.equal((await deliver('github', github(stranger, SECRET), stranger)).status, 404);
  });
});
