import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { procedures } from '../src/api/procedures.js';
import { incomingUploadsOf } from '../src/deploy/layout.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';

/**
 * Whatever a client sends, the answer is never a 500: every procedure gets empty input,
 * wrong types in every field, hostile strings and unknown ids, over both transports.
 */
const hostile = ['', ' ', '../../etc/passwd', "'; drop table project; --", '\u0000', 'x'.repeat(5000), '🚢', '{"json":1}', '-1', 'NaN'];
const wrongTypes: unknown[] = [null, 0, -1, 1e308, true, [], {}, ['a'], { nested: { deep: 1 } }];

const UPLOAD_LIMIT = 65536;

/** A multipart body written by hand, so that it can be wrong in every way a client can get it wrong. */
const BOUNDARY = 'berth-fuzz-boundary';
const field = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const file = (name: string, content: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="site.tar.gz"\r\nContent-Type: application/gzip\r\n\r\n${content}\r\n`;
const end = `--${BOUNDARY}--\r\n`;
const multipart = `multipart/form-data; boundary=${BOUNDARY}`;

/** Malformed uploads to `application.dropDeployment`: the status and message each must get. */
const uploads = (applicationId: string): { name: string; type: string; body: string; status: number; message: RegExp }[] => [
  { name: 'no boundary', type: 'multipart/form-data', body: field('applicationId', applicationId) + file('zip', 'x') + end, status: 400, message: /Boundary not found/ },
  { name: 'no file part', type: multipart, body: field('applicationId', applicationId) + end, status: 400, message: /zip: the archive is missing/ },
  { name: 'two file parts', type: multipart, body: field('applicationId', applicationId) + file('zip', 'a') + file('zip', 'b') + end, status: 400, message: /one archive only/ },
  { name: 'a file part under another name', type: multipart, body: field('applicationId', applicationId) + file('archive', 'a') + end, status: 400, message: /Unexpected file field "archive"/ },
  {
    name: 'a body cut off inside the file',
    type: multipart,
    body: field('applicationId', applicationId) + `--${BOUNDARY}\r\nContent-Disposition: form-data; name="zip"; filename="a.tgz"\r\n\r\nhalf an archi`,
    status: 400,
    message: /Malformed multipart\/form-data body/,
  },
  { name: 'a body that is not multipart at all', type: multipart, body: 'garbage', status: 400, message: /Malformed multipart\/form-data body/ },
  { name: 'urlencoded instead of multipart', type: 'application/x-www-form-urlencoded', body: `applicationId=${applicationId}`, status: 415, message: /Unsupported Media Type/ },
  { name: 'JSON instead of multipart', type: 'application/json', body: JSON.stringify({ applicationId }), status: 415, message: /Send multipart\/form-data/ },
  { name: 'an oversized field', type: multipart, body: field('dropBuildPath', 'a/'.repeat(3000)) + field('applicationId', applicationId) + file('zip', 'x') + end, status: 413, message: /"dropBuildPath" is longer than 4096 bytes/ },
  { name: 'too many fields', type: multipart, body: Array.from({ length: 20 }, (_, i) => field(`f${i}`, 'v')).join('') + end, status: 413, message: /Too many form fields/ },
  { name: 'an oversized file', type: multipart, body: field('applicationId', applicationId) + file('zip', 'x'.repeat(UPLOAD_LIMIT + 1)) + end, status: 413, message: new RegExp(`archive is larger than ${UPLOAD_LIMIT} bytes`) },
];

function shapeOf(name: string): string[] {
  const proc = procedures.find((p) => p.name === name)!;
  return Object.keys((proc.input as any)._zod.def.shape ?? {});
}

describe('no input a client can send produces a 500', () => {
  let b: TestBerth;
  /** Real ids by field name, so that hostile values in the other fields reach the handlers. */
  const ids: Record<string, string> = {};
  before(async () => {
    b = await startTestBerth({ BERTH_BODY_LIMIT: '65536', BERTH_UPLOAD_LIMIT: String(UPLOAD_LIMIT) });
    const { project, environment } = (await b.call('project.create', { name: 'fuzz' })).body;
    const app = (await b.call('application.create', { name: 'fuzz', environmentId: environment.environmentId })).body;
    const domain = (await b.call('domain.create', { host: 'fuzz.example.com', applicationId: app.applicationId })).body;
    const port = (await b.call('port.create', { publishedPort: 8080, targetPort: 80, applicationId: app.applicationId })).body;
    const mount = (await b.call('mounts.create', { type: 'volume', volumeName: 'fuzz', mountPath: '/data', serviceId: app.applicationId })).body;
    Object.assign(ids, {
      projectId: project.projectId,
      environmentId: environment.environmentId,
      sourceEnvironmentId: environment.environmentId,
      targetEnvironmentId: environment.environmentId,
      applicationId: app.applicationId,
      serviceId: app.applicationId,
      domainId: domain.domainId,
      portId: port.portId,
      mountId: mount.mountId,
    });
    for (const [k, v] of Object.entries(ids)) assert.ok(v, `fixture ${k} was not created`);
  });
  after(() => b.close());

  for (const proc of procedures) {
    test(proc.name, async () => {
      const fields = shapeOf(proc.name);
      const inputs: Record<string, unknown>[] = [{}];
      for (const value of [...hostile, ...wrongTypes]) {
        inputs.push(Object.fromEntries(fields.map((f) => [f, value])));
        // The same with real ids: the hostile values now reach the handler's own checks.
        inputs.push(Object.fromEntries(fields.map((f) => [f, ids[f] ?? value])));
      }
      for (const input of inputs) {
        const r = await b.call(proc.name, input);
        assert.ok(r.status < 500, `${proc.name} ${JSON.stringify(input).slice(0, 200)} → ${r.status} ${r.text.slice(0, 300)}`);
        if (r.status >= 400) assert.equal(typeof r.body.message, 'string', `${proc.name}: error without a message`);
      }
      const trpc = await fetch(`${b.url}/api/trpc/${proc.name}${proc.kind === 'query' ? '?input=%7B%22json%22%3A%5B1%5D%7D' : ''}`, {
        method: proc.kind === 'query' ? 'GET' : 'POST',
        headers: { 'x-api-key': b.token, 'content-type': 'application/json' },
        body: proc.kind === 'query' ? undefined : '{"json":[1,2,3]}',
      });
      assert.ok(trpc.status < 500, `tRPC ${proc.name} → ${trpc.status}`);
    });
  }

  for (const transport of ['', 'trpc/']) {
    test(`malformed uploads to ${transport}application.dropDeployment: a 4xx in the error format, nothing stored, nothing queued`, async () => {
      // its own application: the fuzzing above may have deleted the shared one
      const { environment } = (await b.call('project.create', { name: `upload-${transport || 'rest'}` })).body;
      const { applicationId } = (await b.call('application.create', { name: 'upload', environmentId: environment.environmentId })).body;
      const before = (await b.call('application.one', { applicationId })).body;
      for (const u of uploads(applicationId)) {
        const res = await fetch(`${b.url}/api/${transport}application.dropDeployment`, {
          method: 'POST',
          headers: { 'x-api-key': b.token, 'content-type': u.type },
          body: u.body,
        });
        const body = await res.json();
        assert.equal(res.status, u.status, `${u.name}: ${JSON.stringify(body)}`);
        // Berth's form on REST, tRPC's envelope on the tRPC path
        const error = transport ? body.error.json : body;
        assert.match(error.message, u.message, u.name);
        if (transport) assert.equal(error.data.httpStatus, u.status, u.name);
        else assert.deepEqual([body.code, body.error.message], [error.code, error.message], u.name);
      }
      assert.deepEqual((await b.call('deployment.all', { applicationId })).body, [], 'no deployment was queued');
      const after = (await b.call('application.one', { applicationId })).body;
      assert.equal(after.sourceType, before.sourceType);
      assert.equal(after.dropBuildPath, before.dropBuildPath);
      const incoming = incomingUploadsOf(b.dataDir);
      assert.deepEqual(fs.existsSync(incoming) ? fs.readdirSync(incoming) : [], [], 'no partial archive left behind');
      assert.equal(fs.existsSync(path.join(b.dataDir, 'uploads', 'latest')), false, 'no archive became the latest upload');
    });
  }
});
