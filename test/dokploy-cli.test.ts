// Drives Dokploy's official command-line client (@dokploy/cli 0.30.7, the real binary)
// against Berth: what works with it is what a Dokploy user can script against Berth.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ORGANIZATION_ID } from '../src/model/common.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';

/** Dokploy's createApiKey names the organization; Berth has one. */
const metadata = { organizationId: ORGANIZATION_ID };
const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../node_modules/@dokploy/cli');
const bin = path.join(pkg, 'dist/index.js');
/** Where `dokploy auth` saves the URL and token: inside the package folder. */
const savedConfig = path.join(pkg, 'config.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('Dokploy CLI 0.30.7 against Berth', () => {
  let b: TestBerth;
  // A cwd without a .env, which the CLI would otherwise read.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dokploy-cli-'));

  /** Runs `dokploy <args>`; a null key leaves credentials out of the environment (for `auth` and its saved config). */
  function dokploy(args: string[], key: string | null = b.token): Promise<Run> {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
    for (const name of Object.keys(env)) if (name.startsWith('DOKPLOY_')) delete env[name];
    if (key !== null) Object.assign(env, { DOKPLOY_URL: b.url, DOKPLOY_API_KEY: key });
    return new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args], { cwd, env, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
    });
  }

  /** Runs a command that must succeed and returns the JSON it printed. */
  async function ok(...args: string[]): Promise<any> {
    const r = await dokploy(args);
    assert.equal(r.code, 0, `dokploy ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  before(async () => {
    b = await startTestBerth();
  });
  after(async () => {
    await b.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  test('`auth` checks the token against Berth, and later commands use what it saved', async () => {
    const previous = fs.existsSync(savedConfig) ? fs.readFileSync(savedConfig) : undefined;
    try {
      const bad = await dokploy(['auth', '-u', b.url, '-t', 'berth_wrong'], null);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Authentication failed: Request failed with status code 401/);

      const good = await dokploy(['auth', '-u', `${b.url}/`, '-t', b.token], null);
      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stdout, /Authenticated successfully/);

      const all = await dokploy(['project', 'all'], null);
      assert.equal(all.code, 0, all.stderr);
      assert.ok(Array.isArray(JSON.parse(all.stdout)));
    } finally {
      if (previous) fs.writeFileSync(savedConfig, previous);
      else fs.rmSync(savedConfig, { force: true });
    }
  });

  test('a wrong key exits 1 with the HTTP status, printing nothing on stdout', async () => {
    const r = await dokploy(['project', 'all'], 'berth_not_a_key');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Request failed with status code 401/);
    assert.equal(r.stdout, '');
  });

  test('`user get` shows who the key belongs to', async () => {
    const me = await ok('user', 'get');
    assert.equal(me.role, 'admin');
    assert.ok(me.user.id);
  });

  test('projects and environments: create, list, read, add an environment, remove', async () => {
    const created = await ok('project', 'create', '--name', 'cli-shop', '--description', 'made by the Dokploy CLI');
    const { projectId } = created.project;
    assert.equal(created.project.name, 'cli-shop');
    assert.equal(created.project.description, 'made by the Dokploy CLI');
    assert.equal(created.environment.projectId, projectId);

    const all = await ok('project', 'all');
    assert.ok(all.some((p: { projectId: string; name: string }) => p.projectId === projectId && p.name === 'cli-shop'));

    const one = await ok('project', 'one', '--projectId', projectId);
    assert.equal(one.name, 'cli-shop');
    assert.deepEqual(one.environments.map((e: { name: string }) => e.name), ['production']);

    const staging = await ok('environment', 'create', '--name', 'staging', '--projectId', projectId);
    assert.equal(staging.name, 'staging');
    assert.equal(staging.projectId, projectId);

    const envs = await ok('environment', 'by-project-id', '--projectId', projectId);
    assert.deepEqual(envs.map((e: { name: string }) => e.name).sort(), ['production', 'staging']);
    assert.ok(envs.some((e: { environmentId: string }) => e.environmentId === staging.environmentId));

    const removed = await dokploy(['project', 'remove', '--projectId', projectId]);
    assert.equal(removed.code, 0, removed.stderr);
    const gone = await dokploy(['project', 'one', '--projectId', projectId]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /status code 404/);
  });

  test('applications: create in an environment, read, update, delete', async () => {
    const { project, environment } = await ok('project', 'create', '--name', 'cli-apps');

    const app = await ok('application', 'create', '--name', 'web', '--environmentId', environment.environmentId, '--appName', 'cli-web');
    assert.equal(app.name, 'web');
    assert.equal(app.environmentId, environment.environmentId);
    assert.match(app.appName, /^cli-web-[a-z0-9]+$/);
    const { applicationId } = app;

    const one = await ok('application', 'one', '--applicationId', applicationId);
    assert.equal(one.applicationId, applicationId);
    assert.equal(one.appName, app.appName);
    assert.equal(one.environment.project.projectId, project.projectId);

    const updated = await dokploy(['application', 'update', '--applicationId', applicationId, '--description', 'set by the CLI', '--replicas', '2']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal(updated.stdout.trim(), 'true');
    const after = await ok('application', 'one', '--applicationId', applicationId);
    assert.equal(after.description, 'set by the CLI');
    assert.equal(after.replicas, 2);

    const listed = await ok('project', 'one', '--projectId', project.projectId);
    const apps = listed.environments.flatMap((e: { applications: { applicationId: string }[] }) => e.applications);
    assert.deepEqual(apps.map((a: { applicationId: string }) => a.applicationId), [applicationId]);

    const deleted = await ok('application', 'delete', '--applicationId', applicationId);
    assert.equal(deleted.applicationId, applicationId);
    const gone = await dokploy(['application', 'one', '--applicationId', applicationId]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /status code 404/);

    assert.equal((await dokploy(['project', 'remove', '--projectId', project.projectId])).code, 0);
  });

  test('a read-only key may list projects but `project create` fails with 403', async () => {
    const key = (await b.call('user.createApiKey', { name: 'cli-reader', role: 'read-only', metadata })).body.key;
    assert.equal((await dokploy(['project', 'all'], key)).code, 0);
    const r = await dokploy(['project', 'create', '--name', 'nope'], key);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /status code 403/);
  });
});
