import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { procedures } from '../../src/api/procedures.js';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';
import { enumsOf, inputOf, type Schema } from '../helpers/openapi-inputs.js';

/**
 * Compares Berth's generated OpenAPI document with the contract subset
 * (test/fixtures/dokploy-openapi-subset.json, a copy of the contract, and the next contract's
 * groups in test/fixtures/dokploy-openapi-next-*.json): every route the Foundation covers
 * must be served with the same method and the same input fields, enums and required keys.
 */
const contract = JSON.parse(
  fs.readFileSync(new URL('../fixtures/dokploy-openapi-subset.json', import.meta.url), 'utf8'),
);
// and the groups of issue 15, each a copy of its operations in the next contract (dokploy-openapi-next-<group>.json)
const fixtures = new URL('../fixtures/', import.meta.url);
for (const file of fs.readdirSync(fixtures).filter((f) => /^dokploy-openapi-next-[\w-]+\.json$/.test(f)))
  Object.assign(contract.paths, JSON.parse(fs.readFileSync(new URL(file, fixtures), 'utf8')).paths);

/** Contract routes that later capabilities serve, with the reason. */
const later: Record<string, string> = {};
const mark = (reason: string, routes: string[]) => routes.forEach((r) => (later[r] = reason));
mark('multipart upload, tested in deploy-e2e', ['application.dropDeployment']);
mark('Berth has no compose services', ['domain.byComposeId']);
mark('calls the provider\'s own API, unreachable here', [
  'github.getGithubRepositories', 'github.getGithubBranches', 'github.testConnection',
  'gitlab.getGitlabRepositories', 'gitlab.getGitlabBranches', 'gitlab.testConnection',
  'bitbucket.getBitbucketRepositories', 'bitbucket.getBitbucketBranches', 'bitbucket.testConnection',
  'gitea.getGiteaRepositories', 'gitea.getGiteaBranches', 'gitea.testConnection',
]);

const hasDefault = (s: Schema): boolean => s && ('default' in s || (s.anyOf ?? []).some(hasDefault));

/** Berth's application.save* procedures and port.update leave an absent field's column as it is (README, differences): only the record's id stays required. */
const absentMeansUnchanged = (path: string, field: string) =>
  (/^\/application\.save\w+$/.test(path) && field !== 'applicationId') || (path === '/port.update' && field !== 'portId');

describe('OpenAPI document versus the contract', () => {
  let b: TestBerth;
  let ours: Schema;
  before(async () => {
    b = await startTestBerth();
    ours = (await request(`${b.url}/api/openapi.json`, { headers: { 'x-api-key': b.token } })).body;
  });
  after(() => b.close());

  const covered = Object.entries<Schema>(contract.paths).filter(([path]) => {
    const name = path.slice(1);
    return !later[name];
  });

  test('every route left for later is a real contract route', () => {
    const unknown = Object.keys(later).filter((name) => !contract.paths[`/${name}`]);
    assert.deepEqual(unknown, []);
    assert.equal(covered.length + Object.keys(later).length, Object.keys(contract.paths).length);
  });

  for (const [path, item] of covered) {
    test(`${path}: served with the contract's method and inputs`, () => {
      const [method, op] = Object.entries<Schema>(item)[0];
      const mine = ours.paths[path];
      assert.ok(mine, `${path} is not served`);
      assert.ok(mine[method], `${path} is served, but not as ${method.toUpperCase()}`);
      const want = inputOf(op);
      const got = inputOf(mine[method]);
      const missing = Object.keys(want.props).filter((k) => !(k in got.props));
      assert.deepEqual(missing, [], `${path}: input fields missing or misnamed`);
      for (const [field, schema] of Object.entries(want.props)) {
        assert.deepEqual(enumsOf(got.props[field]), enumsOf(schema), `${path}.${field}: enum values differ`);
        // Required in the contract and not defaulted there: Berth must require it too.
        if (want.required.has(field) && !hasDefault(schema) && !absentMeansUnchanged(path, field))
          assert.ok(got.required.has(field), `${path}.${field} must be required`);
        // Berth must not demand what the contract leaves optional.
        if (got.required.has(field)) assert.ok(want.required.has(field), `${path}.${field} must be optional`);
      }
    });
  }
});

describe('OpenAPI document: every operation is described for a reader', () => {
  let b: TestBerth;
  let doc: Schema;
  before(async () => {
    b = await startTestBerth();
    doc = (await request(`${b.url}/api/openapi.json`)).body;
  });
  after(() => b.close());

  const operations = () => Object.entries<Schema>(doc.paths).flatMap(([path, item]) => Object.entries<Schema>(item).map(([method, op]) => ({ path, method, op })));
  const resolve = (s: Schema): Schema => (s?.$ref ? resolve(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')]) : s);

  test('every operation has a one-line summary', () => {
    const missing = operations().filter(({ op }) => typeof op.summary !== 'string' || op.summary.trim() === '' || op.summary.includes('\n'));
    assert.deepEqual(missing.map((o) => o.path), []);
  });

  test('every 200 answer has a schema that says something (a type, properties, items or a reference to one)', () => {
    const empty = operations().filter(({ op }) => {
      const content = op.responses?.[200]?.content ?? {};
      const schemas = Object.values<Schema>(content).map((c) => resolve(c.schema));
      return schemas.length === 0 || schemas.some((s) => !s || Object.keys(s).length === 0);
    });
    assert.deepEqual(empty.map((o) => o.path), []);
    // every $ref of the document points at a component
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(refs.filter((r) => !doc.components.schemas[r]), []);
  });

  test('the served procedures, the SSE streams, the upload and /metrics are all in the document', () => {
    for (const p of procedures) assert.ok(doc.paths[`/${p.name}`]?.[p.kind === 'query' ? 'get' : 'post'], `${p.name} missing`);
    assert.ok(doc.paths['/deployment.stream'].get.responses[200].content['text/event-stream']);
    assert.ok(doc.paths['/application.logStream'].get.responses[200].content['text/event-stream']);
    const upload = doc.paths['/application.dropDeployment'].post.requestBody.content['multipart/form-data'].schema;
    assert.deepEqual(upload.properties.zip, { type: 'string', format: 'binary' });
    assert.ok(upload.required.includes('applicationId'));
    assert.deepEqual(doc.paths['/metrics'].get.servers, [{ url: '/' }]);
    assert.ok(doc.paths['/metrics'].get.responses[200].content['text/plain']);
  });
});
