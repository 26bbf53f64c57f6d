// A preview's state reported back to the forge as a commit status. The forges' APIs cannot be
// reached here: the request builders are checked against each forge's documented endpoint,
// and the reporting is proven against a FAKE Gitea API on loopback (the test says so).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { statusRequests } from '../../src/webhooks/commit-status.js';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';

const SHA = 'bffeb74224043ba2feb48d137756c8a9331c449a';
const access = { baseUrl: 'https://forge.example.com', username: 'bot', token: 'tok' };
const status = { state: 'failure' as const, url: 'http://p.example.com', description: 'failed' };

describe('commit-status requests, as each forge documents them', () => {
  test('GitHub: POST /repos/{owner}/{repo}/statuses/{sha}, Bearer token, state failure', () => {
    const r = statusRequests.github({ ...access, baseUrl: 'https://github.com' }, 'acme/shop', SHA, status);
    assert.equal(r.url, `https://api.github.com/repos/acme/shop/statuses/${SHA}`);
    assert.equal(r.headers.authorization, 'Bearer tok');
    assert.deepEqual(r.body, { state: 'failure', target_url: 'http://p.example.com', description: 'failed', context: 'berth/preview' });
  });
  test('GitLab: POST /api/v4/projects/{url-encoded path}/statuses/{sha}, state failed', () => {
    const r = statusRequests.gitlab(access, 'group/sub/shop', SHA, status);
    assert.equal(r.url, `https://forge.example.com/api/v4/projects/group%2Fsub%2Fshop/statuses/${SHA}`);
    assert.equal(r.body.state, 'failed');
    assert.equal(r.body.name, 'berth/preview');
  });
  test('Gitea: POST /api/v1/repos/{owner}/{repo}/statuses/{sha}, "token" authorization', () => {
    const r = statusRequests.gitea(access, 'acme/shop', 'a'.repeat(40), { ...status, state: 'pending' });
    assert.equal(r.url, `https://forge.example.com/api/v1/repos/acme/shop/statuses/${'a'.repeat(40)}`);
    assert.equal(r.headers.authorization, 'token tok');
    assert.equal(r.body.state, 'pending');
  });
  test('Bitbucket: POST /2.0/repositories/{workspace}/{slug}/commit/{sha}/statuses/build, basic auth, INPROGRESS/SUCCESSFUL/FAILED', () => {
    const r = statusRequests.bitbucket(access, 'acme/shop', SHA, { ...status, state: 'success' });
    assert.equal(r.url, `https://api.bitbucket.org/2.0/repositories/acme/shop/commit/${SHA}/statuses/build`);
    assert.equal(r.headers.authorization, `Basic ${Buffer.from('bot:tok').toString('base64')}`);
    assert.equal(r.body.state, 'SUCCESSFUL');
    assert.equal(statusRequests.bitbucket(access, 'a/b', SHA, { ...status, state: 'pending' }).body.state, 'INPROGRESS');
  });
});

describe('preview states reported to a FAKE Gitea API (the real forges are unreachable here)', () => {
  let b: TestBerth;
  let fake: http.Server;
  const received: { url: string; authorization?: string; body: any }[] = [];
  const { headers, body } = JSON.parse(fs.readFileSync(new URL('../fixtures/webhooks/gitea-pull-request-opened.json', import.meta.url), 'utf8'));
  const ok = async (proc: string, input: Record<string, unknown> = {}) => {
    const r = await b.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };

  async function previewedApp(giteaUrl: string) {
    const { environment } = await ok('project.create', { name: `fake-forge-${Date.now()}` });
    const provider = await ok('gitea.create', { name: 'fake gitea', giteaUrl, accessToken: 'gitea-token', refreshToken: 'r' });
    const a = await ok('application.create', { name: 'previewed', environmentId: environment.environmentId });
    await ok('application.saveGiteaProvider', { applicationId: a.applicationId, giteaId: provider.giteaId, giteaOwner: 'gitea', giteaRepository: 'webhooks', giteaBranch: 'master', giteaBuildPath: '/', watchPaths: null, enableSubmodules: false });
    await ok('application.update', { applicationId: a.applicationId, isPreviewDeploymentsActive: true, previewWildcard: '*.preview.example.com', webhookSecret: 'fake-secret' });
    return ok('application.one', { applicationId: a.applicationId });
  }
  const deliver = (token: string) => {
    const raw = JSON.stringify(body);
    return request(`${b.url}/api/deploy/${token}`, { method: 'POST', headers: { ...headers, 'x-gitea-signature': createHmac('sha256', 'fake-secret').update(raw).digest('hex') }, body: raw });
  };

  before(async () => {
    fake = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        received.push({ url: req.url!, authorization: req.headers.authorization, body: text ? JSON.parse(text) : null });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    b = await startTestBerth();
  });
  after(async () => {
    await b.close();
    fake.close();
  });

  test('pending when the preview is queued, then how it ended, on the head commit, with the preview URL', async () => {
    const app = await previewedApp(`http://127.0.0.1:${(fake.address() as AddressInfo).port}`);
    const r = await deliver(app.refreshToken);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.applications[0].deploymentId, r.text);
    for (let i = 0; i < 600 && received.filter((x) => x.url.includes('/statuses/')).length < 2; i++) await sleep(50);
    const statuses = received.filter((x) => x.url.includes('/statuses/'));
    assert.equal(statuses.length, 2, JSON.stringify(received));
    for (const s of statuses) {
      assert.equal(s.url, `/api/v1/repos/gitea/webhooks/statuses/${body.pull_request.head.sha}`);
      assert.equal(s.authorization, 'token gitea-token');
      assert.match(s.body.target_url, /^http:\/\/preview-.+\.preview\.example\.com$/);
      assert.equal(s.body.context, 'berth/preview');
    }
    assert.equal(statuses[0].body.state, 'pending');
    // The fake serves no git repository, so this preview cannot be built: it ends failed, and says so.
    assert.equal(statuses[1].body.state, 'failure');
  });

  test('a pull request refused a preview (previewLimit) gets a failed status saying why, and nothing is deployed', async () => {
    const app = await previewedApp(`http://127.0.0.1:${(fake.address() as AddressInfo).port}`);
    await ok('application.update', { applicationId: app.applicationId, previewLimit: 0 });
    const before = received.length;
    const r = await deliver(app.refreshToken);
    assert.match(r.body.message, /previewLimit is 0/);
    for (let i = 0; i < 200 && received.length === before; i++) await sleep(50);
    const [status] = received.slice(before);
    assert.equal(status.url, `/api/v1/repos/gitea/webhooks/statuses/${body.pull_request.head.sha}`);
    assert.equal(status.body.state, 'failure');
    assert.match(status.body.description, /^No preview: .*previewLimit is 0/);
    const [preview] = await ok('previewDeployment.all', { applicationId: app.applicationId });
    assert.deepEqual(preview.deployments, []);
  });

  test('a forge that cannot be reached does not hold up or stop the preview', async () => {
    const app = await previewedApp('http://127.0.0.1:9');
    const r = await deliver(app.refreshToken);
    assert.equal(r.status, 200, r.text);
    const [preview] = await ok('previewDeployment.all', { applicationId: app.applicationId });
    assert.equal(preview.deployments.length, 1);
    assert.equal(preview.statusMessage, null);
  });
});
