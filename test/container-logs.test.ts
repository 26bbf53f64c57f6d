import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { LogDecoder, parseLogLine } from '../src/docker/log-stream.js';
import { fixedTimestamp, inWindow, LatestLines, logWindow, momentOf } from '../src/model/container-logs.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { readEvents } from './helpers/sse.js';
import { until } from './helpers/until.js';
import { readTestEnv } from './helpers/test-env.js';

/** A multiplexed frame as the engine sends it: 8-byte header, then the payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const TASK_ATTRS = 'com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=';

describe('the log decoder', () => {
  const body = Buffer.concat([
    frame(1, `2026-01-01T00:00:01.000000001Z ${TASK_ATTRS}t1 hello wörld\n`),
    frame(2, `2026-01-01T00:00:02.000000002Z ${TASK_ATTRS}t2 oops: a=b c\n`),
    frame(1, `2026-01-01T00:00:03.000000003Z  no attributes\n`),
  ]);
  const expected = [
    { ts: '2026-01-01T00:00:01.000000001Z', stream: 'stdout', taskId: 't1', text: 'hello wörld' },
    { ts: '2026-01-01T00:00:02.000000002Z', stream: 'stderr', taskId: 't2', text: 'oops: a=b c' },
    { ts: '2026-01-01T00:00:03.000000003Z', stream: 'stdout', text: 'no attributes' },
  ];

  test('splits multiplexed frames into lines with their stream, task and timestamp', () => {
    assert.deepEqual(new LogDecoder(false).push(body), expected);
  });

  test('gives the same lines whatever the chunk boundaries (inside a header, inside a character)', () => {
    for (const size of [1, 3, 7, 8, 9, 50]) {
      const decoder = new LogDecoder(false);
      const got = [];
      for (let i = 0; i < body.length; i += size) got.push(...decoder.push(body.subarray(i, i + size)));
      got.push(...decoder.end());
      assert.deepEqual(got, expected, `chunks of ${size} bytes`);
    }
  });

  test('reads a TTY service raw, a line split across chunks included', () => {
    const raw = Buffer.from(`2026-01-01T00:00:01.000000001Z ${TASK_ATTRS}t1 first\r\n2026-01-01T00:00:02.000000002Z ${TASK_ATTRS}t1 sécond\n2026-01-01T00:00:03.000000003Z ${TASK_ATTRS}t1 cut`);
    for (const size of [1, 5, raw.length]) {
      const decoder = new LogDecoder(true);
      const got = [];
      for (let i = 0; i < raw.length; i += size) got.push(...decoder.push(raw.subarray(i, i + size)));
      got.push(...decoder.end());
      assert.deepEqual(
        got.map((e) => e.text),
        ['first', 'sécond', 'cut'],
      );
    }
  });

  test('skips what is not a timestamped line', () => {
    assert.equal(parseLogLine('Error: no such service', 'stdout'), undefined);
  });
});

describe('the log window', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');

  test('since and until are moments: a duration ago, an ISO time, or none for "all"', () => {
    assert.equal(momentOf('all', now), undefined);
    assert.equal(momentOf('90s', now), now - 90_000);
    assert.equal(momentOf('2h', now), now - 7_200_000);
    assert.equal(momentOf('1d', now), now - 86_400_000);
    assert.equal(momentOf('2026-01-01T11:00:00Z', now), now - 3_600_000);
    assert.equal(momentOf('99999999999999999999d', now), 0, 'a duration beyond the epoch means from the start');
    assert.equal(fixedTimestamp(now), '2026-01-01T12:00:00.000000000Z');
  });

  test('keeps lines inside since/until that contain the search, ignoring case', () => {
    const w = logWindow({ tail: 10, since: '1h', until: '2026-01-01T11:30:00Z', search: 'Error' }, now);
    assert.ok(inWindow(w, { ts: '2026-01-01T11:10:00.000000000Z', text: 'an ERROR here' }));
    assert.ok(!inWindow(w, { ts: '2026-01-01T11:10:00.000000000Z', text: 'all fine' }));
    assert.ok(!inWindow(w, { ts: '2026-01-01T10:59:59.999999999Z', text: 'error, too early' }));
    assert.ok(!inWindow(w, { ts: '2026-01-01T11:30:00.000000001Z', text: 'error, too late' }));
  });

  test('the latest lines of several tasks sent one task after another come out in time order', () => {
    const latest = new LatestLines<{ ts: string; text: string }>(3);
    const at = (s: number) => `2026-01-01T00:00:0${s}.000000000Z`;
    // task A's lines, then task B's: the newest three overall are A5, B6, A7
    for (const [s, t] of [[1, 'A1'], [5, 'A5'], [7, 'A7'], [2, 'B2'], [3, 'B3'], [6, 'B6']] as const) latest.add({ ts: at(s), text: t });
    assert.deepEqual(latest.list().map((l) => l.text), ['A5', 'B6', 'A7']);
  });
});

// ---------------------------------------------------------------- on the real engine

const testEnv = readTestEnv();
const docker = new Docker({ socketPath: testEnv.dockerHost.replace('unix://', ''), version: 'v1.41' });
const SECRET = `s3cr3t-${randomBytes(6).toString('hex')}`;
const SECRET2 = `r0tated-${randomBytes(6).toString('hex')}`;
const TS_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /;

/** Sockets of this process connected to the Docker daemon's socket. */
function dockerConnections(): number {
  const peers = new Set<string>();
  for (const row of execFileSync('ss', ['-xn'], { encoding: 'utf8' }).split('\n')) {
    const cols = row.trim().split(/\s+/);
    // server side: local address is the socket path, the peer's inode is column 8
    if (cols[4] === testEnv.dockerHost.replace('unix://', '')) peers.add(cols[7]);
  }
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (m && peers.has(m[1])) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

const serviceSpec = (name: string, secret: string, gen: number): Docker.CreateServiceOptions => ({
  Name: name,
  TaskTemplate: {
    ContainerSpec: {
      Image: 'busybox:latest',
      Command: ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "tick $i gen=$GEN secret=$SECRET_VALUE"; echo "Warn $i" >&2; sleep 0.2; done'],
      Env: [`SECRET_VALUE=${secret}`, `GEN=${gen}`],
      StopGracePeriod: 1_000_000_000,
    },
    RestartPolicy: { Condition: 'none' },
  },
  Mode: { Replicated: { Replicas: 1 } },
});

describe('application logs on the real engine', () => {
  let b: TestBerth;
  let applicationId: string;
  let appName: string;

  before(async () => {
    b = await startTestBerth();
    const { environment } = (await b.call('project.create', { name: 'logs' })).body;
    const app = (await b.call('application.create', { name: 'logs', appName: 't-logs', environmentId: environment.environmentId })).body;
    ({ applicationId, appName } = app);
    const saved = await b.call('application.saveEnvironment', { applicationId, env: `SECRET_VALUE=${SECRET}`, buildArgs: null, buildSecrets: null, createEnvFile: false });
    assert.equal(saved.status, 200, saved.text);
    await docker.createService(serviceSpec(appName, SECRET, 1));
    await until('ten lines of the service', () => b.call('application.readLogs', { applicationId, tail: 10, search: 'tick' }), (r) => r.status === 200 && r.body.split('\n').length > 10);
  });
  after(async () => {
    await docker.getService(appName).remove().catch(() => {});
    await b?.close();
  });

  test('readLogs returns the latest lines with timestamps, oldest first, secret values redacted', async () => {
    const r = await b.call('application.readLogs', { applicationId, tail: 6 });
    assert.equal(r.status, 200, r.text);
    const lines = r.body.trimEnd().split('\n');
    assert.equal(lines.length, 6);
    for (const line of lines) assert.match(line, TS_LINE);
    assert.deepEqual([...lines].sort(), lines, 'oldest first');
    assert.ok(lines.some((l: string) => / tick \d+ gen=1 secret=\*{8}$/.test(l)), r.body);
    assert.ok(lines.some((l: string) => / Warn \d+$/.test(l)), 'stderr is there too');
    assert.ok(!r.text.includes(SECRET));
  });

  test('search keeps matching lines, ignoring case, and cannot find a secret value', async () => {
    const warn = await b.call('application.readLogs', { applicationId, tail: 5, search: 'WARN' });
    const lines = warn.body.trimEnd().split('\n');
    assert.equal(lines.length, 5);
    for (const line of lines) assert.match(line, / Warn \d+$/);
    const probe = await b.call('application.readLogs', { applicationId, tail: 100, search: SECRET });
    assert.equal(probe.status, 200);
    assert.equal(probe.body, '');
  });

  test('since and until bound the lines', async () => {
    const all = (await b.call('application.readLogs', { applicationId, tail: 10000 })).body.trimEnd().split('\n');
    const middle = all[Math.floor(all.length / 2)].split(' ')[0];
    const upTo = (await b.call('application.readLogs', { applicationId, tail: 10000, until: middle })).body.trimEnd().split('\n');
    assert.ok(upTo.length > 0 && upTo.length < all.length);
    for (const line of upTo) assert.ok(line.split(' ')[0] <= middle, line);
    const asked = Date.now();
    const recent = (await b.call('application.readLogs', { applicationId, tail: 10000, since: '1s' })).body.trimEnd().split('\n');
    assert.ok(recent.length < all.length, 'older lines are left out');
    for (const line of recent) assert.ok(Date.parse(line.split(' ')[0]) >= asked - 2000, line);
  });

  test('bad inputs are a 400 naming the field; an unknown application a 404', async () => {
    for (const [field, value] of [['tail', 0], ['tail', 10001], ['since', '5x'], ['search', 'a|b'], ['until', 'yesterday']] as const) {
      const r = await b.call('application.readLogs', { applicationId, [field]: value });
      assert.equal(r.status, 400, `${field}=${value}`);
      assert.equal(r.body.error.issues[0].path[0], field);
    }
    assert.equal((await b.call('application.readLogs', { applicationId: 'nope' })).status, 404);
  });

  test('the live stream follows the service across a redeploy, redacted, and closing it closes the docker connection', async () => {
    const controller = new AbortController();
    const res = await fetch(`${b.url}/api/application.logStream?applicationId=${applicationId}&tail=3`, { headers: { 'x-api-key': b.token }, signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/event-stream/);
    const events = readEvents(res);
    await until('lines of the first task', () => events.text, (t) => /gen=1/.test(t));
    assert.ok(dockerConnections() >= 1, 'the stream holds a connection to the daemon');

    // the redeploy: a new env (a rotated secret Berth's database never saw) and a new task
    const service = docker.getService(appName);
    const info = await service.inspect();
    const spec = serviceSpec(appName, SECRET2, 2);
    spec.TaskTemplate!.ForceUpdate = (info.Spec.TaskTemplate.ForceUpdate ?? 0) + 1;
    await service.update({ version: info.Version.Index, ...spec });
    await until('lines of the new task', () => events.text, (t) => /tick \d+ gen=2 secret=\*{8}/.test(t), 60_000);
    assert.equal(events.ended, false, 'the redeploy did not end the stream');

    for (const line of events.text.split('\n').filter((l) => l.startsWith('data: '))) assert.match(line.slice(6), TS_LINE);
    assert.ok(!events.text.includes(SECRET), 'no secret of the first task');
    assert.ok(!events.text.includes(SECRET2), 'no secret of the new task');

    controller.abort();
    // idle keep-alive sockets close after 5 s; a leaked log request never would
    await until('no connection to the daemon', dockerConnections, (n) => n === 0, 20_000);
  });

  test('the stream answers 404 for an unknown application and 401 without a token, before streaming', async () => {
    const missing = await fetch(`${b.url}/api/application.logStream?applicationId=nope`, { headers: { 'x-api-key': b.token } });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).code, 'NOT_FOUND');
    const anonymous = await fetch(`${b.url}/api/application.logStream?applicationId=${applicationId}`);
    assert.equal(anonymous.status, 401);
    const bad = await fetch(`${b.url}/api/application.logStream?applicationId=${applicationId}&tail=0`, { headers: { 'x-api-key': b.token } });
    assert.equal(bad.status, 400);
  });
});
