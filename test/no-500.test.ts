import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { procedures } from '../src/api/procedures.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';

/**
 * Whatever a client sends, the answer is never a 500: every procedure gets empty input,
 * wrong types in every field, hostile strings and unknown ids, over both transports.
 */
const hostile = ['', ' ', '../../etc/passwd', "'; drop table project; --", '\u0000', 'x'.repeat(5000), '🚢', '{"json":1}', '-1', 'NaN'];
const wrongTypes: unknown[] = [null, 0, -1, 1e308, true, [], {}, ['a'], { nested: { deep: 1 } }];

function shapeOf(name: string): string[] {
  const proc = procedures.find((p) => p.name === name)!;
  return Object.keys((proc.input as any)._zod.def.shape ?? {});
}

describe('no input a client can send produces a 500', () => {
  let b: TestBerth;
  /** Real ids by field name, so that hostile values in the other fields reach the handlers. */
  const ids: Record<string, string> = {};
  before(async () => {
    b = await startTestBerth({ BERTH_BODY_LIMIT: '65536' });
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
});
