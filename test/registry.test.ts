import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { answerChallenge, registryOrigins } from '../src/docker/registry-auth.js';
import { plaintextIn } from './helpers/at-rest.js';
import { recordReplies, request, startTestBerth, type TestBerth } from './helpers/berth.js';

// The real registry started by scripts/test-env/registry.sh.
const REGISTRY = '127.0.0.1:5000';
const USER = 'berth';
const PASS = 'berth-test-pass';
const WRONG = 'not-the-password-9f3k';
const MASK = '********';

const login = (over: Record<string, unknown> = {}) => ({
  registryName: 'local',
  username: USER,
  password: PASS,
  registryUrl: REGISTRY,
  registryType: 'cloud',
  imagePrefix: null,
  ...over,
});

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A registry with Bearer auth (as Docker Hub and GHCR have): /v2/ sends clients to a token
 * service on the same port, which trades valid basic credentials for a token.
 */
async function bearerRegistry(): Promise<{ host: string; close(): Promise<void>; tokenRequests: URL[] }> {
  const tokenRequests: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const auth = req.headers.authorization ?? '';
    if (url.pathname === '/token') {
      tokenRequests.push(url);
      const ok = auth === `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"token":"t0k3n"}' : '{"details":"incorrect username or password"}');
    } else if (auth === 'Bearer t0k3n') {
      res.writeHead(200).end('{}');
    } else {
      const { port } = server.address() as AddressInfo;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="stub.registry"` }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    tokenRequests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('registry: the login check (pure part)', () => {
  test('a Basic challenge is answered with the credentials', () => {
    assert.deepEqual(answerChallenge('Basic realm="Registry Realm"', { username: 'u', password: 'p' }), {
      kind: 'basic',
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
  });

  test('a Bearer challenge becomes the token request Docker makes', () => {
    const a = answerChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull"', { username: 'me', password: 'pw' });
    assert.equal(a?.kind, 'token');
    const url = new URL((a as { url: string }).url);
    assert.equal(url.origin + url.pathname, 'https://auth.docker.io/token');
    assert.equal(url.searchParams.get('service'), 'registry.docker.io');
    assert.equal(url.searchParams.get('scope'), 'repository:a/b:pull');
    assert.equal(url.searchParams.get('account'), 'me');
    assert.equal(a?.authorization, `Basic ${Buffer.from('me:pw').toString('base64')}`);
  });

  test('schemes Docker cannot answer, and realms that are not http(s) URLs, are refused', () => {
    assert.equal(answerChallenge('Negotiate abc', { username: 'u', password: 'p' }), undefined);
    assert.equal(answerChallenge('Bearer realm="file:///etc/passwd"', { username: 'u', password: 'p' }), undefined);
    assert.equal(answerChallenge(null, { username: 'u', password: 'p' }), undefined);
  });

  test('plain http is tried only on loopback, after https; "" is Docker Hub', () => {
    assert.deepEqual(registryOrigins('127.0.0.1:5000'), ['https://127.0.0.1:5000', 'http://127.0.0.1:5000']);
    assert.deepEqual(registryOrigins('localhost'), ['https://localhost', 'http://localhost']);
    assert.deepEqual(registryOrigins('[::1]:5000'), ['https://[::1]:5000', 'http://[::1]:5000']);
    assert.deepEqual(registryOrigins('registry.example.com:5000'), ['https://registry.example.com:5000']);
    assert.deepEqual(registryOrigins(''), ['https://registry-1.docker.io']);
  });
});

describe('registry: procedures against a real registry', () => {
  let b: TestBerth;
  let readOnly: string;
  const { replies, call } = recordReplies(() => b);
  const count = async () => (await call('registry.all')).body.length;

  before(async () => {
    execFileSync('bash', [fileURLToPath(new URL('../scripts/test-env/registry.sh', import.meta.url))], { stdio: ['ignore', 'ignore', 'inherit'] });
    b = await startTestBerth();
    readOnly = b.store.apiKeys.create({ name: 'ro', role: 'read-only' }).key;
  });
  after(() => b.close());

  test('create logs in first and answers the row with the password masked', async () => {
    const r = await call('registry.create', login({ imagePrefix: 'Team' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.registryName, 'local');
    assert.equal(r.body.username, USER);
    assert.equal(r.body.registryUrl, REGISTRY);
    assert.equal(r.body.registryType, 'cloud');
    assert.equal(r.body.imagePrefix, 'Team');
    assert.equal(r.body.password, MASK);
    assert.match(r.body.registryId, /^[\w-]{21}$/);
    const one = await call('registry.one', { registryId: r.body.registryId });
    assert.equal(one.status, 200);
    assert.equal(one.body.password, MASK);
    const all = await call('registry.all');
    assert.equal(all.body[0].registryId, r.body.registryId);
    assert.equal(all.body[0].password, MASK);
  });

  test('a wrong password is a 400 with the registry\'s refusal, and nothing is written', async () => {
    const before = await count();
    const r = await call('registry.create', login({ password: WRONG }));
    assert.equal(r.status, 400);
    assert.match(r.body.message, /127\.0\.0\.1:5000.*unauthorized/);
    assert.equal(await count(), before);
  });

  test('an unreachable registry is a 400 saying it could not be reached', async () => {
    const before = await count();
    const port = await closedPort();
    const r = await call('registry.create', login({ registryUrl: `127.0.0.1:${port}` }));
    assert.equal(r.status, 400);
    assert.equal(r.body.message, `Could not reach registry "127.0.0.1:${port}": connect ECONNREFUSED 127.0.0.1:${port}`);
    const hub = await call('registry.testRegistry', login({ registryUrl: '' }));
    assert.equal(hub.status, 400);
    assert.match(hub.body.message, /registry-1\.docker\.io/);
    assert.equal(await count(), before);
  });

  test('registryUrl is hostname[:port]: a scheme, a path or a bad port is a 400 naming it', async () => {
    for (const registryUrl of ['https://127.0.0.1:5000', '127.0.0.1:5000/v2', 'host:99999', 'bad host', 'a..b']) {
      const r = await call('registry.create', login({ registryUrl }));
      assert.equal(r.status, 400, registryUrl);
      assert.deepEqual(r.body.issues.map((i: { path: string[] }) => i.path[0]), ['registryUrl'], registryUrl);
    }
  });

  test('enums, required-but-nullable keys and image prefixes are validated', async () => {
    const type = await call('registry.create', login({ registryType: 'selfHosted' }));
    assert.equal(type.status, 400);
    assert.equal(type.body.issues[0].path[0], 'registryType');
    const { imagePrefix: _omitted, ...noPrefix } = login();
    const prefix = await call('registry.create', noPrefix);
    assert.equal(prefix.status, 400);
    assert.equal(prefix.body.issues[0].path[0], 'imagePrefix');
    const badPrefix = await call('registry.create', login({ imagePrefix: 'a b/../c' }));
    assert.equal(badPrefix.status, 400);
    assert.equal(badPrefix.body.issues[0].path[0], 'imagePrefix');
    const empty = await call('registry.create', login({ password: '' }));
    assert.equal(empty.status, 400);
    assert.equal(empty.body.issues[0].path[0], 'password');
  });

  test('update re-checks a changed login and refuses a bad one without writing', async () => {
    const { registryId, createdAt } = (await call('registry.create', login())).body;
    const renamed = await call('registry.update', { registryId, registryName: 'renamed', imagePrefix: 'ops', createdAt: '2000-01-01T00:00:00.000Z', organizationId: 'other' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body, true);
    const one = (await call('registry.one', { registryId })).body;
    assert.equal(one.registryName, 'renamed');
    assert.equal(one.imagePrefix, 'ops');
    assert.equal(one.createdAt, createdAt);
    assert.equal(one.organizationId, 'berth');

    const wrong = await call('registry.update', { registryId, password: WRONG });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.message, /unauthorized/);
    assert.equal((await call('registry.testRegistryById', { registryId })).body, true, 'the stored password is unchanged');

    const unreachable = await call('registry.update', { registryId, registryUrl: `127.0.0.1:${await closedPort()}` });
    assert.equal(unreachable.status, 400);
    assert.equal((await call('registry.one', { registryId })).body.registryUrl, REGISTRY);

    // A client that sends back what it read (the mask) keeps the stored password.
    const echoed = await call('registry.update', { registryId, password: MASK, imagePrefix: null });
    assert.equal(echoed.status, 200);
    assert.equal((await call('registry.one', { registryId })).body.imagePrefix, null);
    assert.equal((await call('registry.testRegistryById', { registryId })).body, true);

    const relogin = await call('registry.update', { registryId, password: PASS, username: USER });
    assert.equal(relogin.status, 200);
    assert.equal((await call('registry.update', { registryId: 'nope-not-there' })).status, 404);
  });

  test('testRegistry and testRegistryById log in without storing anything', async () => {
    const before = await count();
    const ok = await call('registry.testRegistry', { username: USER, password: PASS, registryUrl: REGISTRY, registryType: 'cloud' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, true);
    const bad = await call('registry.testRegistry', { username: USER, password: WRONG, registryUrl: REGISTRY, registryType: 'cloud' });
    assert.equal(bad.status, 400);
    assert.equal(await count(), before);

    const { registryId } = (await call('registry.all')).body[0];
    assert.equal((await call('registry.testRegistryById', { registryId })).body, true);
    assert.equal((await call('registry.testRegistryById', { registryId: 'nope-not-there' })).status, 404);
    const missing = await call('registry.testRegistryById', {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.issues[0].path[0], 'registryId');
  });

  test('the tRPC transport serves the same check', async () => {
    const r = await request(`${b.url}/api/trpc/registry.testRegistry`, {
      method: 'POST',
      headers: { 'x-api-key': b.token, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { username: USER, password: PASS, registryUrl: REGISTRY, registryType: 'cloud' } }),
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.result.data.json, true);
  });

  test('a registry with Bearer token auth is logged in through its token service', async () => {
    const stub = await bearerRegistry();
    try {
      const ok = await call('registry.testRegistry', { username: USER, password: PASS, registryUrl: stub.host, registryType: 'cloud' });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(stub.tokenRequests[0].searchParams.get('service'), 'stub.registry');
      assert.equal(stub.tokenRequests[0].searchParams.get('account'), USER);
      const bad = await call('registry.testRegistry', { username: USER, password: WRONG, registryUrl: stub.host, registryType: 'cloud' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /unauthorized/);
    } finally {
      await stub.close();
    }
  });

  test('Berth has no remote servers: a serverId is an unknown id', async () => {
    const r = await call('registry.testRegistry', { username: USER, password: PASS, registryUrl: REGISTRY, registryType: 'cloud', serverId: 'srv1' });
    assert.equal(r.status, 404);
    assert.match(r.body.message, /Server "srv1"/);
  });

  test('a read-only token lists registries but may not change or test them', async () => {
    assert.equal((await call('registry.all', {}, { token: readOnly })).status, 200);
    assert.equal((await call('registry.create', login(), { token: readOnly })).status, 403);
    assert.equal((await call('registry.testRegistry', login(), { token: readOnly })).status, 403);
    const { registryId } = (await call('registry.all')).body[0];
    assert.equal((await call('registry.remove', { registryId }, { token: readOnly })).status, 403);
  });

  test('remove answers the deleted row (masked); the id is then unknown', async () => {
    const { registryId } = (await call('registry.create', login({ registryName: 'doomed' }))).body;
    const r = await call('registry.remove', { registryId });
    assert.equal(r.status, 200);
    assert.equal(r.body.registryName, 'doomed');
    assert.equal(r.body.password, MASK);
    assert.equal((await call('registry.one', { registryId })).status, 404);
    assert.equal((await call('registry.remove', { registryId })).status, 404);
  });

  test('the password is in no answer and nowhere in the database file as plain text', () => {
    assert.ok(replies.length > 30);
    for (const r of replies) assert.ok(!r.text.includes(PASS), `an answer carried the password: ${r.text.slice(0, 200)}`);
    assert.deepEqual(plaintextIn(b.dataDir, [PASS]), []);
    // The scan does find what is stored in clear.
    assert.ok(plaintextIn(b.dataDir, ['renamed']).includes('registry.registryName'));
  });
});
