// GitHub's deliveries as GitHub sends them: the payloads are the community examples of
// @octokit/webhooks-examples (not hand-written), the signature GitHub's HMAC-SHA256.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { parseDelivery, verifyDelivery } from '../../src/webhooks/parse.js';

const examples: { name: string; examples: any[] }[] = createRequire(import.meta.url)('@octokit/webhooks-examples');
const of = (event: string) => examples.find((e) => e.name === event)!.examples;
const headers = (event: string) => ({ 'x-github-event': event, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'content-type': 'application/json' });

describe('GitHub payloads', () => {
  test('a push to a branch: the ref, the pushed SHA, the head commit message, every commit\'s files, the repository', () => {
    const body = of('push').find((p) => p.ref === 'refs/heads/master' && p.commits.length)!;
    const d = parseDelivery(headers('push'), body);
    assert.equal(d.provider, 'github');
    assert.equal(d.deliveryId, '72d3162e-cc78-11e3-81ab-4c9367dc0958');
    assert.deepEqual(d.event.kind === 'push' && d.event.ref, { type: 'branch', name: 'master' });
    assert.equal(d.event.kind === 'push' && d.event.sha, body.after);
    assert.equal(d.event.kind === 'push' && d.event.headMessage, body.head_commit.message);
    assert.deepEqual(d.event.kind === 'push' && d.event.commits.map((c) => c.files), body.commits.map((c: any) => [...c.added, ...c.modified, ...c.removed]));
    assert.deepEqual(d.event.kind === 'push' && d.event.repository.fullName, 'Codertocat/Hello-World');
  });

  test('a tag push and a deleted tag', () => {
    const created = parseDelivery(headers('push'), of('push').find((p) => p.ref.startsWith('refs/tags/') && !p.deleted));
    assert.deepEqual(created.event.kind === 'push' && [created.event.ref, created.event.sha], [{ type: 'tag', name: 'simple-tag' }, '6113728f27ae82c7b1a177c8d03f9e96e0adf246']);
    const deleted = parseDelivery(headers('push'), of('push').find((p) => p.deleted));
    assert.equal(deleted.event.kind === 'push' && deleted.event.sha, null);
  });

  test('pull requests: opened, synchronize (updated), reopened, closed, with head and base', () => {
    const byAction = (a: string) => parseDelivery(headers('pull_request'), of('pull_request').find((p) => p.action === a)).event;
    const opened = byAction('opened');
    assert.equal(opened.kind, 'pull_request');
    if (opened.kind !== 'pull_request') return;
    assert.equal(opened.action, 'opened');
    assert.equal(opened.number, 2);
    assert.equal(opened.head.branch, 'changes');
    assert.equal(opened.base.branch, 'master');
    assert.match(opened.head.sha, /^[0-9a-f]{40}$/);
    assert.equal(opened.head.repository.fullName, 'Codertocat/Hello-World');
    assert.equal((byAction('synchronize') as any).action, 'updated');
    assert.equal((byAction('reopened') as any).action, 'reopened');
    assert.equal((byAction('closed') as any).action, 'closed');
    assert.equal((byAction('assigned') as any).action, 'other');
  });

  test('ping, and events that do not deploy', () => {
    assert.deepEqual(parseDelivery(headers('ping'), of('ping')[0]).event, { kind: 'ping' });
    assert.match((parseDelivery(headers('star'), of('star')[0]).event as any).reason, /GitHub event "star" does not deploy/);
  });
});

describe('GitHub signatures (X-Hub-Signature-256) are checked over the raw bytes', () => {
  const raw = Buffer.from(JSON.stringify(of('push')[0], null, 2));
  const sign = (secret: string, bytes = raw) => 'sha256=' + createHmac('sha256', secret).update(bytes).digest('hex');
  const body = JSON.parse(raw.toString());

  test('the right secret passes; a wrong secret, a changed byte or no header does not', () => {
    assert.equal(verifyDelivery({ ...headers('push'), 'x-hub-signature-256': sign('s3cret') }, body, raw, 's3cret'), 'ok');
    assert.equal(verifyDelivery({ ...headers('push'), 'x-hub-signature-256': sign('other') }, body, raw, 's3cret'), 'bad');
    const reserialized = Buffer.from(JSON.stringify(body));
    assert.equal(verifyDelivery({ ...headers('push'), 'x-hub-signature-256': sign('s3cret', reserialized) }, body, raw, 's3cret'), 'bad', 'a signature of re-serialized JSON is not one of the bytes sent');
    assert.equal(verifyDelivery(headers('push'), body, raw, 's3cret'), 'missing');
  });
});
