// Dokploy's `${{…}}` references in an application's env: each form, what an unknown one
// says, cycles, and the text that is not a reference.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDotenv } from '../../src/model/dotenv.js';
import { interpolateEnv } from '../../src/model/env-interpolation.js';
import { BerthError } from '../../src/model/errors.js';

const project = parseDotenv('ENVIRONMENT=staging\nDATABASE_URL=postgres://p:p@db:5432/project_db\nNODE_ENV=production-project\n');
const environment = parseDotenv('NODE_ENV=development\nAPI_URL=https://api.dev.example.com\nDATABASE_NAME=dev_db\n');
const resolve = (app: string, env = environment, proj = project) => interpolateEnv(parseDotenv(app), env, proj);

/** The error a user sees: a BAD_REQUEST whose message matches. */
const fails = (app: string, message: RegExp) =>
  assert.throws(
    () => resolve(app),
    (e: unknown) => e instanceof BerthError && e.code === 'BAD_REQUEST' && message.test(e.message),
  );

describe('interpolateEnv', () => {
  test('${{project.KEY}} takes the project variable', () => {
    assert.deepEqual(resolve('DATABASE_URL=${{project.DATABASE_URL}}\nPORT=4000'), { DATABASE_URL: 'postgres://p:p@db:5432/project_db', PORT: '4000' });
  });

  test('${{environment.KEY}} takes the environment variable, not the project one of the same name', () => {
    assert.deepEqual(resolve('A=${{environment.NODE_ENV}}\nB=${{project.NODE_ENV}}'), { A: 'development', B: 'production-project' });
  });

  test("${{KEY}} takes another variable of the app, resolved first, wherever it is in the text", () => {
    assert.deepEqual(resolve('URL=${{BASE}}/v1\nBASE=${{environment.API_URL}}\nNAME=svc\nLABEL=${{NAME}}-${{NAME}}'), {
      URL: 'https://api.dev.example.com/v1',
      BASE: 'https://api.dev.example.com',
      NAME: 'svc',
      LABEL: 'svc-svc',
    });
  });

  test('several forms in one value, with text around them; a long chain of references resolves', () => {
    assert.deepEqual(resolve('FULL=${{project.DATABASE_URL}}/${{environment.DATABASE_NAME}}?app=${{APP}}\nAPP=web'), {
      FULL: 'postgres://p:p@db:5432/project_db/dev_db?app=web',
      APP: 'web',
    });
    const chain = Array.from({ length: 20_000 }, (_, i) => `V${i}=${i === 19_999 ? 'end' : `\${{V${i + 1}}}`}`).join('\n');
    assert.equal(resolve(chain).V0, 'end');
  });

  test('only the app\'s own keys come out: project and environment variables are not injected', () => {
    assert.deepEqual(Object.keys(resolve('ONLY=${{project.ENVIRONMENT}}')), ['ONLY']);
    assert.deepEqual(resolve(''), {});
  });

  test('an unknown reference names the variable, the reference and where it should be', () => {
    fails('API=${{project.MISSING}}', /^Invalid project environment variable: project\.MISSING \(referenced by API\): the project has no variable "MISSING"$/);
    fails('API=${{environment.MISSING}}', /^Invalid environment variable: environment\.MISSING \(referenced by API\): the environment has no variable "MISSING"$/);
    fails('API=${{MISSING}}', /^Invalid service environment variable: MISSING \(referenced by API\): the application's environment variables have no "MISSING"; write \$\{\{project\.MISSING\}\} or/);
    // a project variable is not visible as ${{KEY}}
    fails('A=${{ENVIRONMENT}}', /Invalid service environment variable: ENVIRONMENT \(referenced by A\)/);
    // an empty name (Dokploy: the same error)
    fails('A=${{project.}}', /Invalid project environment variable: project\. \(referenced by A\)/);
    fails('A=${{vault.aws.db/password}}', /A references \$\{\{vault\.aws\.db\/password\}\}: vault references are not supported by Berth/);
  });

  test('build arguments are named as such in errors', () => {
    assert.throws(() => interpolateEnv({ ARG: '${{NOPE}}' }, {}, {}, 'build arguments'), /the application's build arguments have no "NOPE"/);
  });

  test('a cycle is an error naming it, not an endless loop', () => {
    fails('A=${{B}}\nB=${{C}}\nC=x-${{A}}', /^Circular reference in the application's environment variables: A → B → C → A$/);
    fails('SELF=${{SELF}}', /: SELF → SELF$/);
  });

  test('${{ that is not a reference passes through; there is no escape syntax', () => {
    assert.deepEqual(resolve('A=price ${{ not closed\nB=${{\nC=literal }} and {{x}} and ${x} and $${{}'), {
      A: 'price ${{ not closed',
      B: '${{',
      C: 'literal }} and {{x}} and ${x} and $${{}',
    });
    // closed on another line only: not a reference (multi-line quoted value)
    assert.equal(resolve('M="${{\nproject.ENVIRONMENT}}"').M, '${{\nproject.ENVIRONMENT}}');
    // the innermost ${{…}} is the reference
    assert.equal(resolve('N=${{x ${{project.ENVIRONMENT}}').N, '${{x staging');
    // a closed ${{…}} is always a reference: escaping with a backslash does not exist in Dokploy either
    fails('E=\\${{NOPE}}', /Invalid service environment variable: NOPE/);
  });

  test('values from the project or environment are inserted as they are, never scanned again', () => {
    const proj = { TEMPLATE: '${{SECRET}} $1 $& $$' };
    assert.deepEqual(interpolateEnv({ T: '${{project.TEMPLATE}}', SECRET: 's' }, {}, proj), { T: '${{SECRET}} $1 $& $$', SECRET: 's' });
  });
});
