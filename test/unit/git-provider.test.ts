import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { plaintextIn } from '../helpers/at-rest.js';
import { recordReplies, startTestBerth, type Reply, type TestBerth } from '../helpers/berth.js';
import { nativeBinding } from '../../src/store/native-binding.js';

const MASK = '********';
// A GitHub App key as GitHub hands it out: PKCS#1 PEM.
const APP_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const APP_KEY_LINE = APP_KEY.split('\n')[5];

const secrets = {
  githubClientSecret: 'gh-client-secret-8d1f0a',
  githubWebhookSecret: 'gh-webhook-secret-77c2e1',
  gitlabSecret: 'gl-oauth-secret-3b9e44',
  bitbucketToken: 'bb-api-token-5a6c21',
  bitbucketAppPassword: 'bb-app-password-0e7d93',
  giteaClientSecret: 'gt-client-secret-c41f08',
  giteaAccess: 'gt-access-token-92ab7e',
  giteaRefresh: 'gt-refresh-token-1d5f36',
};

const fullGithub = {
  name: 'GitHub org',
  githubAppName: 'berth-app',
  githubAppId: 123456,
  githubClientId: 'Iv1.abcdef',
  githubClientSecret: secrets.githubClientSecret,
  githubInstallationId: '987654',
  githubPrivateKey: APP_KEY,
  githubWebhookSecret: secrets.githubWebhookSecret,
};

describe('git providers', () => {
  let b: TestBerth;
  let readOnly: string;
  const { replies, call } = recordReplies(() => b);
  const getAll = async () => (await call('gitProvider.getAll')).body as any[];
  const fieldsOf = (r: Reply) => r.body.issues.map((i: { path: string[] }) => i.path[0]);

  before(async () => {
    b = await startTestBerth();
    readOnly = b.store.apiKeys.create({ name: 'ro', role: 'read-only' }).key;
  });
  after(() => b.close());

  test('github.create (Berth extension) stores App credentials; secrets are masked', async () => {
    const r = await call('github.create', fullGithub);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.githubAppName, 'berth-app');
    assert.equal(r.body.githubAppId, 123456);
    assert.equal(r.body.githubInstallationId, '987654');
    assert.equal(r.body.githubUrl, 'https://github.com');
    assert.equal(r.body.githubClientSecret, MASK);
    assert.equal(r.body.githubPrivateKey, MASK);
    assert.equal(r.body.githubWebhookSecret, MASK);
    assert.equal(r.body.gitProvider.name, 'GitHub org');
    assert.equal(r.body.gitProvider.providerType, 'github');
    assert.equal(r.body.gitProvider.sharedWithOrganization, false);
    const one = await call('github.one', { githubId: r.body.githubId });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, r.body);
  });

  test('githubProviders lists only providers with complete App credentials', async () => {
    const partial = (await call('github.create', { name: 'half done', githubAppName: 'pending', githubUrl: 'https://ghe.example.com' })).body;
    assert.equal(partial.githubPrivateKey, null);
    assert.equal(partial.githubUrl, 'https://ghe.example.com');
    const list = (await call('github.githubProviders')).body;
    assert.equal(list.length, 1);
    assert.deepEqual(Object.keys(list[0]).sort(), ['gitProvider', 'githubId', 'githubUrl']);
    assert.equal(list[0].gitProvider.name, 'GitHub org');
    const summary = (await getAll()).find((p) => p.github?.githubId === partial.githubId);
    assert.equal(summary.github.isConfigured, false);
  });

  test('github.update renames the provider and the App; the gitProviderId must be its own', async () => {
    const [gh, other] = (await call('github.githubProviders')).body.concat((await getAll()).filter((p) => p.github?.githubAppName === 'pending'));
    const r = await call('github.update', { githubId: gh.githubId, gitProviderId: gh.gitProvider.gitProviderId, name: 'GitHub renamed', githubAppName: 'berth-app-2' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    const one = (await call('github.one', { githubId: gh.githubId })).body;
    assert.equal(one.gitProvider.name, 'GitHub renamed');
    assert.equal(one.githubAppName, 'berth-app-2');
    const foreign = await call('github.update', { githubId: gh.githubId, gitProviderId: other.gitProviderId, name: 'hijack', githubAppName: 'x' });
    assert.equal(foreign.status, 400);
    assert.deepEqual(fieldsOf(foreign), ['gitProviderId']);
    assert.equal((await getAll()).find((p) => p.gitProviderId === other.gitProviderId).name, 'half done');
    assert.equal((await call('github.update', { githubId: 'nope-not-there', gitProviderId: 'x', name: 'x', githubAppName: 'x' })).status, 404);
    const missing = await call('github.update', { githubId: gh.githubId, name: 'x' });
    assert.equal(missing.status, 400);
    assert.deepEqual(fieldsOf(missing).sort(), ['gitProviderId', 'githubAppName']);
  });

  test('github.create validates ids, key and URL', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ githubAppId: 'abc' }, 'githubAppId'],
      [{ githubInstallationId: 'x1' }, 'githubInstallationId'],
      [{ githubPrivateKey: 'not a pem' }, 'githubPrivateKey'],
      [{ githubUrl: 'ftp://github.com' }, 'githubUrl'],
      [{ name: '' }, 'name'],
    ];
    for (const [over, field] of cases) {
      const r = await call('github.create', { ...fullGithub, ...over });
      assert.equal(r.status, 400, field);
      assert.deepEqual(fieldsOf(r), [field]);
    }
  });

  test('gitlab: create answers nothing; one masks; it is listed only once it holds OAuth tokens', async () => {
    const r = await call('gitlab.create', { name: 'GitLab', gitlabUrl: 'https://gitlab.example.com', authId: 'auth-1', applicationId: 'app-1', secret: secrets.gitlabSecret, groupName: 'team', redirectUri: 'https://berth.example.com/api/providers/gitlab/callback', gitlabInternalUrl: null });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    const summary = (await getAll()).find((p) => p.providerType === 'gitlab');
    assert.deepEqual(summary.gitlab, { gitlabId: summary.gitlab.gitlabId, applicationId: 'app-1', gitlabUrl: 'https://gitlab.example.com', isConfigured: false });
    const one = (await call('gitlab.one', { gitlabId: summary.gitlab.gitlabId })).body;
    assert.equal(one.secret, MASK);
    assert.equal(one.accessToken, null);
    assert.equal(one.groupName, 'team');
    assert.equal(one.gitProvider.gitProviderId, summary.gitProviderId);
    assert.deepEqual((await call('gitlab.gitlabProviders')).body, []);
    const bad = await call('gitlab.create', { name: 'x', gitlabUrl: 'gitlab.example.com' });
    assert.equal(bad.status, 400);
    assert.deepEqual(fieldsOf(bad).sort(), ['authId', 'gitlabUrl']);
  });

  test('gitlab.update changes settings; a secret sent back masked keeps the stored one', async () => {
    const { gitlab, gitProviderId } = (await getAll()).find((p) => p.providerType === 'gitlab');
    const r = await call('gitlab.update', { gitlabId: gitlab.gitlabId, gitProviderId, name: 'GitLab EU', gitlabUrl: 'https://gitlab.eu.example.com', secret: MASK, groupName: 'ops', gitlabInternalUrl: 'http://gitlab.internal:8080' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    const one = (await call('gitlab.one', { gitlabId: gitlab.gitlabId })).body;
    assert.equal(one.gitProvider.name, 'GitLab EU');
    assert.equal(one.gitlabUrl, 'https://gitlab.eu.example.com');
    assert.equal(one.gitlabInternalUrl, 'http://gitlab.internal:8080');
    assert.equal(one.groupName, 'ops');
    assert.equal(b.store.gitProviders.get('gitlab', gitlab.gitlabId).secret, secrets.gitlabSecret);
    assert.equal((await call('gitlab.one', { gitlabId: 'nope-not-there' })).status, 404);
  });

  test('bitbucket: create answers nothing; listed when credentials are complete; update answers the row masked', async () => {
    const r = await call('bitbucket.create', { name: 'Bitbucket', authId: 'auth-2', bitbucketUsername: 'dev', bitbucketEmail: 'dev@example.com', apiToken: secrets.bitbucketToken, bitbucketWorkspaceName: 'ws', bitbucketId: 'client-chosen-id' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    const [listed] = (await call('bitbucket.bitbucketProviders')).body;
    assert.deepEqual(Object.keys(listed).sort(), ['bitbucketId', 'gitProvider']);
    assert.notEqual(listed.bitbucketId, 'client-chosen-id');
    const one = (await call('bitbucket.one', { bitbucketId: listed.bitbucketId })).body;
    assert.equal(one.apiToken, MASK);
    assert.equal(one.appPassword, null);
    assert.equal(one.bitbucketWorkspaceName, 'ws');
    const summary = (await getAll()).find((p) => p.providerType === 'bitbucket').bitbucket;
    assert.deepEqual(summary, { bitbucketId: listed.bitbucketId, bitbucketUsername: 'dev', isConfigured: true, isDeprecated: false });

    const upd = await call('bitbucket.update', { bitbucketId: listed.bitbucketId, gitProviderId: listed.gitProvider.gitProviderId, name: 'BB', appPassword: secrets.bitbucketAppPassword, apiToken: MASK, organizationId: 'other' });
    assert.equal(upd.status, 200);
    assert.equal(upd.body.appPassword, MASK);
    assert.equal(upd.body.apiToken, MASK);
    assert.equal(upd.body.gitProvider.name, 'BB');
    assert.equal(upd.body.gitProvider.organizationId, 'berth');
    assert.equal(b.store.gitProviders.get('bitbucket', listed.bitbucketId).apiToken, secrets.bitbucketToken);

    const bad = await call('bitbucket.create', { name: 'x', authId: 'a', bitbucketEmail: 'not-an-email' });
    assert.equal(bad.status, 400);
    assert.deepEqual(fieldsOf(bad), ['bitbucketEmail']);
  });

  test('gitea: create answers {giteaId, clientId, giteaUrl}; listed once it holds tokens; update and getGiteaUrl', async () => {
    const pending = await call('gitea.create', { name: 'Gitea pending', giteaUrl: 'https://gitea.example.com', clientId: 'cid-1', clientSecret: secrets.giteaClientSecret, redirectUri: 'https://berth.example.com/api/providers/gitea/callback', giteaUsername: 'me', organizationName: 'org' });
    assert.equal(pending.status, 200);
    assert.deepEqual(Object.keys(pending.body).sort(), ['clientId', 'giteaId', 'giteaUrl']);
    assert.equal(pending.body.clientId, 'cid-1');
    assert.deepEqual((await call('gitea.giteaProviders')).body, []);

    const ready = (await call('gitea.create', { name: 'Gitea', giteaUrl: 'https://git.example.org', accessToken: secrets.giteaAccess, refreshToken: secrets.giteaRefresh, expiresAt: 1900000000 })).body;
    const listed = (await call('gitea.giteaProviders')).body;
    assert.deepEqual(listed.map((p: { giteaId: string }) => p.giteaId), [ready.giteaId]);

    const one = (await call('gitea.one', { giteaId: pending.body.giteaId })).body;
    assert.equal(one.clientSecret, MASK);
    assert.equal(one.scopes, 'repo,repo:status,read:user,read:org');
    const readyRow = (await call('gitea.one', { giteaId: ready.giteaId })).body;
    assert.equal(readyRow.accessToken, MASK);
    assert.equal(readyRow.refreshToken, MASK);
    assert.equal(readyRow.expiresAt, 1900000000);

    const upd = await call('gitea.update', { giteaId: ready.giteaId, gitProviderId: readyRow.gitProviderId, name: 'Gitea 2', giteaUrl: 'https://git2.example.org', scopes: 'repo' });
    assert.equal(upd.status, 200);
    assert.deepEqual(upd.body, { success: true });
    const url = await call('gitea.getGiteaUrl', { giteaId: ready.giteaId });
    assert.equal(url.status, 200);
    assert.equal(url.body, 'https://git2.example.org');
    assert.equal((await call('gitea.getGiteaUrl', { giteaId: 'nope-not-there' })).status, 404);
    const bad = await call('gitea.create', { name: 'x', giteaUrl: 'https://g.example', expiresAt: 'soon' });
    assert.equal(bad.status, 400);
    assert.deepEqual(fieldsOf(bad), ['expiresAt']);
  });

  test('gitProvider.getAll: newest first, isOwner, one summary per provider with no credential in it', async () => {
    const all = await getAll();
    const stamps = all.map((p) => p.createdAt);
    assert.deepEqual(stamps, [...stamps].sort().reverse());
    assert.equal(all.length, 6);
    for (const p of all) {
      assert.equal(p.isOwner, true);
      const kinds = ['github', 'gitlab', 'bitbucket', 'gitea'];
      for (const k of kinds) assert.equal(p[k] === null, k !== p.providerType, `${p.name}.${k}`);
    }
    const gh = all.find((p) => p.providerType === 'github' && p.github.isConfigured).github;
    assert.deepEqual(Object.keys(gh).sort(), ['githubAppId', 'githubAppName', 'githubId', 'githubInstallationId', 'githubUrl', 'isConfigured']);
    const gitea = all.find((p) => p.gitea?.isConfigured).gitea;
    assert.deepEqual(Object.keys(gitea).sort(), ['clientId', 'giteaId', 'giteaUrl', 'isConfigured']);
    const perms = (await call('gitProvider.allForPermissions')).body;
    assert.deepEqual(perms, all.map(({ gitProviderId, name, providerType }) => ({ gitProviderId, name, providerType })));
  });

  test('toggleShare shares a provider with the organization', async () => {
    const [p] = await getAll();
    const r = await call('gitProvider.toggleShare', { gitProviderId: p.gitProviderId, sharedWithOrganization: true });
    assert.equal(r.status, 200);
    assert.equal(r.body.sharedWithOrganization, true);
    assert.equal((await getAll())[0].sharedWithOrganization, true);
    const bad = await call('gitProvider.toggleShare', { gitProviderId: p.gitProviderId, sharedWithOrganization: 'yes' });
    assert.equal(bad.status, 400);
    assert.deepEqual(fieldsOf(bad), ['sharedWithOrganization']);
    assert.equal((await call('gitProvider.toggleShare', { gitProviderId: 'nope-not-there', sharedWithOrganization: true })).status, 404);
  });

  test('a read-only token reads providers but may not change any', async () => {
    const [p] = await getAll();
    assert.equal((await call('gitProvider.getAll', {}, { token: readOnly })).status, 200);
    assert.equal((await call('github.githubProviders', {}, { token: readOnly })).status, 200);
    const writes: [string, Record<string, unknown>][] = [
      ['github.create', fullGithub],
      ['gitlab.create', { name: 'x', gitlabUrl: 'https://gitlab.com', authId: 'a' }],
      ['bitbucket.create', { name: 'x', authId: 'a' }],
      ['gitea.create', { name: 'x', giteaUrl: 'https://gitea.com' }],
      ['gitProvider.toggleShare', { gitProviderId: p.gitProviderId, sharedWithOrganization: false }],
      ['gitProvider.remove', { gitProviderId: p.gitProviderId }],
    ];
    for (const [proc, input] of writes) assert.equal((await call(proc, input, { token: readOnly })).status, 403, proc);
    assert.equal((await getAll()).length, 6);
  });

  test('gitProvider.remove deletes the provider and, by cascade, its settings row', async () => {
    const gh = (await getAll()).find((p) => p.github && !p.github.isConfigured);
    const r = await call('gitProvider.remove', { gitProviderId: gh.gitProviderId });
    assert.equal(r.status, 200);
    assert.equal(r.body.gitProviderId, gh.gitProviderId);
    assert.equal(r.body.providerType, 'github');
    assert.equal((await call('github.one', { githubId: gh.github.githubId })).status, 404);
    const db = new Database(path.join(b.dataDir, 'berth.db'), { nativeBinding, readonly: true });
    try {
      assert.equal(db.prepare('select count(*) from github where githubId = ?').pluck().get(gh.github.githubId), 0);
      assert.equal(db.prepare('select count(*) from github').pluck().get(), 1);
    } finally {
      db.close();
    }
    assert.equal((await getAll()).length, 5);
    assert.equal((await call('gitProvider.remove', { gitProviderId: gh.gitProviderId })).status, 404);
  });

  test('provider secrets are in no answer and nowhere in the database file as plain text', () => {
    const all = [...Object.values(secrets), APP_KEY_LINE];
    for (const r of replies) for (const s of all) assert.ok(!r.text.includes(s), `an answer carried ${s}`);
    assert.deepEqual(plaintextIn(b.dataDir, all), []);
    assert.ok(plaintextIn(b.dataDir, ['cid-1']).includes('gitea.clientId'));
  });
});
