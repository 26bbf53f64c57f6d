// Deployment logs: one file per deployment, timestamped lines, secrets redacted, an explicit
// end marker, live followers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { DeploymentLogs, endMarker, readTail, type LogEvent } from '../../src/deploy/log.js';
import { redactorFor } from '../../src/deploy/redact.js';
import { REDACTED, Redactor } from '../../src/secrets/redact.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-log-test-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const ISO_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (.*)$/;
const texts = (file: string) => fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => ISO_LINE.exec(l)?.[1]);

let n = 0;
const newId = () => `dep${++n}${Math.random().toString(36).slice(2, 8)}`;

describe('redaction', () => {
  test('every known secret value is replaced wherever it occurs, the longest first', () => {
    const r = new Redactor(['s3cret-token', 's3cret-token-extended', 'abc']);
    assert.equal(r.redact('a s3cret-token-extended and s3cret-token.'), `a ${REDACTED} and ${REDACTED}.`);
    assert.equal(r.redact('abc is too short to be hidden'), 'abc is too short to be hidden');
  });

  test('a multi-line secret (a private key) is hidden line by line', () => {
    const key = '-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\nC7bS9bS9bS9bS9\n-----END KEY-----\n';
    const r = new Redactor([key]);
    assert.equal(r.redact('got C7bS9bS9bS9bS9 here'), `got ${REDACTED} here`);
    assert.equal(r.redact('AAAAB3NzaC1yc2EAAAADAQABAAABAQ'), REDACTED);
  });

  test('passwords in URLs and Authorization headers are hidden even when unknown', () => {
    const r = new Redactor();
    assert.equal(r.redact('fatal: https://x-access-token:ghs_unknown@github.com/o/r.git'), `fatal: https://x-access-token:${REDACTED}@github.com/o/r.git`);
    assert.equal(r.redact('> Authorization: Basic eC1hY2Nlc3MtdG9rZW46c2VjcmV0'), `> Authorization: Basic ${REDACTED}`);
    assert.equal(r.redact('http.extraheader=authorization: bearer abc.def'), `http.extraheader=authorization: bearer ${REDACTED}`);
    assert.equal(r.redact('ssh://git@example.com:2222/repo.git'), 'ssh://git@example.com:2222/repo.git');
  });

  test("an application's env, build args, build secrets, docker password and webhook secret are all secrets", () => {
    const r = redactorFor(
      {
        env: 'DATABASE_URL=postgres://u:dbpass123@db/x\nSHORT=ab\nQUOTED="multi\nline-value"',
        buildArgs: 'NPM_TOKEN=npm_abcdef',
        buildSecrets: 'SENTRY=sentry-secret',
        previewEnv: null,
        previewBuildArgs: null,
        previewBuildSecrets: 'P=preview-secret',
        password: 'docker-pass',
        webhookSecret: 'whsec-abc',
      },
      ['registry-pass', null],
    );
    const line = 'postgres://u:dbpass123@db/x npm_abcdef sentry-secret preview-secret docker-pass whsec-abc registry-pass line-value ab';
    assert.equal(r.redact(line), `${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ab`);
  });
});

describe('deployment log', () => {
  const logs = new DeploymentLogs(dataDir);

  test('one file per deployment under logs/<appName>/, timestamped lines, redacted, ending with the marker', () => {
    const id = newId();
    const log = logs.open('my-app', id, new Redactor(['hunter2-password']));
    assert.equal(log.path, path.join(dataDir, 'logs', 'my-app', `${id}.log`));
    log.line('Cloning…');
    log.line('the password is hunter2-password\nsecond line');
    log.secret('late-token-value');
    log.line('token late-token-value');
    log.end('done');
    log.line('after the end'); // ignored
    assert.deepEqual(texts(log.path), ['Cloning…', `the password is ${REDACTED}`, 'second line', `token ${REDACTED}`, endMarker('done')]);
    assert.equal(endMarker('done'), '--- deployment finished: done ---');
    assert.equal(logs.get(id), undefined, 'no longer live');
  });

  test('path-like application names or ids are refused', () => {
    assert.throws(() => logs.open('../etc', newId(), new Redactor()), /invalid application name/);
    assert.throws(() => logs.open('app', '../../x', new Redactor()), /invalid deployment id/);
  });

  test('readTail returns the last lines only, and "" for a missing file', () => {
    const log = logs.open('tail-app', newId(), new Redactor());
    for (let i = 0; i < 5000; i++) log.line(`line ${i} ${'x'.repeat(40)}`);
    log.end('error');
    const tail = readTail(log.path, 3).split('\n').map((l) => ISO_LINE.exec(l)?.[1]);
    assert.deepEqual(tail, [`line 4998 ${'x'.repeat(40)}`, `line 4999 ${'x'.repeat(40)}`, endMarker('error')]);
    assert.equal(readTail(path.join(dataDir, 'nope.log'), 10), '');
    assert.equal(readTail(log.path, 0), '');
  });

  test('a follower of a running deployment gets what was written, then each new line, then the end', async () => {
    const id = newId();
    const log = logs.open('live-app', id, new Redactor());
    log.line('before 1');
    log.line('before 2');
    const events: LogEvent[] = [];
    const ended = new Promise<void>((resolve) => logs.follow(id, log.path, (e) => (events.push(e), e.type === 'end' && resolve())));
    log.line('after 1'); // written while the follower still replays the file
    await new Promise((r) => setTimeout(r, 20));
    log.line('after 2');
    log.end('cancelled');
    await ended;
    const shown = events.map((e) => (e.type === 'line' ? ISO_LINE.exec(e.line)?.[1] : `END ${e.status}`));
    assert.deepEqual(shown, ['before 1', 'before 2', 'after 1', 'after 2', endMarker('cancelled'), 'END cancelled']);
  });

  test('a follower of a finished deployment gets the file and the status from its end marker', async () => {
    const id = newId();
    const log = logs.open('done-app', id, new Redactor());
    log.line('only line');
    log.end('done');
    const events: LogEvent[] = [];
    await new Promise<void>((resolve) => logs.follow(id, log.path, (e) => (events.push(e), e.type === 'end' && resolve())));
    assert.equal(events.length, 3);
    assert.deepEqual(events.at(-1), { type: 'end', status: 'done' });
  });

  test('a log left without an end marker (server died) ends its followers with a null status', async () => {
    const file = logs.pathFor('dead-app', newId());
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '2024-01-01T00:00:00.000Z building\n');
    const events: LogEvent[] = [];
    await new Promise<void>((resolve) => logs.follow('not-live', file, (e) => (events.push(e), e.type === 'end' && resolve())));
    assert.deepEqual(events.at(-1), { type: 'end', status: null });
  });

  test('a reopened log (after a restart) gets appended to and ended', () => {
    const id = newId();
    const first = logs.open('re-app', id, new Redactor());
    first.line('building');
    const again = new DeploymentLogs(dataDir).open('re-app', id, new Redactor());
    again.line('interrupted by server restart');
    again.end('error');
    assert.deepEqual(texts(again.path), ['building', 'interrupted by server restart', endMarker('error')]);
  });
});
