import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, pushTestImage } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();

/**
 * The README's Quick start, run as a reader would: its ```sh blocks, read from README.md
 * itself, in order, in one bash with `set -euo pipefail`, against a real Berth on the real
 * engine. Only what a reader fills in is replaced (their server's address, their token,
 * their image with its port and registry credentials, a free host port); each replacement
 * must find its placeholder, so a changed README fails here instead of running half.
 */
const README = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function quickStartBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## Quick start\n');
  assert.ok(start >= 0, 'README.md has no "## Quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** Replaces `pattern` in the script, which must occur in it. */
function fill(script: string, pattern: RegExp, value: string): string {
  assert.match(script, pattern, `the Quick start no longer contains ${pattern}`);
  return script.replace(pattern, value);
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const MARK = '::quickstart-block::';

/** The redeploy loop of "Back up and move a server" (a block indented under its list item). */
function moveLoop(readme: string): string {
  const start = readme.indexOf('\n## Back up and move a server\n');
  assert.ok(start >= 0, 'README.md has no "## Back up and move a server" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const loop = [...section.matchAll(/^( *)```sh\n([\s\S]*?)^ *```$/gm)]
    .map(([, indent, body]) => body.replace(new RegExp(`^${indent}`, 'gm'), ''))
    .find((body) => body.includes('application.redeploy'));
  assert.ok(loop, 'the section has no redeploy loop');
  return loop;
}

/** Runs a script as a reader's shell would, failing on the first failed command. */
async function bash(script: string): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', ['-c', `set -euo pipefail\n${script}`], { timeout: 300_000, maxBuffer: 16 * 1024 ** 2 }).catch((err) => {
    assert.fail(`a README command failed (exit ${err.code}):\n${err.stderr}\n--- output so far ---\n${err.stdout}`);
  });
  return stdout;
}

describe('the README Quick start', () => {
  let b: TestBerth;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-readme-'));
  const text = `readme quick start ${runId}`;
  let image: string;
  before(async () => {
    // samples every half second, so the metrics step has some when it runs
    b = await startTestBerth({ BERTH_DOCKER_CLI: testEnv.dockerCli, BERTH_METRICS_INTERVAL_MS: '500' });
    image = await pushTestImage(tmp, `readme-${runId}`, 'v1', text);
  });
  after(async () => {
    // what a failed run left (a passing one ran the README's own clean-up)
    const { ok } = deploymentClient(() => b);
    for (const app of (await ok('application.search', { limit: 100 })).items) await ok('application.delete', { applicationId: app.applicationId });
    const pulled = (await run([testEnv.dockerCli, 'images', '-q', image.split(':')[0]])).trim().split('\n').filter(Boolean);
    if (pulled.length) await run([testEnv.dockerCli, 'rmi', '-f', ...new Set(pulled)]).catch(() => '');
    await b.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('every command runs: a project, an app with env, image, port and domain, deploy, logs, the app answers, a rollback, metrics, the redeploy of a moved server, clean-up', async () => {
    const blocks = quickStartBlocks(README);
    assert.ok(blocks.length >= 5, `only ${blocks.length} sh blocks in the Quick start`);
    const hostPort = await freePort();
    const { registry } = testEnv;
    const SEP = '\n#--block--\n';
    let all = blocks.join(SEP);
    all = fill(all, /http:\/\/127\.0\.0\.1:3000/g, b.url);
    all = fill(all, /^TOKEN=berth_\.\.\./m, `TOKEN=${b.token}`);
    all = fill(all, /^IMAGE=\S+/m, `IMAGE=${image}`);
    all = fill(all, /^PORT=\d+/m, 'PORT=3000'); // pushTestImage's httpd listens there
    all = fill(all, /"username":null,"password":null,"registryUrl":null/, JSON.stringify({ username: registry.username, password: registry.password, registryUrl: registry.url }).slice(1, -1));
    all = fill(all, /\b8080\b/g, String(hostPort));
    const filled = all.split(SEP);
    const [setup, cleanup] = [filled[0], filled[filled.length - 1]];

    // everything but the clean-up, then the variables the later scripts and checks need
    const steps = filled.slice(0, -1).map((block, i) => `printf '\\n%s\\n' '${MARK}${i}'\n${block}`).join('\n');
    const stdout = await bash(`${steps}\nprintf '\\n%s\\n' '${MARK}vars'\necho "$APP_NAME $APP_ID $PROJECT_ID"`);
    const out = Object.fromEntries(stdout.split(MARK).slice(1).map((part) => [part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1)]));
    const shown = Object.values(out).join('');
    const [appName, appId, projectId] = out.vars.trim().split(' ');

    // every deployment the reader followed ended done: the first deploy, the second, the rollback
    const ends = [...shown.matchAll(/event: end\ndata: (.*)/g)].map((m) => JSON.parse(m[1]).status);
    assert.deepEqual(ends, ['done', 'done', 'done']);
    assert.ok(shown.includes(text), 'the app did not answer on the published port');
    assert.match(shown, /Host\(`shop\.example\.com`\)/, 'the Traefik file shows no router for the domain');
    assert.match(shown, /^rollback$/m, 'application.one does not show the rollback as the current release');
    assert.match(shown, /value: '[\d.]+%'/, 'readAppMonitoring gave no CPU sample');
    assert.match(shown, new RegExp(`^berth_app_\\w+\\{app="${appName}"\\} `, 'm'), '/metrics has no sample of the app');

    // "move a server", step 3: the loop that redeploys every application, with the Quick start's variables
    const { ok, settled } = deploymentClient(() => b);
    await bash(`${setup}\n${moveLoop(README)}`);
    const [newest] = await ok('deployment.all', { applicationId: appId });
    assert.equal(newest.type, 'redeploy', 'the loop queued no redeploy');
    assert.equal((await settled(appId, newest.deploymentId)).status, 'done');

    await bash(`${setup}\nAPP_ID=${appId}\nPROJECT_ID=${projectId}\n${cleanup}`);
    // the clean-up ran: nothing of the app is left on the engine
    const services = await run([testEnv.dockerCli, 'service', 'ls', '--format', '{{.Name}}']);
    assert.ok(!services.split('\n').includes(appName), `service ${appName} left behind`);
    assert.equal((await b.call('project.one', { projectId })).status, 404);
  });
});
