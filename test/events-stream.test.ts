// GET /api/events on a real Berth and the real engine: what a dashboard sees change without
// polling (status, health, deployments), per filter, for a token of any role.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LiveEvents } from '../src/api/live-events.js';
import { loadConfig } from '../src/config.js';
import { Containers } from '../src/docker/containers.js';
import { createEngine } from '../src/docker/engine.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, freePort, pushTestImage, removeRunApplications } from './helpers/e2e.js';
import { runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-events-'));

interface Received {
  event: string;
  data: any;
}

/** An open `/api/events` stream collecting its events; `until` waits for one that matches. */
async function openEvents(b: TestBerth, query: string, token = b.token) {
  const ctl = new AbortController();
  const res = await fetch(`${b.url}/api/events${query}`, { headers: { 'x-api-key': token }, signal: ctl.signal });
  if (res.status !== 200) assert.fail(`${res.status}: ${await res.text()}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: Received[] = [];
  const waiters = new Set<() => void>();
  const pump = (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          waiters.forEach((w) => w());
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    async until(match: (e: Received) => boolean, what: string, timeoutMs = 20_000): Promise<Received> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find(match);
        if (hit) return hit;
        if (Date.now() > deadline) assert.fail(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          const w = () => (waiters.delete(w), resolve());
          waiters.add(w);
          setTimeout(w, 200);
        });
      }
    },
    async close() {
      ctl.abort();
      await pump;
    },
  };
}

describe('GET /api/events', () => {
  let b: TestBerth;
  const { ok } = deploymentClient(() => b);
  const appNames: string[] = [];
  let projectA: string;
  let appA: string;
  let appB: string;

  before(async () => {
    b = await startTestBerth();
    const a = await ok('project.create', { name: `events-a-${runId}` });
    const bp = await ok('project.create', { name: `events-b-${runId}` });
    projectA = a.project.projectId;
    const rowA = await ok('application.create', { name: `ev-a-${runId}`, environmentId: a.environment.environmentId });
    const rowB = await ok('application.create', { name: `ev-b-${runId}`, environmentId: bp.environment.environmentId });
    appA = rowA.applicationId;
    appB = rowB.applicationId;
    appNames.push(rowA.appName, rowB.appName);
  });
  after(async () => {
    if (b) await removeRunApplications(ok, appNames);
    await b?.close();
  });

  test('refused without a token (401), for a project or application that does not exist (404), for a bad filter (400); described in the OpenAPI document', async () => {
    const anonymous = await fetch(`${b.url}/api/events`);
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).code, 'UNAUTHORIZED');
    const missing = await fetch(`${b.url}/api/events?projectId=nope`, { headers: { 'x-api-key': b.token } });
    assert.equal(missing.status, 404);
    assert.equal((await fetch(`${b.url}/api/events?applicationId=nope`, { headers: { 'x-api-key': b.token } })).status, 404);
    const bad = await fetch(`${b.url}/api/events?projectId=${'x'.repeat(65)}`, { headers: { 'x-api-key': b.token } });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).code, 'BAD_REQUEST');
    const doc = await (await fetch(`${b.url}/api/openapi.json`)).json();
    assert.ok(doc.paths['/events'].get.responses[200].content['text/event-stream']);
    assert.deepEqual(
      doc.paths['/events'].get.parameters.map((p: { name: string }) => p.name),
      ['projectId', 'applicationId'],
    );
  });

  test("a read-only token's stream gets the current state, then each status change; a project filter keeps other projects' applications out", async () => {
    const readOnly = (await ok('user.createApiKey', { name: 'events-ro', role: 'read-only', metadata: { organizationId: 'berth' } })).key;
    const all = await openEvents(b, '', readOnly);
    const onlyA = await openEvents(b, `?projectId=${projectA}`);
    try {
      const first = await onlyA.until((e) => e.event === 'application' && e.data.applicationId === appA, 'snapshot of A');
      assert.deepEqual(first.data, { applicationId: appA, environmentId: first.data.environmentId, applicationStatus: 'idle', health: { status: 'not deployed', desired: 0, running: 0 } });
      await all.until((e) => e.event === 'application' && e.data.applicationId === appB, 'snapshot of B');

      await ok('application.markRunning', { applicationId: appB });
      await ok('application.markRunning', { applicationId: appA });
      await onlyA.until((e) => e.data.applicationId === appA && e.data.applicationStatus === 'running', 'A running');
      await all.until((e) => e.data.applicationId === appB && e.data.applicationStatus === 'running', 'B running');
      await all.until((e) => e.data.applicationId === appA && e.data.applicationStatus === 'running', 'A running (unfiltered)');
      assert.deepEqual(
        onlyA.events.filter((e) => e.data.applicationId !== appA),
        [],
        'the project filter lets no other application through',
      );
      // nothing is sent again while nothing changes
      const count = all.events.length;
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(all.events.length, count, JSON.stringify(all.events.slice(count)));
    } finally {
      await all.close();
      await onlyA.close();
    }
  });

  test("a deployment's stages and end, and the service's health, arrive on an application's stream", async () => {
    const { registry } = readTestEnv();
    const image = await pushTestImage(tmp, `events-${runId}`, 'v1', 'events');
    await ok('port.create', { applicationId: appA, publishedPort: await freePort(), targetPort: 3000, publishMode: 'host' });
    await ok('application.saveDockerProvider', { applicationId: appA, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
    const stream = await openEvents(b, `?applicationId=${appA}`);
    try {
      const { deploymentId } = await ok('application.deploy', { applicationId: appA });
      await stream.until((e) => e.event === 'deployment' && e.data.deploymentId === deploymentId, 'the deployment starting');
      const end = await stream.until((e) => e.event === 'deployment' && e.data.deploymentId === deploymentId && e.data.status !== 'running', 'the deployment ending', 90_000);
      assert.deepEqual(end.data, { deploymentId, applicationId: appA, status: 'done', stage: 'finished' });
      await stream.until((e) => e.event === 'application' && e.data.applicationStatus === 'done' && e.data.health.status === 'running' && e.data.health.running === 1, 'health running 1/1', 30_000);
      assert.deepEqual(
        stream.events.filter((e) => e.data.applicationId !== appA),
        [],
      );
    } finally {
      await stream.close();
    }
  });

  test('the watcher asks Docker only while a stream is open, once per interval for all streams, and only about services', async () => {
    // the real engine, counted: app A has a service since the deployment above, app B none
    const real = new Containers(createEngine(loadConfig({})));
    const asked: string[] = [];
    const containers = { health: (service: string) => (asked.push(service), real.health(service)) };
    const errors: unknown[] = [];
    const live = new LiveEvents(b.store, containers, (err) => errors.push(err), { tickMs: 50, healthMs: 300 });
    await sleep(500);
    assert.deepEqual(asked, [], 'nothing before a stream opens');

    const got: string[] = [];
    const stops = await Promise.all([live.subscribe({}, (event, data) => got.push(`${event}:${data.applicationId}`)), live.subscribe({ projectId: projectA }, () => {})]);
    assert.ok(got.includes(`application:${appA}`) && got.includes(`application:${appB}`), got.join());
    await sleep(1000);
    assert.ok(new Set(asked).size === 1 && asked[0] === appNames[0], `only the service of A: ${asked.join()}`);
    // one read each 300 ms shared by both streams (plus the one each new stream waits for)
    assert.ok(asked.length >= 3 && asked.length <= 6, `${asked.length} reads in about a second`);

    stops.forEach((stop) => stop());
    assert.equal(live.streams, 0);
    const after = asked.length;
    await ok('application.markRunning', { applicationId: appB });
    await sleep(800);
    assert.equal(asked.length, after, 'no Docker reads once every stream closed');
    assert.deepEqual(errors, []);
  });
});
