import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ORGANIZATION_ID } from '../../src/model/common.js';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';

/** Dokploy's createApiKey names the organization; Berth has one. */
const metadata = { organizationId: ORGANIZATION_ID };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `berth <args>` from the sources, on the given data directory. */
function berthCli(dataDir: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/cli.ts'), ...args],
      { cwd: root, env: { ...process.env, BERTH_DATA_DIR: dataDir }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('berth token (command line) against a running server', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth();
  });
  after(() => b.close());

  test('a read-only token made on the command line reads but may not write, and revoking it locks it out at once', async () => {
    const made = await berthCli(b.dataDir, 'token', 'create', '--name', 'ci-reader', '--role', 'read-only', '--expires-in', '3600');
    assert.equal(made.code, 0, made.stderr);
    const token = made.stdout.trim();
    assert.match(token, /^berth_\S+$/);
    const id = made.stderr.match(/id (\S+),/)?.[1];
    assert.ok(id, made.stderr);

    assert.equal((await b.call('project.all', {}, { token })).status, 200);
    const write = await b.call('project.create', { name: 'nope' }, { token });
    assert.equal(write.status, 403);
    assert.equal(write.body.code, 'FORBIDDEN');

    const list = await berthCli(b.dataDir, 'token', 'list');
    assert.equal(list.code, 0, list.stderr);
    const [header, ...rows] = list.stdout.trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['ID', 'NAME', 'ROLE', 'CREATED', 'EXPIRES', 'ENABLED']);
    const row = rows.find((r) => r.startsWith(id));
    assert.ok(row, list.stdout);
    assert.match(row, /ci-reader\s+read-only\s+\S+ \S+\s+\S+ \S+\s+yes$/);
    assert.ok(!list.stdout.includes(token), 'token list must never print a token');
    assert.ok(!list.stdout.includes(b.token), 'token list must never print a token');

    const revoked = await berthCli(b.dataDir, 'token', 'revoke', id);
    assert.equal(revoked.code, 0, revoked.stderr);
    const after = await b.call('project.all', {}, { token });
    assert.equal(after.status, 401);
    assert.equal(after.body.code, 'UNAUTHORIZED');
    assert.ok(!(await berthCli(b.dataDir, 'token', 'list')).stdout.includes(id));
  });

  test('revoking an unknown id exits 1 and says so', async () => {
    const r = await berthCli(b.dataDir, 'token', 'revoke', 'no-such-token');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no token with id "no-such-token"/);
  });

  test('an id that starts with "-" (nanoid\'s alphabet has it) is an id, not an option', async () => {
    const r = await berthCli(b.dataDir, 'token', 'revoke', '-bQx3');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no token with id "-bQx3"/);
  });

  test('bad usage exits 2 with the usage text', async () => {
    const cases = [
      [],
      ['token'],
      ['token', 'frobnicate'],
      ['token', 'create'],
      ['token', 'create', '--name', 'x', '--role', 'superuser'],
      ['token', 'create', '--name', 'x', '--expires-in', 'soon'],
      ['token', 'create', '--name', 'x', '--colour', 'red'],
      ['token', 'revoke'],
      ['registry-service', '--port', '0'],
      ['registry-service', '--tls-cert', 'cert.pem'],
      ['registry-service', 'extra'],
    ];
    const runs = await Promise.all(cases.map((args) => berthCli(b.dataDir, ...args)));
    for (const [i, r] of runs.entries()) {
      const args = cases[i];
      assert.equal(r.code, 2, `berth ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Usage:\n\s+berth token create/, args.join(' '));
      assert.equal(r.stdout, '');
    }
  });

  test('registry-service refuses to run without the login it gives the registry, before any Docker call', async () => {
    const r = await berthCli(b.dataDir, 'registry-service');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /set BERTH_REGISTRY_USERNAME \(no ":"\) and BERTH_REGISTRY_PASSWORD/);
    assert.equal(r.stdout, '');
  });

  test('a data directory Berth never ran in is refused, not created', async () => {
    const missing = path.join(b.dataDir, 'elsewhere');
    const r = await berthCli(missing, 'token', 'list');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no Berth data in/);
  });
});

describe('API tokens over the API', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth();
  });
  after(() => b.close());

  test('a deployer token works for reads, is refused project.create, and dies when deleted', async () => {
    const made = await b.call('user.createApiKey', { name: 'deployer-1', role: 'deployer', metadata });
    assert.equal(made.status, 200);
    const { key, id } = made.body;
    assert.match(key, /^berth_/);

    assert.equal((await b.call('project.all', {}, { token: key })).status, 200);
    const me = await b.call('user.get', {}, { token: key });
    assert.equal(me.body.role, 'deployer');
    const write = await b.call('project.create', { name: 'x' }, { token: key });
    assert.equal(write.status, 403);
    assert.equal(write.body.code, 'FORBIDDEN');

    const del = await b.call('user.deleteApiKey', { apiKeyId: id });
    assert.equal(del.status, 200);
    assert.equal((await b.call('project.all', {}, { token: key })).status, 401);
    assert.equal((await b.call('user.deleteApiKey', { apiKeyId: id })).status, 404);
  });

  test('listing tokens never shows a token or its hash', async () => {
    const made = await b.call('user.createApiKey', { name: 'listed', role: 'read-only', expiresIn: 60, metadata });
    const list = await b.call('user.listApiKeys');
    assert.equal(list.status, 200);
    const row = list.body.find((k: { id: string }) => k.id === made.body.id);
    assert.equal(row.name, 'listed');
    assert.equal(row.role, 'read-only');
    assert.ok(Date.parse(row.expiresAt) > Date.now());
    const text = list.text + JSON.stringify((await b.call('user.get')).body);
    for (const secret of [made.body.key, b.token]) assert.ok(!text.includes(secret));
    assert.ok(!/hash/i.test(text), 'no hash field or value');
    assert.ok(!/[0-9a-f]{64}/.test(text), 'no SHA-256 hex anywhere');
  });
});
