import assert from 'node:assert/strict';
import type { Reply, TestBerth } from './berth.js';

export interface AppRef {
  applicationId: string;
  appName: string;
  name: string;
}

let count = 0;

/** A fresh application in a fresh project, created over HTTP as a user would. */
export async function newApplication(b: TestBerth, name = `app-${++count}`): Promise<AppRef> {
  const p = await b.call('project.create', { name: `${name}-project` });
  assert.equal(p.status, 200, p.text);
  const a = await b.call('application.create', { name, environmentId: p.body.environment.environmentId });
  assert.equal(a.status, 200, a.text);
  return { applicationId: a.body.applicationId, appName: a.body.appName, name: a.body.name };
}

/** A 400 whose issues name `field`. */
export function assertBadField(r: Reply, field: string): void {
  assert.equal(r.status, 400, r.text);
  const fields = (r.body.issues ?? []).map((i: { path: (string | number)[] }) => i.path[0]);
  assert.ok(fields.includes(field), `expected an issue naming "${field}", got ${JSON.stringify(fields)}: ${r.body.message}`);
}

/** A read-only token: reads allowed, mutations refused. */
export const readOnlyToken = (b: TestBerth): string => b.store.apiKeys.create({ name: 'ro', role: 'read-only' }).key;
