import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';

/**
 * Compares Berth's generated OpenAPI document with the contract subset
 * (test/fixtures/dokploy-openapi-subset.json, a copy of the contract): every route the Foundation covers
 * must be served with the same method and the same input fields, enums and required keys.
 */
const contract = JSON.parse(
  fs.readFileSync(new URL('../fixtures/dokploy-openapi-subset.json', import.meta.url), 'utf8'),
);

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
const laterGroups = ['previewDeployment'];

type Schema = Record<string, any>;

const laterGroupRoutes = () => Object.keys(contract.paths).filter((p) => laterGroups.includes(p.slice(1).split('.')[0]));

/** Input fields of an operation: `{name: schema}` and the required names. */
function inputOf(op: Schema): { props: Record<string, Schema>; required: Set<string> } {
  if (op.requestBody) {
    const s = op.requestBody.content['application/json'].schema;
    return { props: s.properties ?? {}, required: new Set(s.required ?? []) };
  }
  const props: Record<string, Schema> = {};
  const required = new Set<string>();
  for (const p of op.parameters ?? []) {
    props[p.name] = p.schema;
    if (p.required) required.add(p.name);
  }
  return { props, required };
}

/** Enum values anywhere in a property schema (through anyOf/nullable wrappers). */
function enumsOf(s: Schema): string[] | undefined {
  if (!s || typeof s !== 'object') return undefined;
  if (Array.isArray(s.enum)) return [...s.enum].filter((v) => v !== null).sort();
  for (const alt of s.anyOf ?? []) {
    const e = enumsOf(alt);
    if (e) return e;
  }
  return undefined;
}

const hasDefault = (s: Schema): boolean => s && ('default' in s || (s.anyOf ?? []).some(hasDefault));

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
    return !later[name] && !laterGroups.includes(name.split('.')[0]);
  });

  test('every route left for later is a real contract route', () => {
    const unknown = Object.keys(later).filter((name) => !contract.paths[`/${name}`]);
    assert.deepEqual(unknown, []);
    assert.equal(covered.length + Object.keys(later).length + laterGroupRoutes().length, Object.keys(contract.paths).length);
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
        if (want.required.has(field) && !hasDefault(schema))
          assert.ok(got.required.has(field), `${path}.${field} must be required`);
        // Berth must not demand what the contract leaves optional.
        if (got.required.has(field)) assert.ok(want.required.has(field), `${path}.${field} must be optional`);
      }
    });
  }
});
