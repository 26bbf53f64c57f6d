// Dokploy's clients send "" for what they do not set (its CLI requires every flag it knows)
// and leave out what they do not know: wherever the contract lets a field be empty or
// absent, Berth takes it too. Checked field by field against the contract's own schemas.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { procedures } from '../../src/api/procedures.js';
import { emptyIsNull } from '../../src/model/common.js';

const contract = JSON.parse(fs.readFileSync(new URL('../fixtures/dokploy-openapi-subset.json', import.meta.url), 'utf8'));

type Schema = Record<string, any>;

/** Whether a contract property schema admits the empty string. */
function admitsEmpty(s: Schema | undefined): boolean {
  if (!s) return true;
  if (s.anyOf) return s.anyOf.some(admitsEmpty);
  if (s.type !== 'string' || s.format || s.minLength) return false;
  if (s.enum) return s.enum.includes('');
  return !s.pattern || new RegExp(s.pattern).test('');
}

/** Values that cannot be "not set": "" names nothing (Dokploy answers 404 for it), so Berth answers 400. */
const mustBeGiven: Record<string, string> = {
  'project.duplicate name': 'a project needs a name',
  'domain.generateDomain appName': 'the host is made from it',
  'domain.validateDomain domain': 'the host to look up',
  'sshKey.create privateKey': 'a key pair is its keys',
  'sshKey.create publicKey': 'a key pair is its keys',
  'application.update environmentId': 'it moves the application: "" names no environment',
  'domain.create applicationId': 'every domain Berth routes belongs to an application',
};
/** A required `…Id` names the record the call is about. */
const namesARecord = (field: string, required: boolean) => required && /Id$/.test(field);

function operations() {
  const out: { name: string; props: Record<string, Schema>; required: string[] }[] = [];
  for (const [path, item] of Object.entries<Schema>(contract.paths)) {
    const op = item.post ?? item.get;
    if (op.requestBody) {
      const s = op.requestBody.content['application/json']?.schema ?? {}; // dropDeployment: multipart, tested in no-500
      out.push({ name: path.slice(1), props: s.properties ?? {}, required: s.required ?? [] });
    } else {
      const params = op.parameters ?? [];
      out.push({ name: path.slice(1), props: Object.fromEntries(params.map((p: Schema) => [p.name, p.schema])), required: params.filter((p: Schema) => p.required).map((p: Schema) => p.name) });
    }
  }
  return out;
}

describe('emptyIsNull: "" means not set', () => {
  const version = emptyIsNull(z.string().regex(/^[a-z0-9.]+$/, 'Must be a version'));
  test('"" becomes null; null stays null', () => {
    assert.equal(version.parse(''), null);
    assert.equal(version.parse(null), null);
  });
  test('non-empty text must pass the rule, and says why not', () => {
    assert.equal(version.parse('1.2'), '1.2');
    assert.deepEqual(version.safeParse('not a version!').error?.issues.map((i) => i.message), ['Must be a version']);
  });
  test('other types are still refused', () => {
    for (const wrong of [0, false, [], {}]) assert.equal(version.safeParse(wrong).success, false, JSON.stringify(wrong));
  });
});

describe('every contract input Berth serves', () => {
  for (const op of operations()) {
    const proc = procedures.find((p) => p.name === op.name);
    if (!proc) continue; // routes Berth does not serve are listed in openapi-contract.test.ts
    const shape: Record<string, z.ZodType> = (proc.input as any)._zod.def.shape ?? {};
    test(`${op.name}: "" and absence are taken wherever the contract takes them`, () => {
      const refusedEmpty: string[] = [];
      const refusedAbsent: string[] = [];
      for (const [field, schema] of Object.entries(op.props)) {
        const required = op.required.includes(field);
        const mine = shape[field];
        assert.ok(mine, `${op.name}.${field} is not in Berth's schema`);
        if (admitsEmpty(schema) && !mustBeGiven[`${op.name} ${field}`] && !namesARecord(field, required)) {
          const r = mine.safeParse('');
          if (!r.success) refusedEmpty.push(`${field}: ${r.error.issues[0].message}`);
          // stored as "not set", never as a value a later step would trip over
          else assert.ok(r.data === null || r.data === '' || r.data === undefined, `${op.name}.${field}: "" became ${JSON.stringify(r.data)}`);
        }
        if (!required && !mustBeGiven[`${op.name} ${field}`] && !mine.safeParse(undefined).success) refusedAbsent.push(field);
      }
      assert.deepEqual(refusedEmpty, [], `${op.name} refuses "" where the contract takes it`);
      assert.deepEqual(refusedAbsent, [], `${op.name} requires what the contract leaves out`);
    });
  }
});
