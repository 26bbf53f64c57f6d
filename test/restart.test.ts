import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { readTestEnv } from './helpers/test-env.js';
import { nativeBinding } from '../src/store/native-binding.js';

const testEnv = readTestEnv();

/** Every row of every table, as stored. */
function dump(dataDir: string): Record<string, unknown[]> {
  const db = new Database(path.join(dataDir, 'berth.db'), { nativeBinding, readonly: true });
  const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as { name: string }[];
  const out = Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`select * from "${name}" order by rowid`).all()]));
  db.close();
  return out;
}

describe('a restart keeps every row', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth();
  });
  after(() => b.close());

  test('one of everything survives a restart, in the database and over the API', async () => {
    const ok = async (proc: string, input: Record<string, unknown>) => {
      const r = await b.call(proc, input);
      assert.equal(r.status, 200, `${proc}: ${r.text}`);
      return r.body;
    };
    const { project, environment } = await ok('project.create', { name: 'keep', env: 'P=1' });
    const app = await ok('application.create', { name: 'keep', environmentId: environment.environmentId });
    const id = app.applicationId;
    await ok('application.saveEnvironment', { applicationId: id, env: 'SECRET=s3cr3t', buildArgs: 'A=1', buildSecrets: 'T=2', createEnvFile: true });
    await ok('application.saveDockerProvider', { applicationId: id, dockerImage: 'busybox:latest', username: 'u', password: 'p', registryUrl: '' });
    await ok('domain.create', { host: 'keep.example.com', applicationId: id, https: true, certificateType: 'letsencrypt' });
    await ok('port.create', { publishedPort: 8081, targetPort: 80, applicationId: id });
    await ok('mounts.create', { type: 'volume', volumeName: 'keep-data', mountPath: '/data', serviceId: id });
    await ok('redirects.create', { regex: '^/old', replacement: '/new', permanent: true, applicationId: id });
    await ok('security.create', { applicationId: id, username: 'admin', password: 'pw' });
    const keys = await ok('sshKey.generate', { type: 'ed25519' });
    await ok('sshKey.create', { name: 'deploy', privateKey: keys.privateKey, publicKey: keys.publicKey, organizationId: 'x' });
    await ok('gitea.create', { name: 'gitea', giteaUrl: 'https://gitea.example.com', accessToken: 'tok' });
    await ok('registry.create', {
      registryName: 'local', username: testEnv.registry.username, password: testEnv.registry.password,
      registryUrl: testEnv.registry.url, registryType: 'cloud', imagePrefix: null,
    });
    await ok('user.createApiKey', { name: 'kept', role: 'deployer', metadata: { organizationId: 'berth' } });

    const rowsBefore = dump(b.dataDir);
    for (const table of ['project', 'environment', 'application', 'domain', 'port', 'mount', 'redirect', 'security', 'ssh-key', 'git_provider', 'gitea', 'registry', 'apikey'])
      assert.ok(rowsBefore[table]?.length > 0, `nothing stored in ${table}`);
    const apiBefore = [await ok('application.one', { applicationId: id }), await ok('project.all', {}), await ok('registry.all', {}), await ok('sshKey.all', {})];

    await b.restart();

    assert.deepEqual(dump(b.dataDir), rowsBefore);
    const apiAfter = [await ok('application.one', { applicationId: id }), await ok('project.all', {}), await ok('registry.all', {}), await ok('sshKey.all', {})];
    assert.deepEqual(apiAfter, apiBefore);
    assert.equal(apiAfter[0].env, 'SECRET=s3cr3t');
    assert.equal(apiAfter[1].find((p: { projectId: string }) => p.projectId === project.projectId).env, 'P=1');
  });
});
