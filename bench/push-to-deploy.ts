// Push to deploy: from `git push` to the new content served on the app's published port, for
// a cached Dockerfile build and a static site, with where the time went. Needs the test
// environment (scripts/test-env.sh): its engine and its git server, whose post-receive hook
// posts the push event to Berth (scripts/test-env/git-webhook.mjs).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gitTestEnv } from '../test/helpers/job.js';
import type { TestEnv } from '../test/helpers/test-env.js';
import { freePort } from './free-port.js';

import type { Call } from './deploy-overhead.js';

export const PUSHES = 5;

// Asynchronous: a synchronous push would block a Berth running in this process while the hook posts to it.
const git = async (cwd: string, ...args: string[]) => (await promisify(execFile)('git', args, { cwd, env: { ...process.env, ...gitTestEnv } })).stdout;

async function servedAt(port: number, page: string, deadline: number): Promise<number> {
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      if ((await res.text()).includes(page)) return performance.now();
    } catch {
      // the task is being replaced
    }
    if (performance.now() > deadline) throw new Error(`"${page}" was not served within the time allowed`);
    await sleep(10);
  }
}

export interface PushRun {
  ms: number;
  stages: Record<'receive' | 'queue' | 'clone' | 'build' | 'release' | 'verify' | 'served', number>;
}

/**
 * For each of the two kinds: a repository of its own on the test git server, an application
 * deploying it, one untimed warm-up push (the build cache, the network on this node), then
 * PUSHES timed pushes of a changed page.
 */
export async function pushToServed(env: TestEnv, call: Call, berthUrl: string): Promise<Record<string, PushRun[]>> {
  const { environment } = await call('project.create', { name: 'bench-push' });
  const kinds = [
    { kind: 'dockerfile (cached)', fixture: 'hello-dockerfile', buildType: 'dockerfile', targetPort: 3000 },
    { kind: 'static', fixture: 'hello-static', buildType: 'static', targetPort: 80 },
  ];
  const out: Record<string, PushRun[]> = {};
  for (const k of kinds) {
    const name = `bench-push-${k.buildType}-${Date.now().toString(36)}`;
    const bare = path.join(env.git.reposDir, `${name}.git`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-push-'));
    const remote = `${env.git.httpUrl}/${name}.git`.replace('://', `://x-access-token:${env.git.httpToken}@`);
    const app = await call('application.create', { name, environmentId: environment.environmentId });
    try {
      await git(os.tmpdir(), 'clone', '-q', '--bare', env.git.repos[k.fixture].publicHttpUrl, bare);
      execFileSync('chown', ['-R', `${env.git.reposOwner}:${env.git.reposOwner}`, bare]);
      const port = await freePort();
      await call('port.create', { applicationId: app.applicationId, publishedPort: port, targetPort: k.targetPort, publishMode: 'host' });
      await call('application.saveGitProvider', { applicationId: app.applicationId, customGitUrl: remote, customGitBranch: 'main', customGitBuildPath: '/', watchPaths: null });
      await call('application.saveBuildType', { applicationId: app.applicationId, buildType: k.buildType, dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null, publishDirectory: null });
      const { refreshToken } = await call('application.one', { applicationId: app.applicationId }, 'GET');
      fs.writeFileSync(path.join(bare, 'berth-webhooks.json'), JSON.stringify([{ url: `${berthUrl}/api/deploy/${refreshToken}` }]), { mode: 0o644 });
      await git(work, 'clone', '-q', remote, '.');
      const push = async (page: string) => {
        fs.writeFileSync(path.join(work, 'index.html'), `<h1>${page}</h1>\n`);
        await git(work, 'commit', '-q', '-am', page);
        const t0 = performance.now();
        const wall0 = Date.now();
        await git(work, 'push', '-q', 'origin', 'HEAD:main');
        const served = await servedAt(port, page, t0 + 120_000);
        // The new task may answer a moment before Berth has seen it run: wait for the row to end.
        let row;
        while ((row = (await call('deployment.all', { applicationId: app.applicationId }, 'GET'))[0]).status === 'running') await sleep(20);
        if (row.status !== 'done') throw new Error(`push deployment ended ${row.status}: ${row.errorMessage}`);
        const at = (stage: string) => Date.parse(row.stageTimes?.[stage] ?? '');
        const finished = Date.parse(row.finishedAt);
        return {
          ms: Math.round(served - t0),
          stages: {
            receive: Date.parse(row.createdAt) - wall0,
            queue: Date.parse(row.startedAt) - Date.parse(row.createdAt),
            clone: at('building') - at('cloning'),
            build: at('releasing') - at('building'),
            release: at('verifying') - at('releasing'),
            verify: finished - at('verifying'),
            served: Math.round(wall0 + (served - t0)) - finished,
          },
        };
      };
      const warm = await push(`${name}-warm-up`);
      console.error(`  ${k.kind}: warm-up push (not counted) ${warm.ms} ms`);
      out[k.kind] = [];
      for (let i = 0; i < PUSHES; i++) {
        const run = await push(`${name}-v${i}`);
        out[k.kind].push(run);
        console.error(`  ${k.kind} push ${i + 1}: ${run.ms} ms — ${Object.entries(run.stages).map(([s, ms]) => `${s} ${ms}`).join(', ')}`);
      }
    } finally {
      await call('application.delete', { applicationId: app.applicationId });
      fs.rmSync(bare, { recursive: true, force: true });
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  return out;
}
