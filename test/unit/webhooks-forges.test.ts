// GitLab, Gitea, Bitbucket, Docker Hub and registry deliveries (fixtures from their published
// examples: test/fixtures/webhooks/README.md): what Berth reads from each, and on a running
// Berth, each forge's push with a good signature deploys its SHA and with a bad one is 401.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';
import { parseDelivery } from '../../src/webhooks/parse.js';

interface Fixture { headers: Record<string, string>; body: any }
const fixture = (name: string): Fixture => JSON.parse(fs.readFileSync(new URL(`../fixtures/webhooks/${name}.json`, import.meta.url), 'utf8'));
const parsed = (name: string) => {
  const f = fixture(name);
  return parseDelivery(f.headers, f.body);
};

describe('what Berth reads from each forge\'s payloads', () => {
  test('GitLab: push, tag push and merge requests (open, update, reopen, close, merge)', () => {
    const push = parsed('gitlab-push');
    assert.equal(push.provider, 'gitlab');
    assert.equal(push.deliveryId, 'd4d2d2f3-1322-5292-a4fd-797a76572de4');
    assert.deepEqual(push.event.kind === 'push' && [push.event.ref, push.event.sha, push.event.repository.fullName], [{ type: 'branch', name: 'master' }, 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', 'mike/diaspora']);
    assert.ok(push.event.kind === 'push' && push.event.commits.every((c) => Array.isArray(c.files)));
    const tag = parsed('gitlab-tag-push').event;
    assert.deepEqual(tag.kind === 'push' && [tag.ref, tag.sha], [{ type: 'tag', name: 'v1.0.0' }, '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7']);
    const actions = ['open', 'update', 'reopen', 'close', 'merge'].map((a) => parsed(`gitlab-merge-request-${a}`).event);
    assert.deepEqual(actions.map((e) => e.kind === 'pull_request' && e.action), ['opened', 'updated', 'reopened', 'closed', 'closed']);
    const open = actions[0];
    assert.deepEqual(open.kind === 'pull_request' && [open.number, open.head.branch, open.base.branch, open.labels], [1, 'ms-viewport', 'master', ['API']]);
  });

  test('Gitea: push with every commit\'s files, and pull requests', () => {
    const push = parsed('gitea-push');
    assert.equal(push.provider, 'gitea', 'Gitea sends X-GitHub-Event too; it is still Gitea');
    assert.deepEqual(push.event.kind === 'push' && [push.event.ref.name, push.event.sha, push.event.repository.fullName], ['develop', 'bffeb74224043ba2feb48d137756c8a9331c449a', 'gitea/webhooks']);
    const actions = ['opened', 'synchronized', 'reopened', 'closed', 'merged'].map((a) => parsed(`gitea-pull-request-${a}`).event);
    assert.deepEqual(actions.map((e) => e.kind === 'pull_request' && e.action), ['opened', 'updated', 'reopened', 'closed', 'closed']);
    assert.deepEqual(actions[1].kind === 'pull_request' && [actions[1].number, actions[1].head.sha, actions[1].labels], [1, '96c6aa3091e2b7bf107dbfae51429a5007f63205', ['preview']]);
  });

  test('Bitbucket: branch and tag pushes (no file lists), pull requests', () => {
    const push = parsed('bitbucket-push');
    assert.equal(push.deliveryId, '98025be7-0e95-5fad-baf6-c03ac5e92b3d');
    assert.deepEqual(push.event.kind === 'push' && [push.event.ref, push.event.sha, push.event.repository.fullName], [{ type: 'branch', name: 'main' }, 'c14c1bb05dfb1fdcdf06b31485fff61b0ea44277', 'anbraten/test-2']);
    assert.ok(push.event.kind === 'push' && push.event.commits.every((c) => c.files === null));
    const tag = parsed('bitbucket-push-tag').event;
    assert.deepEqual(tag.kind === 'push' && tag.ref, { type: 'tag', name: 'v1.0.0' });
    const actions = ['created', 'updated', 'fulfilled', 'rejected'].map((a) => parsed(`bitbucket-pullrequest-${a}`).event);
    assert.deepEqual(actions.map((e) => e.kind === 'pull_request' && e.action), ['opened', 'updated', 'closed', 'closed']);
    assert.deepEqual(actions[0].kind === 'pull_request' && [actions[0].head.branch, actions[0].base.branch, actions[0].head.sha], ['patch-2', 'main', '668218c13e04']);
  });

  test('Docker Hub and the registry\'s notification envelope (v1 and v2 media types): the pushed repository and tag', () => {
    assert.deepEqual(parsed('dockerhub-push').event, { kind: 'image', repository: 'svendowideit/testhook', tag: 'latest', digest: null });
    for (const name of ['registry-push', 'registry-push-v3']) {
      const d = parsed(name);
      assert.equal(d.provider, 'registry');
      assert.deepEqual(d.event.kind === 'image' && [d.event.repository, d.event.tag], ['registrycluster.local/library/test', 'latest'], name);
    }
  });
});

describe('each forge\'s push on a running Berth', () => {
  let b: TestBerth;
  let environmentId: string;
  const SECRET = 'forge-secret-0123';
  const ok = async (proc: string, input: Record<string, unknown> = {}) => {
    const r = await b.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };
  const hmac = (raw: string) => createHmac('sha256', SECRET).update(raw).digest('hex');
  const signers: Record<string, (raw: string, good: boolean) => Record<string, string>> = {
    gitlab: (_raw, good) => ({ 'x-gitlab-token': good ? SECRET : 'guess' }),
    gitea: (raw, good) => ({ 'x-gitea-signature': good ? hmac(raw) : hmac(raw + ' ') }),
    bitbucket: (raw, good) => ({ 'x-hub-signature': `sha256=${good ? hmac(raw) : hmac('')}` }),
    registry: (_raw, good) => ({ authorization: `Bearer ${good ? SECRET : 'guess'}` }),
  };

  async function appFor(source: Record<string, unknown>) {
    const a = await ok('application.create', { name: 'forge', environmentId });
    if (source.dockerImage) await ok('application.saveDockerProvider', { applicationId: a.applicationId, dockerImage: source.dockerImage, username: null, password: null, registryUrl: null });
    else await ok('application.saveGitProvider', { applicationId: a.applicationId, customGitBuildPath: '/', watchPaths: null, ...source });
    await ok('application.update', { applicationId: a.applicationId, webhookSecret: SECRET });
    return (await ok('application.one', { applicationId: a.applicationId })) as { applicationId: string; refreshToken: string };
  }

  before(async () => {
    b = await startTestBerth();
    environmentId = (await ok('project.create', { name: 'forges' })).environment.environmentId;
  });
  after(() => b.close());

  const cases = [
    { forge: 'gitlab', fixture: 'gitlab-push', source: { customGitUrl: 'http://127.0.0.1:9/mike/diaspora.git', customGitBranch: 'master' }, sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' },
    { forge: 'gitea', fixture: 'gitea-push', source: { customGitUrl: 'http://127.0.0.1:9/gitea/webhooks.git', customGitBranch: 'develop' }, sha: 'bffeb74224043ba2feb48d137756c8a9331c449a' },
    { forge: 'bitbucket', fixture: 'bitbucket-push', source: { customGitUrl: 'http://127.0.0.1:9/anbraten/test-2.git', customGitBranch: 'main' }, sha: 'c14c1bb05dfb1fdcdf06b31485fff61b0ea44277' },
    { forge: 'registry', fixture: 'registry-push', source: { dockerImage: 'registrycluster.local/library/test:latest' }, sha: null },
  ];
  for (const c of cases) {
    test(`${c.forge}: a good signature deploys${c.sha ? ' the pushed SHA' : ''}, a bad one is 401 and deploys nothing`, async () => {
      const app = await appFor(c.source);
      const { headers, body } = fixture(c.fixture);
      const raw = JSON.stringify(body);
      const send = (good: boolean) => request(`${b.url}/api/deploy/${app.refreshToken}`, { method: 'POST', headers: { ...headers, ...signers[c.forge](raw, good) }, body: raw });
      const bad = await send(false);
      assert.equal(bad.status, 401, bad.text);
      assert.deepEqual(await ok('deployment.all', { applicationId: app.applicationId }), []);
      const good = await send(true);
      assert.equal(good.status, 200, good.text);
      assert.equal(good.body.deployed, true, good.text);
      const [d] = await ok('deployment.all', { applicationId: app.applicationId });
      assert.equal(d.commitHash, c.sha);
    });
  }

  test('Docker Hub cannot sign: its push deploys a docker application without a secret', async () => {
    const a = await ok('application.create', { name: 'hub', environmentId });
    await ok('application.saveDockerProvider', { applicationId: a.applicationId, dockerImage: 'svendowideit/testhook', username: null, password: null, registryUrl: null });
    const { refreshToken } = await ok('application.one', { applicationId: a.applicationId });
    const { headers, body } = fixture('dockerhub-push');
    const r = await request(`${b.url}/api/deploy/${refreshToken}`, { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal(r.body.deployed, true, r.text);
    assert.match((await ok('deployment.all', { applicationId: a.applicationId }))[0].title, /svendowideit\/testhook:latest pushed/);
  });
});
