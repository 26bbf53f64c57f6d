// Rollback time: from the `rollback.rollback` call to `done`, alternating between two kept
// releases of one docker-source application (different image and env each). Needs the
// test environment (scripts/test-env.sh): its Docker engine and local registry.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestEnv } from '../test/helpers/test-env.js';
import type { Call } from './deploy-overhead.js';


export const ROLLBACKS = 10;

/** Two versions of a busybox web server under one repository, pushed to the registry. */
function pushVersions(env: TestEnv, docker: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-rollback-'));
  const run = (args: string[], input?: string) => execFileSync(docker, args, { input, stdio: ['pipe', 'ignore', 'inherit'] });
  run(['--config', dir, 'login', '-u', env.registry.username, '--password-stdin', env.registry.url], env.registry.password);
  const refs = ['v1', 'v2'].map((v) => {
    const ref = `${env.registry.url}/berth-bench/rollback:${v}-${Date.now()}`;
    fs.writeFileSync(path.join(dir, 'index.html'), `${v}\n`);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox:latest\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n');
    run(['build', '-q', '-t', ref, dir]);
    run(['--config', dir, 'push', ref]);
    run(['rmi', ref]);
    return ref;
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return refs;
}

/** Milliseconds from each rollback call to `done`. */
export async function rollbackTimes(env: TestEnv, call: Call): Promise<number[]> {
  const docker = env.dockerCli ?? 'docker';
  const images = pushVersions(env, docker);
  const { environment } = await call('project.create', { name: 'bench-rollbacks' });
  const app = await call('application.create', { name: 'bench-rollback', environmentId: environment.environmentId });
  const { applicationId } = app;
  const { username, password, url } = env.registry;

  const finished = async (deploymentId: string) => {
    for (;;) {
      await sleep(5);
      const rows: { deploymentId: string; status: string; errorMessage: string | null; image: string | null; rollback?: { rollbackId: string } | null }[] = await call(
        'deployment.allByType',
        { id: applicationId, type: 'application' },
        'GET',
      );
      const row = rows.find((r) => r.deploymentId === deploymentId)!;
      if (row.status === 'error' || row.status === 'cancelled') throw new Error(`deployment ${row.status}: ${row.errorMessage}`);
      if (row.status === 'done') return row;
    }
  };

  const pulled: string[] = [];
  try {
    const releases: string[] = [];
    for (const [i, image] of images.entries()) {
      await call('application.saveDockerProvider', { applicationId, dockerImage: image, username, password, registryUrl: url });
      await call('application.saveEnvironment', { applicationId, env: `RELEASE=${i + 1}`, buildArgs: null, buildSecrets: null, createEnvFile: false });
      const row = await finished((await call('application.deploy', { applicationId })).deploymentId);
      releases.push(row.rollback!.rollbackId);
      pulled.push(row.image!);
    }
    const times: number[] = [];
    for (let i = 0; i < ROLLBACKS; i++) {
      const t0 = performance.now();
      const { deploymentId } = await call('rollback.rollback', { rollbackId: releases[i % 2] });
      await finished(deploymentId);
      times.push(Math.round(performance.now() - t0));
      console.error(`  rollback ${i + 1}: ${times.at(-1)} ms`);
    }
    return times;
  } finally {
    await call('application.delete', { applicationId });
    // the pulled copies (by digest): the next bench run pulls them again. Another run on the
    // machine pushes the same content, so the same digest may be gone already.
    for (const image of pulled) spawnSync(docker, ['rmi', image], { stdio: 'ignore' });
  }
}
