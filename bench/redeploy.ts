// Redeploys of a running application, timed from the `application.redeploy` call to `done`:
// start-first (reached by name over the overlay, what sits behind Traefik) with, for each,
// how long after `done` the replaced release still answered a client that resolves the
// name for every request; and stop-first (a host-mode published port), whose old task must
// stop before the new one starts. Needs the test environment (scripts/test-env.sh).
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { freePort } from './free-port.js';
import type { TestEnv } from '../test/helpers/test-env.js';
import { pushImage, type Call } from './deploy-overhead.js';

export const REDEPLOYS = 5;

/** Serves its RELEASE as the page; exec'd, so it is the process the stop signal reaches. */
const COMMAND = `sh -c "echo $RELEASE > /tmp/index.html && exec httpd -f -p 3000 -h /tmp"`;

/**
 * Resolves the name for every round (no cache), asks every address it got once, and prints
 * the answers on one line; `docker logs --timestamps` dates each line.
 * (busybox's static wget cannot resolve names itself: see test/helpers/traffic-probe.ts.)
 */
const PROBE = `trap 'exit 0' TERM
while :; do
  set -- $(nslookup "$HOST" 2>/dev/null | awk '/^Name:/{a=1} a&&/^Address/{print $2}')
  out=""
  for ip in "$@"; do out="$out $(timeout 2 wget -q -O - "http://$ip:3000/" 2>/dev/null || echo "fail@$ip")"; done
  echo "answers$out"
done
`;

export interface RedeployFigures {
  /** Start-first: call → done, ms. */
  startFirstMs: number[];
  /** Start-first: from `done` to the first moment only the new release answered, ms (0: already so at `done`). */
  onlyNewAfterDoneMs: number[];
  /** Stop-first (host-mode published port): call → done, ms. */
  stopFirstMs: number[];
}

export async function finished(call: Call, applicationId: string, deploymentId: string): Promise<{ finishedAt: string; image: string | null }> {
  for (;;) {
    await sleep(5);
    const rows: { deploymentId: string; status: string; errorMessage: string | null; image: string | null; finishedAt: string }[] = await call('deployment.all', { applicationId }, 'GET');
    const row = rows.find((r) => r.deploymentId === deploymentId)!;
    if (row.status === 'error' || row.status === 'cancelled') throw new Error(`deployment ${row.status}: ${row.errorMessage}`);
    if (row.status === 'done') return row;
  }
}

export async function redeployFigures(env: TestEnv, call: Call): Promise<RedeployFigures> {
  const docker = env.dockerCli ?? 'docker';
  const image = pushImage(env, docker);
  const { environment } = await call('project.create', { name: 'bench-redeploys' });
  const apps: string[] = [];
  const pulled = new Set<string>();

  /** An application of the pushed image serving RELEASE=1, deployed; `over` sets more before the deploy. */
  const create = async (name: string, over: (applicationId: string) => Promise<void> = async () => {}) => {
    const app = await call('application.create', { name, environmentId: environment.environmentId });
    apps.push(app.applicationId);
    const { username, password, url } = env.registry;
    await call('application.saveDockerProvider', { applicationId: app.applicationId, dockerImage: image, username, password, registryUrl: url });
    await call('application.update', { applicationId: app.applicationId, command: COMMAND });
    await over(app.applicationId);
    await redeploy(app.applicationId, 1);
    return app as { applicationId: string; appName: string };
  };
  /** Sets RELEASE=n and redeploys; the call → done time, and when `done` was written. */
  const redeploy = async (applicationId: string, release: number) => {
    await call('application.saveEnvironment', { applicationId, env: `RELEASE=${release}`, buildArgs: null, buildSecrets: null, createEnvFile: false });
    const t0 = performance.now();
    const { deploymentId } = await call('application.redeploy', { applicationId });
    const row = await finished(call, applicationId, deploymentId);
    if (row.image) pulled.add(row.image);
    return { ms: Math.round(performance.now() - t0), doneAt: Date.parse(row.finishedAt) };
  };

  const client = new (createRequire(import.meta.url)('dockerode') as typeof Docker)({ socketPath: '/var/run/docker.sock' });
  let probe: Docker.Container | undefined;
  try {
    const behindProxy = await create('bench-redeploy-start-first');
    probe = await client.createContainer({
      name: `bench-redeploy-probe-${Date.now()}`,
      Image: 'busybox:latest',
      Cmd: ['sh', '-c', PROBE],
      Env: [`HOST=${behindProxy.appName}`],
      Tty: true,
      HostConfig: { NetworkMode: env.network ?? 'berth-network' },
    });
    await probe.start();
    const startFirstMs: number[] = [];
    const windows: { release: number; from: number; doneAt: number }[] = [];
    for (let i = 0; i < REDEPLOYS; i++) {
      const from = Date.now();
      const run = await redeploy(behindProxy.applicationId, i + 2);
      startFirstMs.push(run.ms);
      windows.push({ release: i + 2, from, doneAt: run.doneAt });
      await sleep(1000); // what the probe sees after done
    }
    const lines = ((await probe.logs({ stdout: true, timestamps: true })) as unknown as Buffer)
      .toString()
      .split(/\r?\n/)
      .map((l) => /^(\S+) answers(.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ at: Date.parse(m[1]), answers: m[2].trim().split(/\s+/).filter(Boolean) }));
    const onlyNewAfterDoneMs = windows.map((w, i) => {
      const until = windows[i + 1]?.from ?? Infinity;
      const seen = lines.filter((l) => l.at >= w.from && l.at < until);
      const alone = (l: (typeof seen)[number]) => l.answers.length > 0 && l.answers.every((a) => a === String(w.release));
      let first = seen.length;
      while (first > 0 && alone(seen[first - 1])) first--;
      const onlyNewAt = seen[first]?.at;
      if (onlyNewAt === undefined) throw new Error(`release ${w.release}: the probe never saw it answer alone`);
      return Math.max(0, onlyNewAt - w.doneAt);
    });
    startFirstMs.forEach((ms, i) => console.error(`  start-first redeploy ${i + 1}: ${ms} ms; only the new release answered ${onlyNewAfterDoneMs[i]} ms after done`));

    const port = await freePort();
    const published = await create('bench-redeploy-stop-first', async (applicationId) => {
      await call('port.create', { applicationId, publishedPort: port, targetPort: 3000, publishMode: 'host' });
    });
    const stopFirstMs: number[] = [];
    for (let i = 0; i < REDEPLOYS; i++) {
      stopFirstMs.push((await redeploy(published.applicationId, i + 2)).ms);
      console.error(`  stop-first redeploy ${i + 1}: ${stopFirstMs.at(-1)} ms`);
    }
    return { startFirstMs, onlyNewAfterDoneMs, stopFirstMs };
  } finally {
    await probe?.remove({ force: true });
    for (const applicationId of apps) await call('application.delete', { applicationId });
    // the pulled copies: the next bench run pulls them again
    for (const ref of pulled) await client.getImage(ref).remove().catch(() => undefined);
  }
}
