// Deploy overhead: from the `application.deploy` call to `done` for a prebuilt image in a
// registry — everything Berth adds around Swarm starting the task. Needs the test
// environment (scripts/test-env.sh): its Docker engine and local registry.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

interface TestEnv {
  dockerCli?: string;
  registry: { url: string; username: string; password: string };
}

type Call = (proc: string, input: Record<string, unknown>, method?: 'GET' | 'POST') => Promise<any>;

export const RUNS = 10;

export function testEnvironment(): TestEnv | undefined {
  const file = process.env.BERTH_TEST_ENV ?? '/var/lib/berth-test/env.json';
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

/** Pushes a busybox web server to the registry; returns its reference. */
function pushImage(env: TestEnv, docker: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-image-'));
  const ref = `${env.registry.url}/berth-bench/overhead:${Date.now()}`;
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox:latest\nCMD ["httpd", "-f", "-p", "3000"]\n');
  const run = (args: string[], input?: string) => execFileSync(docker, args, { input, stdio: ['pipe', 'ignore', 'inherit'] });
  run(['build', '-q', '-t', ref, dir]);
  run(['--config', dir, 'login', '-u', env.registry.username, '--password-stdin', env.registry.url], env.registry.password);
  run(['--config', dir, 'push', ref]);
  run(['rmi', ref]);
  fs.rmSync(dir, { recursive: true, force: true });
  return ref;
}

/** Milliseconds from each deploy call to `done`, one fresh application per run (each removed after). */
export async function deployOverhead(env: TestEnv, call: Call): Promise<number[]> {
  const image = pushImage(env, env.dockerCli ?? 'docker');
  const { environment } = await call('project.create', { name: 'bench-deploys' });
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const app = await call('application.create', { name: `bench-deploy-${i}`, environmentId: environment.environmentId });
    const { username, password, url } = env.registry;
    await call('application.saveDockerProvider', { applicationId: app.applicationId, dockerImage: image, username, password, registryUrl: url });
    const t0 = performance.now();
    const { deploymentId } = await call('application.deploy', { applicationId: app.applicationId });
    let status = 'running';
    while (status === 'running') {
      await sleep(5);
      const rows: { deploymentId: string; status: string; errorMessage: string | null }[] = await call('deployment.all', { applicationId: app.applicationId }, 'GET');
      const row = rows.find((r) => r.deploymentId === deploymentId)!;
      if (row.status === 'error') throw new Error(`deployment failed: ${row.errorMessage}`);
      status = row.status;
    }
    times.push(Math.round(performance.now() - t0));
    await call('application.delete', { applicationId: app.applicationId });
  }
  return times;
}
