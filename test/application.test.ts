import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BerthError } from '../src/model/errors.js';
import { newId, now } from '../src/store/ids.js';
import * as t from '../src/store/schema.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { nativeBinding } from '../src/store/native-binding.js';

const MASK = '********';
const SERVICE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** The field names a 400 blames. */
const blamed = (body: { issues?: { path: (string | number)[] }[] }) => (body.issues ?? []).map((i) => i.path.join('.'));

describe('applications', () => {
  let b: TestBerth;
  let envId: string;
  let projectId: string;
  let readOnly: string;
  let deployer: string;

  before(async () => {
    b = await startTestBerth();
    const r = (await b.call('project.create', { name: 'apps' })).body;
    envId = r.environment.environmentId;
    projectId = r.project.projectId;
    readOnly = b.store.apiKeys.create({ name: 'ro', role: 'read-only' }).key;
    deployer = b.store.apiKeys.create({ name: 'dep', role: 'deployer' }).key;
  });
  after(() => b.close());

  async function createApp(input: Record<string, unknown> = {}) {
    const r = await b.call('application.create', { name: 'web', environmentId: envId, ...input });
    assert.equal(r.status, 200, r.text);
    return r.body;
  }
  const one = async (applicationId: string, token?: string) => (await b.call('application.one', { applicationId }, { token })).body;

  test('create normalises the given appName into a service name with a random suffix', async () => {
    const app = await createApp({ appName: 'My_App.v2', description: 'front' });
    assert.match(app.appName, /^my-app-v2-[a-z0-9]{6}$/);
    assert.equal(app.name, 'web');
    assert.equal(app.description, 'front');
    assert.equal(app.applicationStatus, 'idle');
    assert.equal(app.sourceType, 'github');
    assert.equal(app.buildType, 'nixpacks');
    assert.equal(app.environmentId, envId);
    assert.equal(app.serverId, null);
    assert.equal(typeof app.refreshToken, 'string');
    assert.equal(app.refreshToken.length, 21);

    const long = await createApp({ appName: 'A'.repeat(63) });
    assert.ok(long.appName.length <= 63);
    assert.match(long.appName, SERVICE_NAME);
    assert.match(long.appName, /^a+-[a-z0-9]{6}$/);

    const dots = await createApp({ appName: '._-' });
    assert.match(dots.appName, /^app-[a-z0-9]{6}$/);

    const docker = await createApp({ sourceType: 'docker' });
    assert.equal(docker.sourceType, 'docker');
  });

  test('create without appName generates app-<verb>-<adjective>-<noun>-<suffix>', async () => {
    const a = await createApp();
    const c = await createApp();
    assert.match(a.appName, /^app-[a-z]+-[a-z]+-[a-z]+-[a-z0-9]{6}$/);
    assert.notEqual(a.appName, c.appName);
  });

  test('an appName already taken is a 409 CONFLICT', async () => {
    const a = await createApp();
    assert.throws(
      () => b.store.applications.create({ name: 'twin', appName: a.appName, environmentId: envId }),
      (e: unknown) => e instanceof BerthError && e.code === 'CONFLICT' && e.status === 409,
    );
  });

  test('create rejects bad input with a 400 naming the field, unknown environments with 404', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ environmentId: envId }, 'name'],
      [{ name: 'x' }, 'environmentId'],
      [{ name: 'x', environmentId: envId, appName: 'has space' }, 'appName'],
      [{ name: 'x', environmentId: envId, appName: 'a'.repeat(64) }, 'appName'],
      [{ name: 'x', environmentId: envId, serverId: 'remote-1' }, 'serverId'],
      [{ name: 'x', environmentId: envId, sourceType: 'svn' }, 'sourceType'],
      [{ name: 42, environmentId: envId }, 'name'],
    ];
    for (const [input, field] of cases) {
      const r = await b.call('application.create', input);
      assert.equal(r.status, 400, JSON.stringify(input));
      assert.deepEqual(blamed(r.body), [field]);
    }
    assert.equal((await b.call('application.create', { name: 'x', environmentId: envId, serverId: null })).status, 200);
    const unknown = await b.call('application.create', { name: 'x', environmentId: 'no-such-environment00' });
    assert.equal(unknown.status, 404);
    assert.equal((await b.call('application.one', { applicationId: 'no-such-application0' })).status, 404);
  });

  test('one returns the row with its relations, and nested rows carry no secrets', async () => {
    const app = await createApp();
    const id = app.applicationId;
    const db = b.store.db;
    const gp = { gitProviderId: newId(), name: 'gh', createdAt: now(), organizationId: 'berth', userId: 'u' };
    db.insert(t.gitProvider).values(gp).run();
    const githubId = newId();
    db.insert(t.github)
      .values({ githubId, githubAppName: 'berth-app', githubClientSecret: 'x', githubPrivateKey: 'x', githubWebhookSecret: 'x', gitProviderId: gp.gitProviderId })
      .run();
    const registryId = newId();
    db.insert(t.registry)
      .values({ registryId, registryName: 'r', username: 'u', password: 'x', registryUrl: 'reg.local', createdAt: now(), organizationId: 'berth' })
      .run();
    db.insert(t.domain).values({ domainId: newId(), host: 'one.example.com', uniqueConfigKey: 9001, applicationId: id, createdAt: now() }).run();
    db.insert(t.port).values({ portId: newId(), publishedPort: 8080, targetPort: 80, applicationId: id }).run();
    db.insert(t.mount).values({ mountId: newId(), type: 'volume', volumeName: 'data', mountPath: '/data', applicationId: id }).run();
    db.insert(t.redirect).values({ redirectId: newId(), regex: '^/old', replacement: '/new', uniqueConfigKey: 9001, createdAt: now(), applicationId: id }).run();
    db.insert(t.security).values({ securityId: newId(), username: 'bob', password: 'x', createdAt: now(), applicationId: id }).run();
    db.insert(t.deployment).values({ deploymentId: newId(), title: 'Manual deployment', logPath: '', applicationId: id, createdAt: now() }).run();

    const linked = await b.call('application.update', { applicationId: id, githubId, registryId, rollbackRegistryId: registryId });
    assert.equal(linked.status, 200, linked.text);
    assert.equal(linked.body, true);

    const r = await one(id);
    // the one-statement JSON read shows every column exactly as the row mapping does
    const columns = { ...app, githubId, registryId, rollbackRegistryId: registryId };
    assert.deepEqual(Object.fromEntries(Object.keys(columns).map((k) => [k, r[k]])), columns);
    for (const [key, table] of [['domains', t.domain], ['ports', t.port], ['mounts', t.mount], ['redirects', t.redirect], ['deployments', t.deployment]] as const) {
      const rows = b.store.db.select().from(table).all().filter((row) => row.applicationId === id);
      assert.deepEqual(r[key], JSON.parse(JSON.stringify(rows)), key);
    }
    assert.equal(r.applicationId, id);
    assert.equal(r.environment.environmentId, envId);
    assert.equal(r.environment.project.projectId, projectId);
    assert.deepEqual(r.domains.map((d: { host: string }) => d.host), ['one.example.com']);
    assert.equal(r.ports[0].publishedPort, 8080);
    assert.equal(r.mounts[0].volumeName, 'data');
    assert.equal(r.redirects[0].regex, '^/old');
    assert.equal(r.security[0].username, 'bob');
    assert.equal(r.security[0].password, MASK);
    assert.equal(r.deployments.length, 1);
    assert.deepEqual(r.previewDeployments, []);
    assert.equal(r.server, null);
    assert.equal(r.hasGitProviderAccess, true);
    assert.equal(r.unauthorizedProvider, null);
    assert.equal(r.github.githubId, githubId);
    assert.equal(r.github.githubAppName, 'berth-app');
    for (const secret of ['githubClientSecret', 'githubPrivateKey', 'githubWebhookSecret']) assert.ok(!(secret in r.github), secret);
    assert.equal(r.registry.registryUrl, 'reg.local');
    assert.ok(!('password' in r.registry));
    assert.equal(r.rollbackRegistry.registryId, registryId);
    assert.equal(r.buildRegistry, null);
    assert.equal(r.gitlab, null);
    assert.equal(r.bitbucket, null);
    assert.equal(r.gitea, null);
  });

  test('update writes exactly the given fields; appName cannot change', async () => {
    const app = await createApp({ description: 'keep me' });
    assert.equal((await one(app.applicationId)).initProcess, true, 'an init process by default');
    const r = await b.call('application.update', {
      applicationId: app.applicationId,
      name: 'renamed',
      appName: 'other-name',
      replicas: 3,
      memoryLimit: '268435456',
      applicationStatus: 'done',
      healthCheckSwarm: { Test: ['CMD-SHELL', 'wget -q -O- http://localhost/'], Interval: 5_000_000_000, Retries: 3 },
      modeSwarm: { Replicated: { Replicas: 2 } },
      updateConfigSwarm: { Parallelism: 1, Order: 'start-first', FailureAction: 'rollback' },
      labelsSwarm: { team: 'web' },
      ulimitsSwarm: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
      endpointSpecSwarm: { Mode: 'dnsrr', Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }] },
      stopGracePeriodSwarm: 10_000_000_000,
      initProcess: false,
      // what a client sends back after reading a row: unknown keys are not written
      domains: [],
    });
    assert.equal(r.status, 200, r.text);
    const after = await one(app.applicationId);
    assert.equal(after.name, 'renamed');
    assert.equal(after.appName, app.appName);
    assert.equal(after.description, 'keep me');
    assert.equal(after.replicas, 3);
    assert.equal(after.memoryLimit, '268435456');
    assert.equal(after.applicationStatus, 'done');
    assert.deepEqual(after.modeSwarm, { Replicated: { Replicas: 2 } });
    assert.deepEqual(after.healthCheckSwarm.Test, ['CMD-SHELL', 'wget -q -O- http://localhost/']);
    assert.deepEqual(after.labelsSwarm, { team: 'web' });
    assert.equal(after.stopGracePeriodSwarm, 10_000_000_000);
    assert.equal(after.initProcess, false);
    assert.equal(after.endpointSpecSwarm.Mode, 'dnsrr');
    const other = await createApp();
    const taken = await b.call('application.update', { applicationId: app.applicationId, refreshToken: other.refreshToken });
    assert.equal(taken.status, 409);
    const short = await b.call('application.update', { applicationId: app.applicationId, refreshToken: 'abc' });
    assert.equal(short.status, 400);
    assert.deepEqual(blamed(short.body), ['refreshToken']);
    const cleared = await b.call('application.update', { applicationId: app.applicationId, modeSwarm: null });
    assert.equal(cleared.status, 200);
    assert.equal((await one(app.applicationId)).modeSwarm, null);
  });

  test('update refuses unknown swarm keys, bad enums, wrong types and remote servers, writing nothing', async () => {
    const app = await createApp();
    const id = app.applicationId;
    const cases: [Record<string, unknown>, string][] = [
      [{ healthCheckSwarm: { Test: ['NONE'], Intervall: 5 } }, 'healthCheckSwarm'],
      [{ restartPolicySwarm: { Condition: 'sometimes' } }, 'restartPolicySwarm.Condition'],
      [{ updateConfigSwarm: { Parallelism: 1 } }, 'updateConfigSwarm.Order'],
      [{ modeSwarm: { Replicated: {}, Global: {} } }, 'modeSwarm'],
      [{ modeSwarm: { Replicated: { Replicas: 1, Extra: 1 } } }, 'modeSwarm.Replicated'],
      [{ placementSwarm: { Preferences: [{ Spread: { SpreadDescriptor: 'node.id', Weight: 2 } }] } }, 'placementSwarm.Preferences.0.Spread'],
      [{ ulimitsSwarm: [{ Name: 'nofile', Soft: -2, Hard: 1 }] }, 'ulimitsSwarm.0.Soft'],
      [{ networkSwarm: [{ Target: 'net', Driver: 'overlay' }] }, 'networkSwarm.0'],
      [{ buildType: 'cobol' }, 'buildType'],
      [{ replicas: 'three' }, 'replicas'],
      [{ serverId: 'remote-1' }, 'serverId'],
      [{ buildServerId: 'remote-1' }, 'buildServerId'],
      [{ branch: 'main; rm -rf /' }, 'branch'],
      [{ buildPath: '../../etc' }, 'buildPath'],
      [{ customGitUrl: 'file:///etc' }, 'customGitUrl'],
      [{ memoryLimit: '256M' }, 'memoryLimit'],
      [{ initProcess: 'no' }, 'initProcess'],
    ];
    for (const [input, field] of cases) {
      const r = await b.call('application.update', { applicationId: id, name: 'must-not-be-written', ...input });
      assert.equal(r.status, 400, JSON.stringify(input));
      assert.deepEqual(blamed(r.body), [field], JSON.stringify(input));
    }
    assert.equal((await one(id)).name, 'web');
    assert.equal((await b.call('application.update', { applicationId: 'no-such-application0', name: 'x' })).status, 404);
    for (const ref of ['environmentId', 'registryId', 'buildRegistryId', 'githubId', 'gitlabId', 'bitbucketId', 'giteaId', 'customGitSSHKeyId']) {
      const r = await b.call('application.update', { applicationId: id, name: 'must-not-be-written', [ref]: 'no-such-row-000000000' });
      assert.equal(r.status, 404, ref);
    }
    assert.equal((await one(id)).name, 'web');
  });

  test('saveEnvironment and saveBuildType: an absent key leaves its column as it was, a wrong one is a 400', async () => {
    const app = await createApp();
    const id = app.applicationId;
    const env = await b.call('application.saveEnvironment', { applicationId: id, env: 'PORT=3000\nTOKEN=abc', buildArgs: null, buildSecrets: 'NPM_TOKEN=xyz', createEnvFile: false });
    assert.equal(env.status, 200, env.text);
    assert.equal(env.body, true);
    // what an MCP client sends: buildSecrets and createEnvFile left out
    const partial = await b.call('application.saveEnvironment', { applicationId: id, buildArgs: 'V=2' });
    assert.equal(partial.status, 200, partial.text);
    const wrong = await b.call('application.saveEnvironment', { applicationId: id, env: 'A=1', createEnvFile: 'yes' });
    assert.equal(wrong.status, 400);
    assert.deepEqual(blamed(wrong.body), ['createEnvFile']);

    const build = { applicationId: id, buildType: 'dockerfile', dockerfile: 'docker/Dockerfile', dockerContextPath: null, dockerBuildStage: 'runtime', herokuVersion: null, railpackVersion: null };
    assert.equal((await b.call('application.saveBuildType', build)).status, 200);
    const { dockerfile: _omitted, ...noDockerfile } = build;
    assert.equal((await b.call('application.saveBuildType', noDockerfile)).status, 200);
    const r2 = await b.call('application.saveBuildType', { ...build, buildType: 'cobol' });
    assert.equal(r2.status, 400);
    assert.deepEqual(blamed(r2.body), ['buildType']);

    const after = await one(id);
    assert.equal(after.env, 'PORT=3000\nTOKEN=abc');
    assert.equal(after.buildArgs, 'V=2');
    assert.equal(after.buildSecrets, 'NPM_TOKEN=xyz');
    assert.equal(after.createEnvFile, false);
    assert.equal(after.buildType, 'dockerfile');
    assert.equal(after.dockerfile, 'docker/Dockerfile');
    assert.equal(after.dockerBuildStage, 'runtime');
    assert.equal(after.herokuVersion, null);
  });

  test('save*Provider sets the source, resets the status to idle and checks branches and references', async () => {
    const app = await createApp();
    const id = app.applicationId;
    await b.call('application.markRunning', { applicationId: id });

    const github = await b.call('application.saveGithubProvider', { applicationId: id, repository: 'shop', owner: 'acme', buildPath: '/', githubId: null, branch: 'feature/x#1' });
    assert.equal(github.status, 200, github.text);
    let row = await one(id);
    assert.equal(row.sourceType, 'github');
    assert.equal(row.applicationStatus, 'idle');
    assert.equal(row.branch, 'feature/x#1');
    assert.equal(row.triggerType, 'push');

    const badBranch = await b.call('application.saveGithubProvider', { applicationId: id, repository: 'r', owner: 'o', buildPath: '/', githubId: null, branch: 'main;reboot' });
    assert.equal(badBranch.status, 400);
    assert.deepEqual(blamed(badBranch.body), ['branch']);
    const unknownProvider = await b.call('application.saveGithubProvider', { applicationId: id, repository: 'r', owner: 'o', buildPath: '/', githubId: 'no-such-github-000000', branch: 'main' });
    assert.equal(unknownProvider.status, 404);

    const gitlab = await b.call('application.saveGitlabProvider', {
      applicationId: id, gitlabBuildPath: '/app', gitlabOwner: 'acme', gitlabRepository: 'shop', gitlabId: null, gitlabProjectId: 42, gitlabPathNamespace: 'acme/shop', gitlabBranch: 'main',
    });
    assert.equal(gitlab.status, 200, gitlab.text);
    row = await one(id);
    assert.equal(row.sourceType, 'gitlab');
    assert.equal(row.gitlabProjectId, 42);

    const bitbucket = await b.call('application.saveBitbucketProvider', {
      applicationId: id, bitbucketBuildPath: '/', bitbucketOwner: 'acme', bitbucketRepository: 'shop', bitbucketRepositorySlug: 'shop', bitbucketId: null, bitbucketBranch: 'main', watchPaths: ['src/**'],
    });
    assert.equal(bitbucket.status, 200, bitbucket.text);
    assert.deepEqual((await one(id)).watchPaths, ['src/**']);

    const gitea = await b.call('application.saveGiteaProvider', { applicationId: id, giteaBuildPath: '/', giteaOwner: 'acme', giteaRepository: 'shop', giteaId: null, giteaBranch: 'dev', enableSubmodules: true });
    assert.equal(gitea.status, 200, gitea.text);
    row = await one(id);
    assert.equal(row.sourceType, 'gitea');
    assert.equal(row.enableSubmodules, true);

    // watchPaths left out: the ones saved above stay
    const gitKeepsWatch = await b.call('application.saveGitProvider', { applicationId: id, customGitUrl: 'https://git.example.com/acme/shop.git', customGitBuildPath: '/', customGitBranch: 'main' });
    assert.equal(gitKeepsWatch.status, 200, gitKeepsWatch.text);
    assert.deepEqual((await one(id)).watchPaths, ['src/**']);
    const gitLocal = await b.call('application.saveGitProvider', { applicationId: id, customGitUrl: '/srv/repo', customGitBuildPath: '/', customGitBranch: 'main', watchPaths: null });
    assert.equal(gitLocal.status, 400);
    assert.deepEqual(blamed(gitLocal.body), ['customGitUrl']);
    const unknownKey = await b.call('application.saveGitProvider', { applicationId: id, customGitUrl: 'git@example.com:acme/shop.git', customGitBuildPath: '/', customGitBranch: 'main', watchPaths: null, customGitSSHKeyId: 'no-such-key-000000000' });
    assert.equal(unknownKey.status, 404);
    const git = await b.call('application.saveGitProvider', { applicationId: id, customGitUrl: 'git@example.com:acme/shop.git', customGitBuildPath: '/', customGitBranch: 'main', watchPaths: null });
    assert.equal(git.status, 200, git.text);
    assert.equal((await one(id)).sourceType, 'git');

    const docker = await b.call('application.saveDockerProvider', { applicationId: id, dockerImage: 'nginx:1.27', username: 'bot', password: 'pull-secret', registryUrl: 'ghcr.io' });
    assert.equal(docker.status, 200, docker.text);
    row = await one(id);
    assert.equal(row.sourceType, 'docker');
    assert.equal(row.dockerImage, 'nginx:1.27');
    // registryUrl left out: it stays
    const dockerPartial = await b.call('application.saveDockerProvider', { applicationId: id, dockerImage: 'nginx', username: null, password: null });
    assert.equal(dockerPartial.status, 200, dockerPartial.text);
    row = await one(id);
    assert.deepEqual([row.dockerImage, row.username, row.registryUrl], ['nginx', null, 'ghcr.io']);
  });

  test('disconnectGitProvider clears every git source field and keeps the docker fields', async () => {
    const app = await createApp();
    const id = app.applicationId;
    await b.call('application.saveDockerProvider', { applicationId: id, dockerImage: 'redis:7', username: null, password: null, registryUrl: null });
    await b.call('application.saveGithubProvider', { applicationId: id, repository: 'shop', owner: 'acme', buildPath: '/sub', githubId: null, branch: 'main', triggerType: 'tag', watchPaths: ['a/**'], enableSubmodules: true });
    await b.call('application.saveGitProvider', { applicationId: id, customGitUrl: 'https://git.example.com/x.git', customGitBuildPath: '/x', customGitBranch: 'main', watchPaths: null });
    const r = await b.call('application.disconnectGitProvider', { applicationId: id });
    assert.equal(r.status, 200);
    assert.equal(r.body, true);
    const row = await one(id);
    for (const f of ['repository', 'owner', 'branch', 'customGitUrl', 'customGitBranch', 'customGitBuildPath', 'watchPaths']) assert.equal(row[f], null, f);
    assert.equal(row.buildPath, '/');
    assert.equal(row.triggerType, 'push');
    assert.equal(row.enableSubmodules, false);
    assert.equal(row.sourceType, 'github');
    assert.equal(row.applicationStatus, 'idle');
    assert.equal(row.dockerImage, 'redis:7');
  });

  test('markRunning answers an empty body and is open to deployers; refreshToken replaces the token', async () => {
    const app = await createApp();
    const r = await b.call('application.markRunning', { applicationId: app.applicationId }, { token: deployer });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.equal((await one(app.applicationId)).applicationStatus, 'running');
    assert.equal((await b.call('application.markRunning', { applicationId: app.applicationId }, { token: readOnly })).status, 403);

    const t2 = await b.call('application.refreshToken', { applicationId: app.applicationId });
    assert.equal(t2.body, true);
    const token = (await one(app.applicationId)).refreshToken;
    assert.notEqual(token, app.refreshToken);
    assert.equal(token.length, 21);
  });

  test('read-only and deployer tokens read but may not write', async () => {
    const app = await createApp();
    for (const token of [readOnly, deployer]) {
      assert.equal((await b.call('application.create', { name: 'x', environmentId: envId }, { token })).status, 403);
      assert.equal((await b.call('application.update', { applicationId: app.applicationId, name: 'x' }, { token })).status, 403);
      assert.equal((await b.call('application.delete', { applicationId: app.applicationId }, { token })).status, 403);
      assert.equal((await b.call('project.duplicate', { sourceEnvironmentId: envId, name: 'x' }, { token })).status, 403);
      assert.equal((await b.call('application.one', { applicationId: app.applicationId }, { token })).status, 200);
      assert.equal((await b.call('application.search', {}, { token })).status, 200);
    }
    assert.equal((await one(app.applicationId)).name, 'web');
  });

  test('env texts are shown to admins only; the docker password to nobody', async () => {
    const { environment } = (await b.call('project.create', { name: 'masked', env: 'PROJECT_KEY=project-secret' })).body;
    await b.call('environment.update', { environmentId: environment.environmentId, env: 'ENV_KEY=environment-secret' });
    const app = await createApp({ environmentId: environment.environmentId });
    const id = app.applicationId;
    await b.call('application.saveEnvironment', { applicationId: id, env: 'DB_URL=postgres://u:hunter2@db/x\nDEBUG=0', buildArgs: 'V=1', buildSecrets: 'NPM_TOKEN=npm-abc', createEnvFile: true });
    await b.call('application.update', { applicationId: id, previewEnv: 'PREVIEW_SECRET=p1' });
    await b.call('application.saveDockerProvider', { applicationId: id, dockerImage: 'ghcr.io/acme/x:1', username: 'bot', password: 'registry-pass', registryUrl: 'ghcr.io' });

    const admin = await one(id);
    assert.equal(admin.env, 'DB_URL=postgres://u:hunter2@db/x\nDEBUG=0');
    assert.equal(admin.buildSecrets, 'NPM_TOKEN=npm-abc');
    assert.equal(admin.password, MASK);
    assert.equal(admin.username, 'bot');

    const ro = await one(id, readOnly);
    assert.equal(ro.env, `DB_URL=${MASK}\nDEBUG=${MASK}`);
    assert.equal(ro.buildArgs, `V=${MASK}`);
    assert.equal(ro.buildSecrets, `NPM_TOKEN=${MASK}`);
    assert.equal(ro.previewEnv, `PREVIEW_SECRET=${MASK}`);
    assert.equal(ro.password, MASK);
    assert.equal(ro.environment.env, `ENV_KEY=${MASK}`);
    assert.equal(ro.environment.project.env, `PROJECT_KEY=${MASK}`);
    assert.equal(admin.environment.project.env, 'PROJECT_KEY=project-secret');
    assert.ok(!JSON.stringify(ro).includes('hunter2'));
    assert.ok(!JSON.stringify(admin).includes('registry-pass'));

    // Sending the mask back (a client echoing a row) keeps the stored password.
    assert.equal((await b.call('application.update', { applicationId: id, password: MASK, username: 'bot2' })).status, 200);
    const raw = b.store.applications.get(id);
    assert.equal(raw.password, 'registry-pass');
    assert.equal(raw.username, 'bot2');
    const deleted = await b.call('application.delete', { applicationId: id });
    assert.equal(deleted.body.password, MASK);
  });

  test('secrets are encrypted at rest: no table of berth.db holds their plaintext', async () => {
    const app = await createApp();
    const id = app.applicationId;
    const secrets = ['env-plain-7f3a', 'buildsecret-plain-91c2', 'dockerpass-plain-5e88', 'buildarg-plain-22d1', 'previewenv-plain-0b4d'];
    await b.call('application.saveEnvironment', { applicationId: id, env: `K=${secrets[0]}`, buildArgs: `B=${secrets[3]}`, buildSecrets: `S=${secrets[1]}`, createEnvFile: true });
    await b.call('application.saveDockerProvider', { applicationId: id, dockerImage: 'x', username: 'u', password: secrets[2], registryUrl: null });
    await b.call('application.update', { applicationId: id, previewEnv: `P=${secrets[4]}`, previewBuildSecrets: `Q=${secrets[4]}` });
    // duplicated rows must stay sealed too
    await b.call('project.duplicate', { sourceEnvironmentId: envId, name: 'sealed-copy', selectedServices: [{ id, type: 'application' }] });

    const sqlite = new Database(`${b.dataDir}/berth.db`, { nativeBinding, readonly: true });
    try {
      const tables = sqlite.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[];
      let scanned = 0;
      for (const { name } of tables) {
        for (const row of sqlite.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]) {
          const text = JSON.stringify(row);
          scanned++;
          for (const s of secrets) assert.ok(!text.includes(s), `${s} found in table ${name}`);
        }
      }
      assert.ok(scanned > 0);
      const stored = sqlite.prepare('select env, password from application where applicationId = ?').get(id) as { env: string; password: string };
      assert.match(stored.env, /^v1:/);
      assert.match(stored.password, /^v1:/);
    } finally {
      sqlite.close();
    }
    assert.equal((await one(id)).env, `K=${secrets[0]}`);
  });

  test('delete returns the row as it was and removes it with its children', async () => {
    const app = await createApp();
    const id = app.applicationId;
    b.store.db.insert(t.port).values({ portId: newId(), publishedPort: 9000, targetPort: 90, applicationId: id }).run();
    const r = await b.call('application.delete', { applicationId: id });
    assert.equal(r.status, 200);
    assert.equal(r.body.applicationId, id);
    assert.equal(r.body.appName, app.appName);
    assert.equal((await b.call('application.one', { applicationId: id })).status, 404);
    assert.equal((await b.call('application.delete', { applicationId: id })).status, 404);
    const ports = b.store.db.select().from(t.port).all().filter((p) => p.applicationId === id);
    assert.deepEqual(ports, []);
  });

  test('search filters case-insensitively, newest first, with pagination and a total', async () => {
    const { project, environment } = (await b.call('project.create', { name: 'searchable' })).body;
    const mk = (input: Record<string, unknown>) => createApp({ environmentId: environment.environmentId, ...input });
    const alpha = await mk({ name: 'Alpha Shop', description: 'The STORE front' });
    const beta = await mk({ name: 'beta-api' });
    const gamma = await mk({ name: 'gamma' });
    await b.call('application.saveDockerProvider', { applicationId: gamma.applicationId, dockerImage: 'Nginx:Alpine', username: null, password: null, registryUrl: null });
    await b.call('application.saveGithubProvider', { applicationId: beta.applicationId, repository: 'Beta-Repo', owner: 'ACME', buildPath: '/', githubId: null, branch: 'main' });

    const search = async (input: Record<string, unknown>) => {
      const r = await b.call('application.search', { projectId: project.projectId, ...input });
      assert.equal(r.status, 200, r.text);
      return r.body;
    };
    const all = await search({});
    assert.equal(all.total, 3);
    assert.deepEqual(all.items.map((i: { name: string }) => i.name), ['gamma', 'beta-api', 'Alpha Shop']);
    assert.deepEqual(Object.keys(all.items[0]).sort(), ['appName', 'applicationId', 'applicationStatus', 'createdAt', 'description', 'environmentId', 'name', 'sourceType']);
    assert.deepEqual((await search({ q: 'store' })).items.map((i: { applicationId: string }) => i.applicationId), [alpha.applicationId]);
    assert.equal((await search({ q: 'nginx' })).items[0].applicationId, gamma.applicationId);
    assert.equal((await search({ owner: 'acme' })).items[0].applicationId, beta.applicationId);
    assert.equal((await search({ repository: 'beta-r' })).total, 1);
    assert.equal((await search({ dockerImage: 'ALPINE' })).total, 1);
    assert.equal((await search({ appName: alpha.appName })).total, 1);
    assert.equal((await search({ name: 'a', description: 'front' })).total, 1);
    assert.equal((await search({ environmentId: environment.environmentId })).total, 3);
    const page = await search({ limit: 1, offset: 1 });
    assert.equal(page.total, 3);
    assert.deepEqual(page.items.map((i: { name: string }) => i.name), ['beta-api']);
    const bad = await b.call('application.search', { limit: 101 });
    assert.equal(bad.status, 400);
    assert.deepEqual(blamed(bad.body), ['limit']);
    assert.equal((await b.call('application.search', { offset: -1 })).status, 400);
  });

  test('move puts an application in another environment', async () => {
    const app = await createApp();
    const staging = (await b.call('environment.create', { name: 'staging', projectId })).body;
    const r = await b.call('application.move', { applicationId: app.applicationId, targetEnvironmentId: staging.environmentId });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.environmentId, staging.environmentId);
    assert.equal((await one(app.applicationId)).environment.name, 'staging');
    assert.equal((await b.call('application.move', { applicationId: app.applicationId, targetEnvironmentId: 'no-such-environment00' })).status, 404);
    assert.equal((await b.call('application.move', { applicationId: 'no-such-application0', targetEnvironmentId: envId })).status, 404);
    assert.equal((await b.call('application.move', { applicationId: app.applicationId })).status, 400);
  });

  describe('project.duplicate', () => {
    let source: { environmentId: string; projectId: string };
    let api: { applicationId: string; appName: string; refreshToken: string };
    let worker: { applicationId: string };

    before(async () => {
      source = (await b.call('project.create', { name: 'origin', env: 'PROJECT_ONLY=1' })).body.environment;
      api = await createApp({ name: 'api', appName: 'shop-api', environmentId: source.environmentId });
      worker = await createApp({ name: 'worker', environmentId: source.environmentId });
      await b.call('application.saveEnvironment', { applicationId: api.applicationId, env: 'A=1', buildArgs: null, buildSecrets: null, createEnvFile: true });
      await b.call('application.update', { applicationId: api.applicationId, replicas: 2, applicationStatus: 'done' });
      const db = b.store.db;
      const id = api.applicationId;
      db.insert(t.domain).values({ domainId: newId(), host: 'shop.example.com', uniqueConfigKey: 7001, applicationId: id, createdAt: now() }).run();
      db.insert(t.port).values({ portId: newId(), publishedPort: 8081, targetPort: 80, applicationId: id }).run();
      db.insert(t.mount).values({ mountId: newId(), type: 'file', filePath: 'conf/app.ini', content: 'x=1', mountPath: '/etc/app.ini', applicationId: id }).run();
      db.insert(t.redirect).values({ redirectId: newId(), regex: '^/a', replacement: '/b', uniqueConfigKey: 7001, createdAt: now(), applicationId: id }).run();
      db.insert(t.security).values({ securityId: newId(), username: 'admin', password: 'x', createdAt: now(), applicationId: id }).run();
    });

    const appsOf = async (environmentId: string) => (await b.call('environment.one', { environmentId })).body.applications as { applicationId: string; name: string }[];

    test('into a new project: every application with its settings and children, under new names and tokens', async () => {
      const r = await b.call('project.duplicate', { sourceEnvironmentId: source.environmentId, name: 'clone', description: 'a copy' });
      assert.equal(r.status, 200, r.text);
      const env = r.body;
      assert.equal(env.name, 'production');
      assert.equal(env.isDefault, true);
      assert.notEqual(env.projectId, source.projectId);
      const project = (await b.call('project.one', { projectId: env.projectId })).body;
      assert.equal(project.name, 'clone');
      assert.equal(project.description, 'a copy');
      assert.equal(project.env, '');

      const copies = await appsOf(env.environmentId);
      assert.deepEqual(copies.map((a) => a.name).sort(), ['api', 'worker']);
      const copy = await one(copies.find((a) => a.name === 'api')!.applicationId);
      assert.match(copy.appName, /^shop-api-[a-z0-9]{6}$/);
      assert.notEqual(copy.appName, api.appName);
      assert.notEqual(copy.refreshToken, api.refreshToken);
      assert.equal(copy.applicationStatus, 'idle');
      assert.equal(copy.replicas, 2);
      assert.equal(copy.env, 'A=1');
      assert.deepEqual(copy.domains.map((d: { host: string; enabled: boolean }) => [d.host, d.enabled]), [['shop.example.com', false]]);
      assert.notEqual(copy.domains[0].uniqueConfigKey, 7001);
      assert.equal(copy.ports[0].publishedPort, 8081);
      assert.equal(copy.mounts[0].content, 'x=1');
      assert.equal(copy.redirects[0].regex, '^/a');
      assert.equal(copy.security[0].username, 'admin');
      assert.equal(copy.deployments.length, 0);
      // the original keeps its children
      const original = await one(api.applicationId);
      assert.equal(original.domains.length, 1);
      assert.equal(original.domains[0].enabled, true);
    });

    test('in the same project: selected applications beside the originals, named " (copy)"', async () => {
      const r = await b.call('project.duplicate', {
        sourceEnvironmentId: source.environmentId,
        name: 'ignored',
        duplicateInSameProject: true,
        selectedServices: [{ id: worker.applicationId, type: 'application' }],
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.environmentId, source.environmentId);
      const names = (await appsOf(source.environmentId)).map((a) => a.name).sort();
      assert.deepEqual(names, ['api', 'worker', 'worker (copy)']);
    });

    test('includeServices false makes just the project; unsupported or unknown services are refused', async () => {
      const before = (await b.call('project.all')).body.length;
      const empty = await b.call('project.duplicate', { sourceEnvironmentId: source.environmentId, name: 'bare', includeServices: false });
      assert.equal(empty.status, 200);
      assert.deepEqual(await appsOf(empty.body.environmentId), []);

      const compose = await b.call('project.duplicate', { sourceEnvironmentId: source.environmentId, name: 'nope', selectedServices: [{ id: 'c1', type: 'compose' }] });
      assert.equal(compose.status, 400);
      assert.match(compose.body.message, /not supported/);
      const unknown = await b.call('project.duplicate', { sourceEnvironmentId: source.environmentId, name: 'nope', selectedServices: [{ id: 'no-such-app-00000000', type: 'application' }] });
      assert.equal(unknown.status, 404);
      const badType = await b.call('project.duplicate', { sourceEnvironmentId: source.environmentId, name: 'nope', selectedServices: [{ id: 'x', type: 'cobol' }] });
      assert.equal(badType.status, 400);
      assert.equal((await b.call('project.duplicate', { sourceEnvironmentId: 'no-such-environment00', name: 'nope' })).status, 404);
      // refused calls left no project behind
      assert.equal((await b.call('project.all')).body.length, before + 1);
    });
  });
});
