import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { plaintextIn } from '../helpers/at-rest.js';
import { recordReplies, startTestBerth, type CallOptions, type TestBerth } from '../helpers/berth.js';

const MASK = '********';

/** A key pair made by the system ssh-keygen, outside Berth: `-m PEM` gives an "RSA PRIVATE KEY" block. */
function keyPair(type: 'rsa' | 'ed25519', extra: string[] = []): { privateKey: string; publicKey: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-keytest-'));
  try {
    const file = path.join(dir, 'k');
    execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', 'test@berth', '-f', file, ...extra]);
    return { privateKey: fs.readFileSync(file, 'utf8'), publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A line from the middle of a private key's base64 body: present wherever the key is. */
const bodyLine = (privateKey: string) => {
  const lines = privateKey.trim().split('\n');
  return lines[Math.floor(lines.length / 2)];
};

describe('sshKey', () => {
  let b: TestBerth;
  let readOnly: string;
  const { replies, call } = recordReplies(() => b);
  const ed = keyPair('ed25519');
  const rsaPem = keyPair('rsa', ['-m', 'PEM']);
  const other = keyPair('ed25519');
  const create = (over: Record<string, unknown> = {}, opts?: CallOptions) =>
    call('sshKey.create', { name: 'deploy', description: 'ci key', ...ed, organizationId: 'anything', ...over }, opts);
  const all = async () => (await call('sshKey.all')).body as { sshKeyId: string; name: string }[];

  before(async () => {
    b = await startTestBerth();
    readOnly = b.store.apiKeys.create({ name: 'ro', role: 'read-only' }).key;
  });
  after(() => b.close());

  test('generate makes an OpenSSH key pair (RSA by default) and stores nothing', async () => {
    const rsa = await call('sshKey.generate', {});
    assert.equal(rsa.status, 200);
    assert.match(rsa.body.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    assert.match(rsa.body.publicKey, /^ssh-rsa AAAA\S+ berth$/);
    const ed25519 = await call('sshKey.generate', { type: 'ed25519' });
    assert.match(ed25519.body.publicKey, /^ssh-ed25519 AAAA\S+ berth$/);
    // The pair is consistent: importing it succeeds.
    assert.equal((await call('sshKey.create', { name: 'generated', ...ed25519.body, organizationId: '' })).status, 200);
    const bad = await call('sshKey.generate', { type: 'dsa' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.issues[0].path[0], 'type');
    const removed = await call('sshKey.remove', { sshKeyId: (await all())[0].sshKeyId });
    assert.equal(removed.status, 200);
    assert.deepEqual(await all(), []);
  });

  test('create imports a pair: empty answer; reads show the public key and mask the private key', async () => {
    const r = await create();
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    const [row] = (await call('sshKey.all')).body;
    assert.equal(row.name, 'deploy');
    assert.equal(row.description, 'ci key');
    assert.equal(row.publicKey, ed.publicKey);
    assert.equal(row.privateKey, MASK);
    assert.equal(row.organizationId, 'berth');
    assert.equal(row.lastUsedAt, null);
    const one = await call('sshKey.one', { sshKeyId: row.sshKeyId });
    assert.equal(one.status, 200);
    assert.equal(one.body.privateKey, MASK);
    assert.equal(one.body.publicKey, ed.publicKey);
  });

  test('PEM "RSA PRIVATE KEY" blocks are accepted, pasted CRLF line endings too', async () => {
    const crlf = rsaPem.privateKey.replace(/\n/g, '\r\n');
    assert.match(crlf, /^-----BEGIN RSA PRIVATE KEY-----\r\n/);
    const r = await create({ name: 'legacy', privateKey: crlf, publicKey: rsaPem.publicKey });
    assert.equal(r.status, 200, r.text);
    // Stored the way ssh reads it: LF endings, one final newline.
    const stored = b.store.sshKeys.get((await all())[0].sshKeyId).privateKey;
    assert.equal(stored, rsaPem.privateKey);
  });

  test('a public key that is not the private key\'s own is a 400 naming publicKey; nothing is written', async () => {
    const before = (await all()).length;
    const r = await create({ publicKey: other.publicKey });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.issues.map((i: { path: string[] }) => i.path[0]), ['publicKey']);
    assert.match(r.body.message, /does not belong to the private key/);
    // Same key with another comment is the same key.
    assert.equal((await create({ name: 'recommented', publicKey: `${ed.publicKey.split(' ').slice(0, 2).join(' ')} someone@else` })).status, 200);
    assert.equal((await all()).length, before + 1);
  });

  test('bad key formats are a 400 naming the field', async () => {
    const before = (await all()).length;
    const cases: [Record<string, unknown>, string][] = [
      [{ privateKey: 'not a key' }, 'privateKey'],
      [{ privateKey: ed.privateKey.replace('OPENSSH PRIVATE KEY', 'DSA PRIVATE KEY') }, 'privateKey'],
      [{ privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAB3NzaC1yc2E=\n-----END OPENSSH PRIVATE KEY-----\n' }, 'privateKey'],
      [{ privateKey: keyPair('ed25519', ['-N', 'a passphrase']).privateKey }, 'privateKey'],
      [{ publicKey: 'ssh-dss AAAAB3NzaC1kc3M= old' }, 'publicKey'],
      [{ publicKey: ed.privateKey }, 'publicKey'],
      [{ organizationId: undefined }, 'organizationId'],
      [{ name: '' }, 'name'],
    ];
    for (const [over, field] of cases) {
      const r = await create(over);
      assert.equal(r.status, 400, `${field}: ${r.text}`);
      assert.equal(r.body.issues[0].path[0], field, JSON.stringify(over).slice(0, 60));
    }
    assert.equal((await all()).length, before);
  });

  test('update sets name, description and lastUsedAt and answers the row (masked)', async () => {
    const [row] = await all();
    const usedAt = new Date().toISOString();
    const r = await call('sshKey.update', { sshKeyId: row.sshKeyId, name: 'renamed', description: null, lastUsedAt: usedAt });
    assert.equal(r.status, 200);
    assert.equal(r.body.name, 'renamed');
    assert.equal(r.body.description, null);
    assert.equal(r.body.lastUsedAt, usedAt);
    assert.equal(r.body.privateKey, MASK);
    const bad = await call('sshKey.update', { sshKeyId: row.sshKeyId, lastUsedAt: 'yesterday' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.issues[0].path[0], 'lastUsedAt');
    assert.equal((await call('sshKey.update', { sshKeyId: 'nope-not-there', name: 'x' })).status, 404);
  });

  test('all is newest first and allForApps lists ids and names only', async () => {
    const list = await all();
    const forApps = (await call('sshKey.allForApps')).body;
    assert.deepEqual(forApps, list.map(({ sshKeyId, name }) => ({ sshKeyId, name })));
    assert.equal(list[0].name, 'renamed');
    const stamps = (await call('sshKey.all')).body.map((k: { createdAt: string }) => k.createdAt);
    assert.deepEqual(stamps, [...stamps].sort().reverse());
  });

  test('a read-only token reads keys but may not create, generate, update or remove them', async () => {
    const [row] = await all();
    assert.equal((await call('sshKey.all', {}, { token: readOnly })).status, 200);
    assert.equal((await call('sshKey.one', { sshKeyId: row.sshKeyId }, { token: readOnly })).status, 200);
    assert.equal((await create({ name: 'ro' }, { token: readOnly })).status, 403);
    assert.equal((await call('sshKey.generate', {}, { token: readOnly })).status, 403);
    assert.equal((await call('sshKey.update', { sshKeyId: row.sshKeyId, name: 'x' }, { token: readOnly })).status, 403);
    assert.equal((await call('sshKey.remove', { sshKeyId: row.sshKeyId }, { token: readOnly })).status, 403);
  });

  test('remove answers the deleted row (masked); the id is then unknown', async () => {
    const [row] = await all();
    const r = await call('sshKey.remove', { sshKeyId: row.sshKeyId });
    assert.equal(r.status, 200);
    assert.equal(r.body.sshKeyId, row.sshKeyId);
    assert.equal(r.body.privateKey, MASK);
    assert.equal((await call('sshKey.one', { sshKeyId: row.sshKeyId })).status, 404);
    assert.equal((await call('sshKey.remove', { sshKeyId: row.sshKeyId })).status, 404);
  });

  test('imported private keys are in no answer and nowhere in the database file as plain text', () => {
    const secrets = [bodyLine(ed.privateKey), bodyLine(rsaPem.privateKey)];
    for (const r of replies) for (const s of secrets) assert.ok(!r.text.includes(s), `an answer carried a private key: ${r.text.slice(0, 120)}`);
    assert.deepEqual(plaintextIn(b.dataDir, secrets), []);
    // The scan does find what is stored in clear.
    assert.ok(plaintextIn(b.dataDir, [ed.publicKey.split(' ')[1]]).includes('ssh-key.publicKey'));
  });
});
