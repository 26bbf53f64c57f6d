// Deploy overhead: from the `application.deploy` call to `done` for a prebuilt image in a
// registry — everything Berth adds around Swarm starting the task. Needs the test
// environment (scripts/test-env.sh): its Docker engine and local registry.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestEnv } from '../test/helpers/test-env.js';

export type Call = (proc: string, input: Record<string, unknown>, method?: 'GET' | 'POST') => Promise<any>;

export const RUNS = 10;

/** Pushes a busybox web server to the registry; returns its reference. */
export function pushImage(env: TestEnv, docker: string): string {
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

interface Row {
  deploymentId: string;
  status: string;
  errorMessage: string | null;
  image: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  stageTimes: Record<string, string> | null;
}

/** When the service's task last changed state, by the daemon's clock: when it reached `running`. */
function taskRunningAt(docker: string, service: string): number {
  const ids = execFileSync(docker, ['service', 'ps', '-q', '--no-trunc', '--filter', 'desired-state=running', service], { encoding: 'utf8' }).trim().split('\n');
  const [task] = JSON.parse(execFileSync(docker, ['inspect', '--type', 'task', ids[0]], { encoding: 'utf8' }));
  if (task.Status.State !== 'running') throw new Error(`deployment done while its task is ${task.Status.State}`);
  return Date.parse(task.Status.Timestamp);
}

/**
 * Milliseconds from each deploy call to `done`, one fresh application per run (each removed
 * after). Each run also checks that `done` came after the task ran, and prints where the time
 * went: queue pickup, fetch (digest, and a pull when the engine lacks the image), service
 * create, Swarm starting the task, and Berth noticing it.
 *
 * A first, untimed deploy pulls the image and stays up throughout, as Traefik or any other
 * application does on a real server: with no container on the overlay network, Swarm sets the
 * network up on the node again for every task (0.3–0.6 s here), which such a server never pays.
 */
export async function deployOverhead(env: TestEnv, call: Call): Promise<number[]> {
  const docker = env.dockerCli ?? 'docker';
  const image = pushImage(env, docker);
  const { environment } = await call('project.create', { name: 'bench-deploys' });

  const deploy = async (name: string) => {
    const app = await call('application.create', { name, environmentId: environment.environmentId });
    const { username, password, url } = env.registry;
    await call('application.saveDockerProvider', { applicationId: app.applicationId, dockerImage: image, username, password, registryUrl: url });
    const t0 = performance.now();
    const { deploymentId } = await call('application.deploy', { applicationId: app.applicationId });
    for (;;) {
      await sleep(5);
      const rows: Row[] = await call('deployment.all', { applicationId: app.applicationId }, 'GET');
      const row = rows.find((r) => r.deploymentId === deploymentId)!;
      if (row.status === 'error') throw new Error(`deployment failed: ${row.errorMessage}`);
      if (row.status === 'running') continue;
      const ms = Math.round(performance.now() - t0);
      const runningAt = taskRunningAt(docker, app.appName);
      const at = (stage: string) => Date.parse(row.stageTimes?.[stage] ?? '');
      const doneAt = Date.parse(row.finishedAt!);
      if (doneAt < runningAt) throw new Error(`deployment ${deploymentId} was done ${runningAt - doneAt} ms before its task ran`);
      const phases =
        `pickup ${Date.parse(row.startedAt!) - at('queued')}, fetch ${at('releasing') - at('cloning')}, create ${at('verifying') - at('releasing')}, ` +
        `task running after ${runningAt - at('verifying')}, done after ${doneAt - runningAt}`;
      return { applicationId: app.applicationId as string, ms, phases, image: row.image };
    }
  };

  const first = await deploy('bench-deploy-first');
  console.error(`  first deploy (pulls the image, attaches the network on this node; not counted): ${first.ms} ms — ${first.phases}`);
  const times: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const run = await deploy(`bench-deploy-${i}`);
      times.push(run.ms);
      console.error(`  run ${i + 1}: ${run.ms} ms — ${run.phases}`);
      await call('application.delete', { applicationId: run.applicationId });
    }
  } finally {
    await call('application.delete', { applicationId: first.applicationId });
    // the pulled image: the next bench run pulls it again (another run on the machine may
    // have removed the same digest already: it pushes the same content)
    if (first.image) spawnSync(docker, ['rmi', first.image], { stdio: 'ignore' });
  }
  return times;
}
