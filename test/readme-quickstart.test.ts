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
import { run, runId, testEnv } from './helpers/job.js';

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

  test('every command runs: a project, an app with env, image, port and domain, deploy, logs, the app answers, a rollback, metrics, clean-up', async () => {
    const blocks = quickStartBlocks(README);
    assert.ok(blocks.length >= 5, `only ${blocks.length} sh blocks in the Quick start`);
    const hostPort = await freePort();
    const { registry } = testEnv;
    let script = blocks.map((block, i) => `printf '\\n%s\\n' '${MARK}${i}'\n${block}`).join('\n');
    script = fill(script, /http:\/\/127\.0\.0\.1:3000/g, b.url);
    script = fill(script, /^TOKEN=berth_\.\.\./m, `TOKEN=${b.token}`);
    script = fill(script, /^IMAGE=\S+/m, `IMAGE=${image}`);
    script = fill(script, /^PORT=\d+/m, 'PORT=3000'); // pushTestImage's httpd listens there
    script = fill(script, /"username":null,"password":null,"registryUrl":null/, JSON.stringify({ username: registry.username, password: registry.password, registryUrl: registry.url }).slice(1, -1));
    script = fill(script, /\b8080\b/g, String(hostPort));

    // the variables a later step needs are printed last, for the checks below
    script += `\nprintf '\\n%s\\n' '${MARK}vars'\necho "$APP_NAME"`;
    const { stdout } = await promisify(execFile)('bash', ['-c', `set -euo pipefail\n${script}`], { timeout: 300_000, maxBuffer: 16 * 1024 ** 2 }).catch((err) => {
      assert.fail(`a Quick start command failed (exit ${err.code}):\n${err.stderr}\n--- output so far ---\n${err.stdout}`);
    });
    const out = Object.fromEntries(stdout.split(`${MARK}`).slice(1).map((part) => [part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1)]));
    const all = Object.values(out).join('');


    // every deployment the reader followed ended done: the first deploy, the second, the rollback
    const ends = [...all.matchAll(/event: end\ndata: (.*)/g)].map((m) => JSON.parse(m[1]).status);
    assert.deepEqual(ends, ['done', 'done', 'done']);
    assert.ok(all.includes(text), 'the app did not answer on the published port');
    assert.match(all, /Host\(`shop\.example\.com`\)/, 'the Traefik file shows no router for the domain');
    assert.match(all, /^rollback$/m, 'application.one does not show the rollback as the current release');
    assert.match(all, /value: '[\d.]+%'/, 'readAppMonitoring gave no CPU sample');
    const appName = out.vars.trim();
    assert.match(all, new RegExp(`^berth_app_\\w+\\{app="${appName}"\\} `, 'm'), '/metrics has no sample of the app');
    // the clean-up ran: nothing of the app is left on the engine
    const services = await run([testEnv.dockerCli, 'service', 'ls', '--format', '{{.Name}}']);
    assert.ok(!services.split('\n').includes(appName), `service ${appName} left behind`);
  });
});
