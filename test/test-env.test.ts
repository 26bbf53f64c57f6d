// Proof that scripts/test-env.sh left a working test environment: every piece is checked
// for real (engine, swarm, network, images, a Swarm service, registry, git over HTTP and SSH).
// The README's test command runs that script first; a missing env.json is a failure.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { TEST_ENV_FILE, testEnvIfPresent, type TestEnv } from './helpers/test-env.js';

const env = testEnvIfPresent() ?? ({} as TestEnv);
const present = Object.keys(env).length > 0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}, timeout = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...extraEnv }, timeout, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

async function ok(cmd: string, args: string[], extraEnv?: Record<string, string>): Promise<string> {
  const r = await run(cmd, args, extraEnv);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const docker = (...args: string[]) => ok('docker', args);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('test environment (scripts/test-env.sh)', () => {
  test('env.json exists', () => {
    assert.ok(present, `${TEST_ENV_FILE} is missing: .ci/run must run scripts/test-env.sh before the tests`);
  });

  test('the Docker engine answers and this node is a swarm manager', async () => {
    const swarm = JSON.parse(await docker('info', '--format', '{{json .Swarm}}'));
    assert.equal(swarm.LocalNodeState, 'active');
    assert.equal(swarm.ControlAvailable, true);
  });

  test('the application network is an attachable swarm overlay', async () => {
    const [net] = JSON.parse(await docker('network', 'inspect', env.network));
    assert.equal(net.Driver, 'overlay');
    assert.equal(net.Scope, 'swarm');
    assert.equal(net.Attachable, true);
  });

  test('each base image exists locally and runs what the tests need', async () => {
    for (const image of env.images) await docker('image', 'inspect', '--format', '{{.Id}}', image);
    const tools = await docker('run', '--rm', '--network', 'none', 'busybox:latest', 'sh', '-c', 'for t in httpd wget sh; do command -v $t; done');
    assert.equal(tools.trim().split('\n').length, 3, tools);
    const debian = await docker('run', '--rm', '--network', 'none', 'debian:bookworm-slim', 'cat', '/etc/debian_version');
    assert.match(debian, /^12\./);
    const node = await docker('run', '--rm', '--network', 'none', 'node:20-bookworm-slim', 'node', '-p', 'process.version');
    assert.match(node, /^v20\./);
  });

  test('a Swarm service (dnsrr, host-mode port) from busybox answers on its published port and is removed', { timeout: 120_000 }, async () => {
    const name = `berth-envtest-${randomBytes(4).toString('hex')}`;
    const marker = `hello-${name}`;
    const port = await freePort();
    await docker(
      'service', 'create', '--detach', '--no-resolve-image',
      '--name', name,
      '--label', 'berth.test=test-env',
      '--endpoint-mode', env.endpointMode,
      '--stop-grace-period', '1s', // httpd as PID 1 ignores SIGTERM
      '--network', env.network,
      '--publish', `mode=host,target=3000,published=${port}`,
      'busybox:latest',
      'sh', '-c', `mkdir -p /www && echo ${marker} > /www/index.html && exec httpd -f -p 3000 -h /www`,
    );
    try {
      let body = '';
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
          body = await res.text();
          if (res.ok && body.includes(marker)) break;
        } catch {
          // not up yet
        }
        await sleep(250);
      }
      assert.equal(body.trim(), marker, `service ${name} did not answer on 127.0.0.1:${port} within 60 s`);
    } finally {
      await run('docker', ['service', 'rm', name]);
    }
    const deadline = Date.now() + 30_000;
    let left = '';
    while (Date.now() < deadline) {
      left = (await docker('ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${name}`)).trim();
      if (!left) break;
      await sleep(250);
    }
    assert.equal(left, '', `containers of ${name} still there 30 s after docker service rm`);
    const services = await docker('service', 'ls', '--quiet', '--filter', `name=${name}`);
    assert.equal(services.trim(), '');
  });

  test('the registry answers 401 without credentials and 200 with them', async () => {
    const url = `http://${env.registry.url}/v2/`;
    const anonymous = await fetch(url);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
    const basic = Buffer.from(`${env.registry.username}:${env.registry.password}`).toString('base64');
    const authed = await fetch(url, { headers: { authorization: `Basic ${basic}` } });
    assert.equal(authed.status, 200);
    const wrong = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${env.registry.username}:nope`).toString('base64')}` } });
    assert.equal(wrong.status, 401);
  });

  test('git ls-remote over HTTP works with the token and fails without it', async () => {
    const repo = env.git.repos['hello-static'];
    const withToken = new URL(repo.httpUrl);
    withToken.username = env.git.httpUser;
    withToken.password = env.git.httpToken;
    const out = await ok('git', ['ls-remote', withToken.href, 'refs/heads/main']);
    assert.equal(out.split('\t')[0], repo.commit);
    // GitLab's and Gitea's user names take the same token
    withToken.username = 'oauth2';
    assert.match(await ok('git', ['ls-remote', withToken.href, 'refs/heads/main']), /refs\/heads\/main/);

    const anonymous = await run('git', ['ls-remote', repo.httpUrl]);
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /Authentication failed|401|could not read Username/i);
    withToken.password = 'wrong-token';
    assert.notEqual((await run('git', ['ls-remote', withToken.href])).code, 0);
    // the public path needs no token
    assert.match(await ok('git', ['ls-remote', repo.publicHttpUrl, 'refs/heads/main']), /refs\/heads\/main/);
  });

  test('git ls-remote over SSH works with the deploy key and the known host key', async () => {
    const repo = env.git.repos['hello-static'];
    const ssh = [
      'ssh', '-i', env.git.sshPrivateKeyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
      '-o', `UserKnownHostsFile=${env.git.sshKnownHostsPath}`, '-o', 'StrictHostKeyChecking=yes',
    ].join(' ');
    const out = await ok('git', ['ls-remote', repo.sshUrl, 'refs/heads/main'], { GIT_SSH_COMMAND: ssh });
    assert.equal(out.split('\t')[0], repo.commit);
    // without the key the server refuses
    const noKey = await run('git', ['ls-remote', repo.sshUrl], {
      GIT_SSH_COMMAND: `ssh -i /dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=${env.git.sshKnownHostsPath}`,
    });
    assert.notEqual(noKey.code, 0);
  });
});
