import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';
import { enumsOf, inputOf, type Schema } from '../helpers/openapi-inputs.js';

/**
 * Berth's notification.* routes against Dokploy's (test/fixtures/dokploy-openapi-notification.json,
 * the notification operations of the contract): the same paths and methods, every contract
 * input field accepted under its name with its enum values, and nothing required that the
 * contract leaves optional. Berth takes an absent event flag as off, so a client may send fewer.
 */
const contract = JSON.parse(fs.readFileSync(new URL('../fixtures/dokploy-openapi-notification.json', import.meta.url), 'utf8'));

describe('notification.* versus the contract', () => {
  let b: TestBerth;
  let ours: Schema;
  before(async () => {
    b = await startTestBerth();
    ours = (await request(`${b.url}/api/openapi.json`)).body;
  });
  after(() => b.close());

  test('all 41 contract paths (12 providers × create, update, test; and remove, one, all, getEmailProviders, receiveNotification) are served', () => {
    assert.equal(Object.keys(contract.paths).length, 41);
    const missing = Object.entries<Schema>(contract.paths).filter(([path, item]) => !ours.paths[path]?.[Object.keys(item)[0]]);
    assert.deepEqual(missing.map(([p]) => p), []);
  });

  for (const [path, item] of Object.entries<Schema>(contract.paths)) {
    test(`${path}: the contract's input fields, names and enums`, () => {
      const [method, op] = Object.entries<Schema>(item)[0];
      const want = inputOf(op);
      const got = inputOf(ours.paths[path][method]);
      assert.deepEqual(Object.keys(want.props).filter((k) => !(k in got.props)), [], 'fields missing or misnamed');
      for (const [field, schema] of Object.entries(want.props)) {
        assert.deepEqual(enumsOf(got.props[field]), enumsOf(schema), `${field}: enum values differ`);
        if (got.required.has(field)) assert.ok(want.required.has(field), `${field} must be optional`);
      }
    });
  }
});
