// Drives Dokploy's official command-line client (@dokploy/cli 0.30.7, the real binary)
// against Berth: what works with it is what a Dokploy user can script against Berth.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { procedures } from '../src/api/procedures.js';
import { ORGANIZATION_ID } from '../src/model/common.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();

/** Dokploy's createApiKey names the organization; Berth has one. */
const metadata = { organizationId: ORGANIZATION_ID };
const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../node_modules/@dokploy/cli');
const bin = path.join(pkg, 'dist/index.js');
/** Where `dokploy auth` saves the URL and token: inside the package folder. */
const savedConfig = path.join(pkg, 'config.json');

const contract = JSON.parse(fs.readFileSync(new URL('./fixtures/dokploy-openapi-subset.json', import.meta.url), 'utf8'));

/** One command of the CLI's generated table: its words, the route it posts or gets, and its flags. */
interface CliCommand {
  words: [string, string];
  route: string;
  flags: { name: string; required: boolean; takesValue: boolean }[];
}

/**
 * The CLI's own command table, read from the package (commander objects, not our copy):
 * each command's description is `<group> <procedure>`, the route it calls.
 */
async function cliCommands(): Promise<Map<string, CliCommand>> {
  const { Command } = createRequire(bin)('commander');
  const { registerGeneratedCommands } = await import(pathToFileURL(path.join(pkg, 'dist/generated/commands.js')).href);
  const program = new Command();
  registerGeneratedCommands(program);
  const table = new Map<string, CliCommand>();
  for (const group of program.commands)
    for (const cmd of group.commands) {
      const route = cmd.description().replace(' ', '.');
      const flags = cmd.options
        .filter((o: any) => o.long !== '--json')
        .map((o: any) => ({ name: o.long.slice(2), required: !!o.mandatory, takesValue: !!o.required }));
      table.set(route, { words: [group.name(), cmd.name()], route, flags });
    }
  return table;
}

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

  // ---- every CLI command that calls a contract route Berth serves ---------------------

  let table: Map<string, CliCommand>;
  const driven = new Set<string>();
  /** CLI commands of served contract routes this file does not run, and why. */
  const notDriven: Record<string, string> = {
    'rollback.rollback': 'needs a successful release (a running Swarm service): test/releases-e2e.test.ts',
    'rollback.delete': 'needs a successful release (a running Swarm service): test/releases-e2e.test.ts',
  };

  /**
   * The argv the CLI runs for `route` with the flags a user gives. Every required flag left
   * out goes as "" (the CLI refuses to run without it; a required switch can only be on);
   * optional flags go only when given.
   */
  function argv(route: string, given: Record<string, string | true> = {}): string[] {
    const cmd = table.get(route);
    assert.ok(cmd, `the CLI has no command for ${route}`);
    for (const k of Object.keys(given)) assert.ok(cmd.flags.some((f) => f.name === k), `${route}: the CLI has no --${k}`);
    const args: string[] = [...cmd.words];
    for (const f of cmd.flags) {
      const value = given[f.name] ?? (f.required ? (f.takesValue ? '' : true) : undefined);
      if (value === undefined) continue;
      args.push(`--${f.name}`, ...(f.takesValue ? [String(value)] : []));
    }
    driven.add(route);
    return args;
  }

  /** Runs the CLI's command for `route`; it must succeed. Answers what it printed, as JSON when it is JSON. */
  async function cli(route: string, given: Record<string, string | true> = {}): Promise<any> {
    const r = await dokploy(argv(route, given));
    assert.equal(r.code, 0, `${route} ${JSON.stringify(given)}: ${r.stderr}`);
    try {
      return JSON.parse(r.stdout);
    } catch {
      return r.stdout.trim();
    }
  }

  /** Runs the CLI's command for `route`; it must fail with `status`. */
  async function cliFails(route: string, given: Record<string, string | true>, status: number): Promise<void> {
    const r = await dokploy(argv(route, given));
    assert.equal(r.code, 1, `${route} ${JSON.stringify(given)} should fail: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`status code ${status}`), route);
  }

  /** Reads back through the REST API (not the CLI): what was stored, not what the CLI printed. */
  async function api(proc: string, input: Record<string, unknown>): Promise<any> {
    const r = await b.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  }

  describe('every command, with the flags as the CLI builds them ("" for each required flag not given)', () => {
    let projectId: string;
    let environmentId: string;
    let applicationId: string;
    before(async () => {
      table = await cliCommands();
    });

    test('projects and environments', async () => {
      const created = await cli('project.create', { name: `cli-all-${runId}` });
      projectId = created.project.projectId;
      environmentId = created.environment.environmentId;
      await cli('project.update', { projectId, description: 'set by update', env: 'TIER=cli' });
      const project = await api('project.one', { projectId });
      assert.deepEqual([project.description, project.env], ['set by update', 'TIER=cli']);
      assert.equal((await cli('project.one', { projectId })).name, `cli-all-${runId}`);
      assert.ok((await cli('project.all')).some((p: any) => p.projectId === projectId));
      assert.ok((await cli('project.allForPermissions')).some((p: any) => p.projectId === projectId));
      assert.ok((await cli('project.search', { name: `cli-all-${runId}` })).items.some((p: any) => p.projectId === projectId));
      assert.equal(typeof (await cli('project.homeStats')), 'object');

      const staging = await cli('environment.create', { name: 'staging', projectId });
      await cli('environment.update', { environmentId: staging.environmentId, description: 'for tests', env: 'STAGE=1' });
      const stored = await api('environment.one', { environmentId: staging.environmentId });
      assert.deepEqual([stored.description, stored.env], ['for tests', 'STAGE=1']);
      assert.equal((await cli('environment.one', { environmentId: staging.environmentId })).name, 'staging');
      assert.equal((await cli('environment.byProjectId', { projectId })).length, 2);
      assert.ok((await cli('environment.search', { projectId })).items.some((e: any) => e.environmentId === staging.environmentId));
      const copy = await cli('environment.duplicate', { environmentId: staging.environmentId, name: 'staging-copy' });
      assert.equal((await api('environment.one', { environmentId: copy.environmentId })).name, 'staging-copy');
      await cli('environment.remove', { environmentId: copy.environmentId });
      assert.equal((await b.call('environment.one', { environmentId: copy.environmentId })).status, 404);

      const dup = await cli('project.duplicate', { sourceEnvironmentId: staging.environmentId, name: `cli-dup-${runId}` });
      const dupId = dup.projectId; // the answer is the new project's environment
      assert.equal((await api('project.one', { projectId: dupId })).name, `cli-dup-${runId}`);
      await cli('project.remove', { projectId: dupId });
      assert.equal((await b.call('project.one', { projectId: dupId })).status, 404);
    });

    test('an application through every save* command: "" is "not set", absent leaves the column alone', async () => {
      const app = await cli('application.create', { name: 'cli-api', environmentId });
      applicationId = app.applicationId;
      const stored = () => api('application.one', { applicationId });

      // the command: --dockerBuildStage "" --herokuVersion "" --railpackVersion ""
      assert.equal(await cli('application.saveBuildType', { applicationId, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: '.' }), true);
      let a = await stored();
      assert.deepEqual([a.buildType, a.dockerfile, a.dockerContextPath, a.dockerBuildStage, a.herokuVersion, a.railpackVersion], ['dockerfile', 'Dockerfile', '.', null, null, null]);
      // non-empty values are still checked
      await cliFails('application.saveBuildType', { applicationId, buildType: 'heroku_buildpacks', herokuVersion: '24; rm -rf /' }, 400);
      assert.equal((await stored()).buildType, 'dockerfile');

      assert.equal(await cli('application.saveEnvironment', { applicationId, env: 'PORT=3000', createEnvFile: true }), true);
      a = await stored();
      assert.deepEqual([a.env, a.buildArgs, a.buildSecrets, a.createEnvFile], ['PORT=3000', null, null, true]);
      // an MCP client sends applicationId, env and buildArgs only: the rest stays as it was
      await api('application.saveEnvironment', { applicationId, buildSecrets: 'NPM_TOKEN=s3cret' });
      await api('application.saveEnvironment', { applicationId, env: 'PORT=4000', buildArgs: 'NODE_ENV=production' });
      a = await stored();
      assert.deepEqual([a.env, a.buildArgs, a.buildSecrets, a.createEnvFile], ['PORT=4000', 'NODE_ENV=production', 'NPM_TOKEN=s3cret', true]);
      assert.equal((await b.call('application.saveEnvironment', { applicationId, createEnvFile: 'yes' })).status, 400, 'wrong types stay a 400');

      assert.equal(await cli('application.saveDockerProvider', { applicationId, dockerImage: 'nginx:1.27' }), true);
      a = await stored();
      assert.deepEqual([a.sourceType, a.dockerImage, a.username, a.registryUrl], ['docker', 'nginx:1.27', null, null]);

      const repo = testEnv.git.repos['hello-static'];
      assert.equal(await cli('application.saveGitProvider', { applicationId, customGitUrl: repo.httpUrl, customGitBranch: 'main', customGitBuildPath: '/' }), true);
      a = await stored();
      assert.deepEqual([a.sourceType, a.customGitUrl, a.customGitBranch, a.watchPaths], ['git', repo.httpUrl, 'main', null]);
      // list flags travel as text: JSON text is read as the list it holds
      await cli('application.saveGitProvider', { applicationId, customGitUrl: repo.httpUrl, customGitBranch: 'main', customGitBuildPath: '/', watchPaths: '["site/**"]' });
      assert.deepEqual((await stored()).watchPaths, ['site/**']);
      await cliFails('application.saveGitProvider', { applicationId, customGitUrl: 'file:///etc', customGitBranch: 'main' }, 400);

      await cli('application.saveGithubProvider', { applicationId, repository: 'shop', owner: 'acme', branch: 'main', triggerType: 'push' });
      a = await stored();
      assert.deepEqual([a.sourceType, a.repository, a.owner, a.branch, a.githubId, a.buildPath], ['github', 'shop', 'acme', 'main', null, null]);
      await cli('application.saveGitlabProvider', { applicationId, gitlabRepository: 'shop', gitlabOwner: 'acme', gitlabBranch: 'main', gitlabProjectId: '42', gitlabPathNamespace: 'acme/shop' });
      a = await stored();
      assert.deepEqual([a.sourceType, a.gitlabRepository, a.gitlabProjectId, a.gitlabId], ['gitlab', 'shop', 42, null]);
      await cli('application.saveBitbucketProvider', { applicationId, bitbucketRepository: 'shop', bitbucketOwner: 'acme', bitbucketBranch: 'main', bitbucketRepositorySlug: 'shop' });
      a = await stored();
      assert.deepEqual([a.sourceType, a.bitbucketRepositorySlug, a.bitbucketId], ['bitbucket', 'shop', null]);
      await cli('application.saveGiteaProvider', { applicationId, giteaRepository: 'shop', giteaOwner: 'acme', giteaBranch: 'main' });
      a = await stored();
      assert.deepEqual([a.sourceType, a.giteaRepository, a.giteaId], ['gitea', 'shop', null]);
      await cli('application.disconnectGitProvider', { applicationId });
      a = await stored();
      assert.deepEqual([a.giteaRepository, a.giteaBranch], [null, null]);

      assert.equal(await cli('application.update', { applicationId, description: 'updated by the CLI', replicas: '2', herokuVersion: '', previewWildcard: '', command: 'httpd -f', args: '["-p","8080"]' }), true);
      a = await stored();
      assert.deepEqual([a.description, a.replicas, a.herokuVersion, a.previewWildcard, a.command, a.args], ['updated by the CLI', 2, null, null, 'httpd -f', ['-p', '8080']]);
      assert.equal(a.env, 'PORT=4000', 'update leaves what it is not given');

      const token = a.refreshToken;
      await cli('application.refreshToken', { applicationId });
      assert.notEqual((await stored()).refreshToken, token);
      assert.equal((await cli('application.one', { applicationId })).applicationId, applicationId);
      assert.ok((await cli('application.search', { name: 'cli-api', projectId })).items.some((x: any) => x.applicationId === applicationId));

      const other = await cli('environment.create', { name: 'other', projectId });
      await cli('application.move', { applicationId, targetEnvironmentId: other.environmentId });
      assert.equal((await stored()).environmentId, other.environmentId);
      await cli('application.move', { applicationId, targetEnvironmentId: environmentId });
    });

    test('domains, the Traefik file, ports, mounts, redirects and basic auth', async () => {
      const domain = await cli('domain.create', { host: `cli-${runId}.example.com`, applicationId, port: '80', path: '/', customCertResolver: '', internalPath: '' });
      let d = await api('domain.one', { domainId: domain.domainId });
      assert.deepEqual([d.host, d.port, d.customCertResolver, d.internalPath], [`cli-${runId}.example.com`, 80, null, null]);
      await cli('domain.update', { domainId: domain.domainId, host: `cli2-${runId}.example.com`, customEntrypoint: '', path: '/app' });
      d = await api('domain.one', { domainId: domain.domainId });
      assert.deepEqual([d.host, d.path, d.customEntrypoint, d.port], [`cli2-${runId}.example.com`, '/app', null, 80]);
      assert.equal((await cli('domain.one', { domainId: domain.domainId })).domainId, domain.domainId);
      assert.equal((await cli('domain.byApplicationId', { applicationId })).length, 1);
      assert.match(await cli('domain.generateDomain', { appName: 'cli-api' }), /^cli-api-/);
      assert.equal(await cli('domain.canGenerateTraefikMeDomains'), '', 'BERTH_SERVER_IP is not set');
      assert.equal(typeof (await cli('domain.validateDomain', { domain: 'localhost' })).isValid, 'boolean');

      const yaml = await cli('application.readTraefikConfig', { applicationId });
      assert.match(yaml, new RegExp(`cli2-${runId}\\.example\\.com`));
      const edited = yaml.replace('/app', '/edited');
      assert.equal(await cli('application.updateTraefikConfig', { applicationId, traefikConfig: edited }), true);
      assert.match(await api('application.readTraefikConfig', { applicationId }), /\/edited/);

      await cli('domain.toggleEnable', { domainId: domain.domainId });
      assert.equal((await api('domain.one', { domainId: domain.domainId })).enabled, false);
      await cli('domain.delete', { domainId: domain.domainId });
      assert.equal((await b.call('domain.one', { domainId: domain.domainId })).status, 404);

      const port = await cli('port.create', { publishedPort: '18080', targetPort: '80', publishMode: 'host', protocol: 'tcp', applicationId });
      await cli('port.update', { portId: port.portId, publishedPort: '18081', targetPort: '81', publishMode: 'host', protocol: 'udp' });
      assert.deepEqual(
        (({ publishedPort, targetPort, publishMode, protocol }) => ({ publishedPort, targetPort, publishMode, protocol }))(await api('port.one', { portId: port.portId })),
        { publishedPort: 18081, targetPort: 81, publishMode: 'host', protocol: 'udp' },
      );
      assert.equal((await cli('port.one', { portId: port.portId })).portId, port.portId);
      await cli('port.delete', { portId: port.portId });

      const mount = await cli('mounts.create', { type: 'volume', volumeName: `cli-${runId}`, mountPath: '/data', serviceId: applicationId });
      await cli('mounts.update', { mountId: mount.mountId, mountPath: '/srv/data' });
      assert.equal((await api('mounts.one', { mountId: mount.mountId })).mountPath, '/srv/data');
      assert.equal((await cli('mounts.one', { mountId: mount.mountId })).volumeName, `cli-${runId}`);
      assert.equal((await cli('mounts.listByServiceId', { serviceType: 'application', serviceId: applicationId })).length, 1);
      // no container runs: nothing, which the CLI prints as the whole tRPC answer
      assert.equal((await cli('mounts.allNamedByApplicationId', { applicationId })).result.data.json, null);
      await cli('mounts.remove', { mountId: mount.mountId });
      assert.equal((await b.call('mounts.one', { mountId: mount.mountId })).status, 404);

      assert.equal(await cli('redirects.create', { regex: '^/old$', replacement: '/new', permanent: true, applicationId }), true);
      const [redirect] = (await api('application.one', { applicationId })).redirects;
      await cli('redirects.update', { redirectId: redirect.redirectId, regex: '^/older$', replacement: '/newer', permanent: true });
      const r = await api('redirects.one', { redirectId: redirect.redirectId });
      assert.deepEqual([r.regex, r.replacement, r.permanent], ['^/older$', '/newer', true]);
      assert.equal((await cli('redirects.one', { redirectId: redirect.redirectId })).regex, '^/older$');
      await cli('redirects.delete', { redirectId: redirect.redirectId });

      assert.equal(await cli('security.create', { applicationId, username: 'ops', password: 'first-pass' }), true);
      const [{ securityId }] = (await api('application.one', { applicationId })).security;
      await cli('security.update', { securityId, username: 'ops2', password: 'second-pass' });
      assert.equal((await api('security.one', { securityId })).username, 'ops2');
      assert.equal((await cli('security.one', { securityId })).username, 'ops2');
      await cli('security.delete', { securityId });
      assert.equal((await b.call('security.one', { securityId })).status, 404);
    });

    test('registries, SSH keys and git providers', async () => {
      const { url, username, password } = testEnv.registry;
      assert.equal(await cli('registry.testRegistry', { username, password, registryUrl: url, registryType: 'cloud' }), true);
      const registry = await cli('registry.create', { registryName: `cli-${runId}`, username, password, registryUrl: url, registryType: 'cloud' });
      let reg = await api('registry.one', { registryId: registry.registryId });
      assert.deepEqual([reg.registryUrl, reg.imagePrefix], [url, null]);
      await cli('registry.update', { registryId: registry.registryId, registryName: `cli2-${runId}`, imagePrefix: 'team' });
      reg = await api('registry.one', { registryId: registry.registryId });
      assert.deepEqual([reg.registryName, reg.imagePrefix, reg.username], [`cli2-${runId}`, 'team', username]);
      assert.equal(await cli('registry.testRegistryById', { registryId: registry.registryId }), true);
      assert.ok((await cli('registry.all')).some((x: any) => x.registryId === registry.registryId));
      assert.equal((await cli('registry.one', { registryId: registry.registryId })).registryId, registry.registryId);
      await cli('registry.remove', { registryId: registry.registryId });

      const pair = await cli('sshKey.generate', { type: 'ed25519' });
      await cli('sshKey.create', { name: `cli-${runId}`, privateKey: pair.privateKey, publicKey: pair.publicKey });
      const { sshKeyId } = (await api('sshKey.all', {})).find((k: any) => k.name === `cli-${runId}`);
      await cli('sshKey.update', { sshKeyId, description: 'made by the CLI', lastUsedAt: '' });
      const stored = await api('sshKey.one', { sshKeyId });
      assert.deepEqual([stored.description, stored.lastUsedAt, stored.publicKey], ['made by the CLI', null, pair.publicKey.trim()]);
      assert.ok((await cli('sshKey.all')).some((k: any) => k.sshKeyId === sshKeyId));
      assert.ok(Array.isArray(await cli('sshKey.allForApps')));
      assert.equal((await cli('sshKey.one', { sshKeyId })).sshKeyId, sshKeyId);
      await cli('sshKey.remove', { sshKeyId });

      // gitlab.create and bitbucket.create answer nothing, as Dokploy's do: the provider list names them
      const provider = async (name: string) => (await api('gitProvider.getAll', {})).find((p: any) => p.name === name);
      await cli('gitlab.create', { authId: 'cli', name: 'cli-gitlab', gitlabUrl: 'https://gitlab.example.com' });
      const { gitlabId } = (await provider('cli-gitlab')).gitlab;
      const gl = await api('gitlab.one', { gitlabId });
      await cli('gitlab.update', { gitlabId, gitProviderId: gl.gitProviderId, name: 'cli-gitlab-2', gitlabUrl: 'https://gitlab2.example.com' });
      assert.equal((await api('gitlab.one', { gitlabId })).gitlabUrl, 'https://gitlab2.example.com');
      assert.equal((await cli('gitlab.one', { gitlabId })).gitlabId, gitlabId);
      assert.ok(Array.isArray(await cli('gitlab.gitlabProviders')));

      await cli('bitbucket.create', { authId: 'cli', name: 'cli-bitbucket', bitbucketUsername: 'acme' });
      const { bitbucketId } = (await provider('cli-bitbucket')).bitbucket;
      const bb = await api('bitbucket.one', { bitbucketId });
      await cli('bitbucket.update', { bitbucketId, gitProviderId: bb.gitProviderId, name: 'cli-bitbucket-2', bitbucketWorkspaceName: 'acme-ws' });
      assert.equal((await api('bitbucket.one', { bitbucketId })).bitbucketWorkspaceName, 'acme-ws');
      assert.equal((await cli('bitbucket.one', { bitbucketId })).bitbucketId, bitbucketId);
      assert.ok(Array.isArray(await cli('bitbucket.bitbucketProviders')));

      const { giteaId } = await cli('gitea.create', { giteaUrl: 'https://gitea.example.com', name: 'cli-gitea' });
      const gt = await api('gitea.one', { giteaId });
      await cli('gitea.update', { giteaId, gitProviderId: gt.gitProviderId, giteaUrl: 'https://gitea2.example.com', name: 'cli-gitea-2' });
      assert.equal((await api('gitea.one', { giteaId })).giteaUrl, 'https://gitea2.example.com');
      assert.equal((await cli('gitea.one', { giteaId })).giteaId, giteaId);
      assert.match(JSON.stringify(await cli('gitea.getGiteaUrl', { giteaId })), /gitea2\.example\.com/);
      assert.ok(Array.isArray(await cli('gitea.giteaProviders')));

      // GitHub Apps are made through Berth's own github.create; the CLI edits and lists them
      const github = (await b.call('github.create', { name: 'cli-github', githubAppName: 'berth-cli' })).body;
      const gh = await api('github.one', { githubId: github.githubId });
      await cli('github.update', { githubId: github.githubId, name: 'cli-github-2', gitProviderId: gh.gitProviderId, githubAppName: 'berth-cli-2' });
      assert.equal((await api('github.one', { githubId: github.githubId })).githubAppName, 'berth-cli-2');
      assert.equal((await cli('github.one', { githubId: github.githubId })).githubId, github.githubId);
      assert.ok(Array.isArray(await cli('github.githubProviders')));

      assert.ok((await cli('gitProvider.getAll')).length >= 4);
      assert.ok(Array.isArray(await cli('gitProvider.allForPermissions')));
      await cli('gitProvider.toggleShare', { gitProviderId: gl.gitProviderId, sharedWithOrganization: true });
      for (const p of [gl, bb, gt, gh]) await cli('gitProvider.remove', { gitProviderId: p.gitProviderId });
      assert.equal((await b.call('gitlab.one', { gitlabId })).status, 404);
    });

    test('user: an API key made with --metadata as JSON text works, and is gone once deleted', async () => {
      assert.equal((await cli('user.get')).role, 'admin');
      const made = await cli('user.createApiKey', { name: 'cli-made', metadata: JSON.stringify(metadata) });
      assert.equal((await dokploy(['project', 'all'], made.key)).code, 0);
      await cli('user.deleteApiKey', { apiKeyId: made.id });
      assert.match((await dokploy(['project', 'all'], made.key)).stderr, /status code 401/);
    });

    test('deployments, lifecycle, logs, containers and the swarm', async () => {
      const app = await cli('application.create', { name: 'cli-deploy', environmentId });
      const id = app.applicationId;
      const { url, username, password } = testEnv.registry;
      // an image the registry does not have: every job ends at once, and no service is made
      await cli('application.saveDockerProvider', { applicationId: id, dockerImage: `${url}/berth-cli-${runId}/missing:1`, username, password, registryUrl: url });
      const settled = async () => {
        for (let i = 0; i < 300; i++) {
          const all = await api('deployment.all', { applicationId: id });
          if (all.every((d: any) => d.status !== 'running')) return all;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.fail('deployments did not settle');
      };

      await cli('application.deploy', { applicationId: id, title: 'from the CLI', description: 'first' });
      let deployments = await settled();
      assert.deepEqual([deployments[0].title, deployments[0].description, deployments[0].status], ['from the CLI', 'first', 'error']);
      await cli('application.redeploy', { applicationId: id, title: 'again' });
      deployments = await settled();
      assert.equal(deployments.length, 2);
      const { deploymentId } = deployments[0];
      assert.match(JSON.stringify(await cli('deployment.readLogs', { deploymentId })), /missing/);
      assert.equal((await cli('deployment.all', { applicationId: id })).length, 2);
      assert.equal((await cli('deployment.allByType', { id, type: 'application' })).length, 2);
      assert.ok(Array.isArray(await cli('deployment.allCentralized')));
      assert.ok(Array.isArray(await cli('deployment.queueList')));
      assert.deepEqual(await cli('deployment.allByCompose', { composeId: 'none' }), []);
      assert.deepEqual(await cli('deployment.allByServer', { serverId: 'none' }), []);

      // nothing runs now: the two that stop a running job say so
      await cliFails('application.cancelDeployment', { applicationId: id }, 400);
      await cliFails('application.killBuild', { applicationId: id }, 400);
      for (const route of ['application.cleanQueues', 'application.markRunning', 'application.stop', 'application.start']) await cli(route, { applicationId: id });
      await cli('application.reload', { applicationId: id, appName: app.appName });
      await settled();
      await cliFails('deployment.killProcess', { deploymentId }, 400); // not running
      await cli('deployment.removeDeployment', { deploymentId });
      assert.equal((await api('deployment.all', { applicationId: id })).some((d: any) => d.deploymentId === deploymentId), false);
      await cli('application.clearDeployments', { applicationId: id });
      assert.deepEqual(await api('deployment.all', { applicationId: id }), []);

      assert.equal(typeof (await cli('application.readLogs', { applicationId: id, tail: '10' })), 'string');
      assert.equal(typeof (await cli('application.readAppMonitoring', { appName: app.appName })), 'object');
      const unknown = `berth-cli-none-${runId}`;
      assert.ok(Array.isArray(await cli('docker.getContainers')));
      assert.deepEqual(await cli('docker.getContainersByAppLabel', { appName: app.appName, type: 'standalone' }), []);
      assert.deepEqual(await cli('docker.getContainersByAppNameMatch', { appName: app.appName }), []);
      assert.deepEqual(await cli('docker.getServiceContainersByAppName', { appName: app.appName }), []);
      await cliFails('docker.getConfig', { containerId: unknown }, 404);
      for (const route of ['docker.killContainer', 'docker.removeContainer', 'docker.restartContainer', 'docker.startContainer', 'docker.stopContainer'])
        await cliFails(route, { containerId: unknown }, 404);
      const nodes = await cli('swarm.getNodes');
      assert.ok((await cli('cluster.getNodes')).length >= 1);
      assert.equal((await cli('swarm.getNodeInfo', { nodeId: nodes[0].ID })).ID, nodes[0].ID);
      assert.ok(Array.isArray(await cli('swarm.getNodeApps')));
      assert.ok(Array.isArray(await cli('swarm.getContainerStats')));

      assert.deepEqual(await cli('previewDeployment.all', { applicationId }), []);
      for (const route of ['previewDeployment.one', 'previewDeployment.delete', 'previewDeployment.redeploy'])
        await cliFails(route, { previewDeploymentId: unknown }, 404);

      await cli('application.delete', { applicationId: id });
      await cli('application.delete', { applicationId });
      assert.equal((await b.call('application.one', { applicationId })).status, 404);
    });

    test('every CLI command of a contract route Berth serves was run above', () => {
      const served = new Set(procedures.map((p) => p.name));
      const expected = [...table.keys()].filter((route) => served.has(route) && contract.paths[`/${route}`] && !notDriven[route]);
      assert.deepEqual(expected.filter((route) => !driven.has(route)), []);
    });
  });
});
