import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertBadField, newApplication, readOnlyToken, type AppRef } from '../helpers/app-children.js';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';

describe('mounts', () => {
  let b: TestBerth;
  let app: AppRef;
  let paths = 0;
  const target = () => `/mnt/m${++paths}`;
  const create = (input: Record<string, unknown>) => b.call('mounts.create', { serviceId: app.applicationId, mountPath: target(), ...input });

  before(async () => {
    b = await startTestBerth();
    app = await newApplication(b, 'files');
  });
  after(() => b.close());

  test('bind, volume and file mounts are created with only their own source', async () => {
    const bind = await create({ type: 'bind', hostPath: '/srv/data', volumeName: 'ignored' });
    assert.equal(bind.status, 200, bind.text);
    assert.equal(bind.body.type, 'bind');
    assert.equal(bind.body.hostPath, '/srv/data');
    assert.equal(bind.body.volumeName, null, 'a bind mount keeps no volume name');
    assert.equal(bind.body.serviceType, 'application');
    assert.equal(bind.body.applicationId, app.applicationId);

    const volume = await create({ type: 'volume', volumeName: 'files_data-1.0' });
    assert.equal(volume.status, 200, volume.text);
    assert.equal(volume.body.volumeName, 'files_data-1.0');
    assert.equal(volume.body.hostPath, null);

    const file = await create({ type: 'file', filePath: 'conf/app.ini', content: 'debug=false\n', mountPath: '/etc/app.ini' });
    assert.equal(file.status, 200, file.text);
    assert.equal(file.body.filePath, 'conf/app.ini');
    assert.equal(file.body.content, 'debug=false\n');
    assert.equal(file.body.mountPath, '/etc/app.ini');
  });

  test('one, listByServiceId, update and remove', async () => {
    const m = (await create({ type: 'volume', volumeName: 'cache' })).body;
    const one = await b.call('mounts.one', { mountId: m.mountId });
    assert.equal(one.status, 200);
    assert.equal(one.body.volumeName, 'cache');
    assert.deepEqual(one.body.application, app);

    const list = await b.call('mounts.listByServiceId', { serviceType: 'application', serviceId: app.applicationId });
    assert.equal(list.status, 200);
    assert.ok(list.body.some((x: { mountId: string }) => x.mountId === m.mountId));

    const renamed = await b.call('mounts.update', { mountId: m.mountId, volumeName: 'cache2', mountPath: '/cache' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.volumeName, 'cache2');
    assert.equal(renamed.body.mountPath, '/cache');

    // Changing the type needs the new type's source and drops the old one.
    assertBadField(await b.call('mounts.update', { mountId: m.mountId, type: 'bind' }), 'hostPath');
    const bind = await b.call('mounts.update', { mountId: m.mountId, type: 'bind', hostPath: '/srv/cache' });
    assert.equal(bind.status, 200, bind.text);
    assert.equal(bind.body.type, 'bind');
    assert.equal(bind.body.hostPath, '/srv/cache');
    assert.equal(bind.body.volumeName, null);

    // Dokploy's form sends the whole row back, owner columns included.
    const roundTrip = await b.call('mounts.update', { ...bind.body, content: 'x', hostPath: '/srv/cache2' });
    assert.equal(roundTrip.status, 200, roundTrip.text);
    assert.equal(roundTrip.body.hostPath, '/srv/cache2');

    const removed = await b.call('mounts.remove', { mountId: m.mountId });
    assert.equal(removed.status, 200);
    assert.equal(removed.body.mountId, m.mountId);
    assert.equal((await b.call('mounts.one', { mountId: m.mountId })).status, 404);
  });

  test('each type needs a valid source, naming the field', async () => {
    assertBadField(await create({ type: 'bind' }), 'hostPath');
    assertBadField(await create({ type: 'bind', hostPath: 'relative/dir' }), 'hostPath');
    assertBadField(await create({ type: 'volume' }), 'volumeName');
    assertBadField(await create({ type: 'volume', volumeName: 'bad/name' }), 'volumeName');
    assertBadField(await create({ type: 'volume', volumeName: '-leading' }), 'volumeName');
    assertBadField(await create({ type: 'file', content: 'x' }), 'filePath');
    assertBadField(await create({ type: 'file', filePath: '/etc/passwd', content: 'x' }), 'filePath');
    assertBadField(await create({ type: 'file', filePath: '../../etc/passwd', content: 'x' }), 'filePath');
    assertBadField(await create({ type: 'file', filePath: 'a/../../b', content: 'x' }), 'filePath');
    assertBadField(await create({ type: 'file', filePath: 'a.txt' }), 'content');
    assertBadField(await create({ type: 'volume', volumeName: 'v', mountPath: 'data' }), 'mountPath');
    assertBadField(await create({ type: 'volume', volumeName: 'v', mountPath: '' }), 'mountPath');
    assertBadField(await create({ type: 'volume', volumeName: 'v', mountPath: '/' }), 'mountPath');
    assertBadField(await create({ type: 'tmpfs' }), 'type');
    const existing = (await create({ type: 'volume', volumeName: 'v' })).body;
    assertBadField(await b.call('mounts.update', { mountId: existing.mountId, mountPath: 'rel' }), 'mountPath');
    assertBadField(await b.call('mounts.update', { mountId: existing.mountId, type: 'file', filePath: 'x' }), 'content');
  });

  test('Berth mounts into applications only', async () => {
    assertBadField(await create({ type: 'volume', volumeName: 'v', serviceType: 'postgres' }), 'serviceType');
    assertBadField(await b.call('mounts.listByServiceId', { serviceType: 'compose', serviceId: app.applicationId }), 'serviceType');
    const m = (await create({ type: 'volume', volumeName: 'v' })).body;
    assertBadField(await b.call('mounts.update', { mountId: m.mountId, composeId: 'c1' }), 'composeId');
    const other = await newApplication(b, 'other');
    assertBadField(await b.call('mounts.update', { mountId: m.mountId, applicationId: other.applicationId }), 'applicationId');
    assert.equal((await b.call('mounts.one', { mountId: m.mountId })).body.applicationId, app.applicationId);
  });

  test('one container path holds one mount per application', async () => {
    const first = await create({ type: 'volume', volumeName: 'a', mountPath: '/data' });
    assert.equal(first.status, 200, first.text);
    assert.equal((await create({ type: 'bind', hostPath: '/srv', mountPath: '/data' })).status, 409);
    const second = (await create({ type: 'volume', volumeName: 'b', mountPath: '/data2' })).body;
    assert.equal((await b.call('mounts.update', { mountId: second.mountId, mountPath: '/data' })).status, 409);
    const other = await newApplication(b, 'other-data');
    const elsewhere = await b.call('mounts.create', { type: 'volume', volumeName: 'a', mountPath: '/data', serviceId: other.applicationId });
    assert.equal(elsewhere.status, 200, elsewhere.text);
  });

  test('unknown ids answer 404', async () => {
    assert.equal((await b.call('mounts.create', { type: 'volume', volumeName: 'v', mountPath: '/v', serviceId: 'nope' })).status, 404);
    assert.equal((await b.call('mounts.listByServiceId', { serviceType: 'application', serviceId: 'nope' })).status, 404);
    assert.equal((await b.call('mounts.one', { mountId: 'nope' })).status, 404);
    assert.equal((await b.call('mounts.update', { mountId: 'nope', mountPath: '/x' })).status, 404);
    assert.equal((await b.call('mounts.remove', { mountId: 'nope' })).status, 404);
  });

  test('a read-only token reads mounts but cannot change them', async () => {
    const ro = readOnlyToken(b);
    const m = (await create({ type: 'volume', volumeName: 'ro' })).body;
    assert.equal((await b.call('mounts.one', { mountId: m.mountId }, { token: ro })).status, 200);
    assert.equal((await b.call('mounts.listByServiceId', { serviceType: 'application', serviceId: app.applicationId }, { token: ro })).status, 200);
    assert.equal((await b.call('mounts.create', { type: 'volume', volumeName: 'x', mountPath: '/ro-x', serviceId: app.applicationId }, { token: ro })).status, 403);
    assert.equal((await b.call('mounts.update', { mountId: m.mountId, volumeName: 'changed' }, { token: ro })).status, 403);
    assert.equal((await b.call('mounts.remove', { mountId: m.mountId }, { token: ro })).status, 403);
    assert.equal((await b.call('mounts.one', { mountId: m.mountId })).body.volumeName, 'ro');
  });
});
