import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestBerth } from './berth.js';
import { gitTestEnv, run, runId } from './job.js';
import { readTestEnv } from './test-env.js';

/** What tests on the real engine read of a deployment row. */
export interface Deployment {
  deploymentId: string;
  status: 'running' | 'done' | 'error' | 'cancelled';
  stage: string;
  stageTimes: Record<string, string> | null;
  type: 'deploy' | 'redeploy' | 'rollback';
  title: string;
  description: string | null;
  errorMessage: string | null;
  image: string | null;
  commitHash: string | null;
  rollbackId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

/** API calls a deployment test makes, over a running test Berth. */
export function deploymentClient(berth: () => TestBerth) {
  const ok = async (proc: string, input: Record<string, unknown> = {}) => {
    const r = await berth().call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };

  async function deployment(applicationId: string, deploymentId: string): Promise<Deployment> {
    const rows: Deployment[] = await ok('deployment.all', { applicationId });
    const row = rows.find((d) => d.deploymentId === deploymentId);
    assert.ok(row, `deployment ${deploymentId} not listed`);
    return row;
  }

  /** Polls until the deployment is no longer running; its log tail goes with it, for failure messages. */
  async function settled(applicationId: string, deploymentId: string, timeoutMs = 120_000): Promise<Deployment> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await deployment(applicationId, deploymentId);
      if (row.status !== 'running') return { ...row, errorMessage: row.errorMessage && `${row.errorMessage}\n${await ok('deployment.readLogs', { deploymentId, tail: 30 })}` };
      if (Date.now() > deadline) assert.fail(`deployment ${deploymentId} still running (stage ${row.stage})`);
      await sleep(50);
    }
  }

  const logOf = (deploymentId: string) => ok('deployment.readLogs', { deploymentId, tail: 10000 }) as Promise<string>;

  return { ok, deployment, settled, logOf };
}

/** A .tar.gz of `files` (name → content), made under `tmp`, for `application.dropDeployment`. */
export async function dropArchive(tmp: string, files: Record<string, string>): Promise<Blob> {
  const dir = fs.mkdtempSync(path.join(tmp, 'drop-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  const file = path.join(tmp, `${path.basename(dir)}.tar.gz`);
  await run(['tar', '-czf', file, '-C', dir, '--', ...Object.keys(files)]);
  return new Blob([fs.readFileSync(file)]);
}

/** A busybox image serving `text` on port 3000 (plus `extra` Dockerfile lines), pushed to the local registry as `<repo>:<tag>`; the local copy is removed. */
export async function pushTestImage(tmp: string, repo: string, tag: string, text: string): Promise<string> {
  const { dockerCli: docker, registry } = readTestEnv();
  const dir = fs.mkdtempSync(path.join(tmp, 'image-'));
  fs.writeFileSync(path.join(dir, 'index.html'), `${text}\n`);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox:latest\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n');
  const ref = `${registry.url}/${repo}:${tag}`;
  await run([docker, 'build', '-q', '-t', ref, dir]);
  const config = path.join(dir, 'config');
  fs.mkdirSync(config);
  await run([docker, '--config', config, 'login', '-u', registry.username, '--password-stdin', registry.url], { input: registry.password });
  await run([docker, '--config', config, 'push', ref]);
  await run([docker, 'rmi', ref]);
  return ref;
}

/** Runs `argv` inside the container of the service's current task (the one Swarm wants running). */
export async function execInService(service: string, argv: string[]): Promise<string> {
  const testEnv = readTestEnv();
  const docker = testEnv.dockerCli;
  const tasks = (await run([docker, 'service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.ID}}', '--no-trunc'])).trim().split('\n').filter(Boolean);
  assert.equal(tasks.length, 1, `service ${service} has ${tasks.length} tasks meant to run`);
  const container = (await run([docker, 'inspect', '--format', '{{.Status.ContainerStatus.ContainerID}}', tasks[0]])).trim();
  return run([docker, 'exec', container, ...argv]);
}

/**
 * Deletes this run's applications through the API (which removes their services and
 * images), then the registry images the run pulled (no application owns them), and checks
 * that none of `appNames` left a service or an image behind.
 */
export async function removeRunApplications(ok: ReturnType<typeof deploymentClient>['ok'], appNames: string[]): Promise<void> {
  const testEnv = readTestEnv();
  const docker = testEnv.dockerCli;
  const apps = (await ok('application.search', { q: runId, limit: 100 })).items;
  await Promise.all(apps.map(({ applicationId }: { applicationId: string }) => ok('application.delete', { applicationId })));
  const pulled = (await run([docker, 'images', '--format', '{{.Repository}} {{.ID}}'])).split('\n').filter((l) => l.startsWith(`${testEnv.registry.url}/`) && l.includes(runId));
  if (pulled.length) await run([docker, 'rmi', '-f', ...new Set(pulled.map((l) => l.split(' ')[1]))]).catch(() => '');
  const services = (await run([docker, 'service', 'ls', '--format', '{{.Name}}'])).split('\n');
  const images = (await run([docker, 'images', '--format', '{{.Repository}}'])).split('\n');
  for (const name of appNames) {
    assert.ok(!services.includes(name), `service ${name} left behind`);
    assert.ok(!images.includes(name), `images of ${name} left behind`);
  }
}

/** A TCP port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '0.0.0.0', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** The body served at `http://127.0.0.1:<port>/`, once something answers (a task's port opens as it starts). */
export async function answer(port: number, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return await res.text();
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) assert.fail(`nothing answered on port ${port}`);
    await sleep(100);
  }
}

/**
 * A repository of this run on the test git server, a bare copy of the hello-dockerfile
 * fixture owned by the server's git user (so a push to it runs the webhook hook), and the
 * application set to build it with its Dockerfile. `authed` is the clone URL with the token.
 */
export async function gitServerRepoFor(ok: ReturnType<typeof deploymentClient>['ok'], applicationId: string, name: string) {
  const { git } = readTestEnv();
  const bare = path.join(git.reposDir, `${name}.git`);
  const url = `${git.httpUrl}/${name}.git`;
  const authed = url.replace('://', `://x-access-token:${git.httpToken}@`);
  await run(['git', 'clone', '-q', '--bare', git.repos['hello-dockerfile'].publicHttpUrl, bare], { env: gitTestEnv });
  await run(['chown', '-R', `${git.reposOwner}:${git.reposOwner}`, bare]);
  await ok('application.saveGitProvider', { applicationId, customGitUrl: authed, customGitBranch: 'main', customGitBuildPath: '/', watchPaths: null });
  await ok('application.saveBuildType', { applicationId, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
  return { bare, url, authed };
}
