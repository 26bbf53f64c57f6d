import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';

describe('API transport, authentication and errors', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth({ BERTH_BODY_LIMIT: '2048' });
  });
  after(() => b.close());

  test('health answers without a token', async () => {
    const r = await request(`${b.url}/api/health`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok');
  });

  test('the OpenAPI document answers without a token (the API reference at /api/docs reads it)', async () => {
    const r = await request(`${b.url}/api/openapi.json`);
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.1.0');
  });

  test('every other route needs a token: 401 in both error forms', async () => {
    for (const path of ['/api/project.all', '/api/no.such', '/api/trpc/project.all']) {
      const r = await request(`${b.url}${path}`);
      assert.equal(r.status, 401, path);
      const err = path.includes('trpc') ? r.body.error.json.data : r.body;
      assert.equal(err.code, 'UNAUTHORIZED', path);
    }
    const r = await b.call('project.all', {}, { token: 'berth_not_a_real_token' });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'UNAUTHORIZED');
    assert.match(r.body.message, /Unauthorized/);
  });

  test('x-api-key and Authorization: Bearer are both accepted', async () => {
    const a = await b.call('project.all', {}, { token: null, headers: { 'x-api-key': b.token } });
    const c = await b.call('project.all', {}, { token: null, headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(a.status, 200);
    assert.equal(c.status, 200);
    assert.ok(Array.isArray(c.body));
  });

  test('a validation error names every bad field, in both forms', async () => {
    const r = await b.call('project.create', { name: 5, description: 7 });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'BAD_REQUEST');
    assert.equal(r.body.error.code, 'BAD_REQUEST');
    const fields = r.body.issues.map((i: { path: string[] }) => i.path.join('.')).sort();
    assert.deepEqual(fields, ['description', 'name']);
    assert.deepEqual(r.body.error.issues, r.body.issues);
    assert.match(r.body.message, /name/);
  });

  test('malformed JSON is a 400, not a 500', async () => {
    const r = await request(`${b.url}/api/project.create`, {
      method: 'POST',
      headers: { 'x-api-key': b.token, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'BAD_REQUEST');
  });

  test('a body that is not JSON gets 415', async () => {
    const r = await request(`${b.url}/api/project.create`, {
      method: 'POST',
      headers: { 'x-api-key': b.token, 'content-type': 'text/plain' },
      body: 'name=x',
    });
    assert.equal(r.status, 415);
    assert.equal(r.body.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('a body over the configured limit gets 413 and writes nothing', async () => {
    const before = (await b.call('project.all')).body.length;
    const r = await b.call('project.create', { name: 'x'.repeat(4096) });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, 'PAYLOAD_TOO_LARGE');
    assert.equal((await b.call('project.all')).body.length, before);
  });

  test('unknown procedure and wrong method are 404', async () => {
    assert.equal((await b.call('project.nothing', {}, { method: 'GET' })).status, 404);
    const wrong = await b.call('project.create', { name: 'x' }, { method: 'GET' });
    assert.equal(wrong.status, 404);
    assert.equal(wrong.body.code, 'NOT_FOUND');
  });

  test('tRPC transport: wrapped and bare inputs, result envelope, error envelope', async () => {
    const h = { 'x-api-key': b.token, 'content-type': 'application/json' };
    const created = await request(`${b.url}/api/trpc/project.create`, { method: 'POST', headers: h, body: JSON.stringify({ json: { name: 'via-trpc' } }) });
    assert.equal(created.status, 200);
    const projectId = created.body.result.data.json.project.projectId;
    for (const input of [{ json: { projectId } }, { projectId }]) {
      const r = await request(`${b.url}/api/trpc/project.one?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: h });
      assert.equal(r.status, 200);
      assert.equal(r.body.result.data.json.name, 'via-trpc');
    }
    const bad = await request(`${b.url}/api/trpc/project.one?input=${encodeURIComponent('{"projectId":')}`, { headers: h });
    assert.equal(bad.status, 400);
    const missing = await request(`${b.url}/api/trpc/project.one?input=${encodeURIComponent(JSON.stringify({ projectId: 'nope' }))}`, { headers: h });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.json.data.code, 'NOT_FOUND');
    assert.equal(missing.body.error.json.data.httpStatus, 404);
    assert.equal(missing.body.error.json.code, -32004);
  });

  test('OpenAPI document lists the served procedures with their inputs', async () => {
    const r = await b.call('project.all', {}, { method: 'GET' });
    assert.equal(r.status, 200);
    const doc = (await request(`${b.url}/api/openapi.json`, { headers: { 'x-api-key': b.token } })).body;
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/project.create'].post.requestBody.content['application/json'].schema.properties.name);
    assert.deepEqual(
      doc.paths['/project.one'].get.parameters.map((p: { name: string }) => p.name),
      ['projectId'],
    );
  });
});

describe('rate limiting', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth({ BERTH_RATE_LIMIT: '5', BERTH_RATE_WINDOW_MS: '60000' });
  });
  after(() => b.close());

  test('the request after the limit gets 429 with Retry-After; limits are per token', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await b.call('project.all')).status, 200);
    const r = await b.call('project.all');
    assert.equal(r.status, 429);
    assert.equal(r.body.code, 'TOO_MANY_REQUESTS');
    const retry = Number(r.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    // Unauthenticated callers are counted per IP, separately from the token.
    assert.equal((await b.call('project.all', {}, { token: null })).status, 401);
  });
});
