import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';

describe('projects and environments', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth();
  });
  after(() => b.close());

  test('a new project comes with its production environment', async () => {
    const r = await b.call('project.create', { name: 'shop', description: 'the shop', env: 'REGION=eu' });
    assert.equal(r.status, 200);
    assert.equal(r.body.project.name, 'shop');
    assert.equal(r.body.project.env, 'REGION=eu');
    assert.equal(r.body.environment.name, 'production');
    assert.equal(r.body.environment.isDefault, true);
    const one = await b.call('project.one', { projectId: r.body.project.projectId });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.environments.map((e: { name: string }) => e.name), ['production']);
    assert.deepEqual(one.body.environments[0].applications, []);
  });

  test('project CRUD: all newest first, update, search, remove', async () => {
    const a = (await b.call('project.create', { name: 'alpha' })).body.project;
    const z = (await b.call('project.create', { name: 'zulu' })).body.project;
    const all = (await b.call('project.all')).body;
    assert.equal(all[0].projectId, z.projectId);
    const upd = await b.call('project.update', { projectId: a.projectId, name: 'alpha2', description: null });
    assert.equal(upd.body.name, 'alpha2');
    const found = (await b.call('project.search', { q: 'ALPHA' })).body;
    assert.equal(found.total, 1);
    assert.equal(found.items[0].projectId, a.projectId);
    const paged = (await b.call('project.search', { limit: 1, offset: 1 })).body;
    assert.equal(paged.items.length, 1);
    assert.ok(paged.total >= 3);
    const removed = await b.call('project.remove', { projectId: a.projectId });
    assert.equal(removed.body.projectId, a.projectId);
    assert.equal((await b.call('project.one', { projectId: a.projectId })).status, 404);
    const stats = (await b.call('project.homeStats')).body;
    assert.equal(typeof stats.projects, 'number');
  });

  test('environments: create, rules on production, update, duplicate, remove', async () => {
    const { project } = (await b.call('project.create', { name: 'envs' })).body;
    const reserved = await b.call('environment.create', { name: 'production', projectId: project.projectId });
    assert.equal(reserved.status, 400);
    assert.equal(reserved.body.issues[0].path[0], 'name');
    const staging = (await b.call('environment.create', { name: 'staging', projectId: project.projectId })).body;
    assert.equal(staging.isDefault, false);
    const list = (await b.call('environment.byProjectId', { projectId: project.projectId })).body;
    assert.deepEqual(list.map((e: { name: string }) => e.name), ['production', 'staging']);
    const prod = list[0];
    assert.equal((await b.call('environment.update', { environmentId: prod.environmentId, name: 'prod' })).status, 400);
    assert.equal((await b.call('environment.remove', { environmentId: prod.environmentId })).status, 400);
    const upd = (await b.call('environment.update', { environmentId: staging.environmentId, env: 'A=1' })).body;
    assert.equal(upd.env, 'A=1');
    const dup = (await b.call('environment.duplicate', { environmentId: staging.environmentId, name: 'qa' })).body;
    assert.equal(dup.env, 'A=1');
    assert.equal(dup.projectId, project.projectId);
    const one = (await b.call('environment.one', { environmentId: dup.environmentId })).body;
    assert.equal(one.project.projectId, project.projectId);
    assert.deepEqual(one.applications, []);
    assert.equal((await b.call('environment.remove', { environmentId: dup.environmentId })).status, 200);
    assert.equal((await b.call('environment.one', { environmentId: dup.environmentId })).status, 404);
    const search = (await b.call('environment.search', { projectId: project.projectId, q: 'stag' })).body;
    assert.equal(search.total, 1);
  });

  test('bad input: missing fields, wrong types, unknown ids', async () => {
    const missing = await b.call('environment.create', { name: 'x' });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.issues.map((i: { path: string[] }) => i.path[0]), ['projectId']);
    const wrongType = await b.call('project.search', { limit: 'many' });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.issues[0].path[0], 'limit');
    const tooBig = await b.call('project.search', { limit: 1000 });
    assert.equal(tooBig.status, 400);
    const empty = await b.call('project.one', { projectId: '' });
    assert.equal(empty.status, 400);
    const unknown = await b.call('environment.create', { name: 'x', projectId: 'does-not-exist-00000' });
    assert.equal(unknown.status, 404);
  });

  test('cached reads change with every write and stay masked per role', async () => {
    const ro = b.store.apiKeys.create({ name: 'ro-cache', role: 'read-only' }).key;
    const first = (await b.call('project.all')).body.length;
    assert.equal((await b.call('project.all')).body.length, first);
    const { project } = (await b.call('project.create', { name: 'cache-check', env: 'SECRET=hunter2' })).body;
    const admin = (await b.call('project.all')).body;
    assert.equal(admin.length, first + 1);
    assert.equal(admin.find((p: { projectId: string }) => p.projectId === project.projectId).env, 'SECRET=hunter2');
    const reader = (await b.call('project.all', {}, { token: ro })).body;
    assert.equal(reader.find((p: { projectId: string }) => p.projectId === project.projectId).env, 'SECRET=********');
    await b.call('project.update', { projectId: project.projectId, name: 'cache-check-2' });
    const renamed = (await b.call('project.all')).body.find((p: { projectId: string }) => p.projectId === project.projectId);
    assert.equal(renamed.name, 'cache-check-2');
  });

  test('a restart keeps every row', async () => {
    const before = (await b.call('project.all')).body;
    await b.restart();
    const after = (await b.call('project.all')).body;
    assert.deepEqual(after, before);
  });
});
