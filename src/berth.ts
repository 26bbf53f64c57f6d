import { buildServer } from './api/server.js';
import { createBackups } from './backup/index.js';
import { procedures } from './api/procedures.js';
import type { Config } from './config.js';
import { createDeployer } from './deploy/index.js';
import { createSampler } from './monitoring/index.js';
import { createCleanup } from './cleanup/index.js';
import { createNotifier } from './notify/index.js';
import { Cluster } from './cluster/index.js';
import { Containers } from './docker/containers.js';
import { createEngine } from './docker/engine.js';
import type { Store } from './store/index.js';
import { holdDataDir } from './store/data-dir-lock.js';
import { openDataDir } from './store/open.js';
import { prepareRouting } from './routing/start.js';
import { Schedules } from './schedule/index.js';
import { NodeEngines } from './docker/nodes.js';
import { version } from './version.js';

export interface Berth {
  url: string;
  store: Store;
  /** The admin token created on this start (first start only). */
  adminToken?: string;
  close(): Promise<void>;
}

/** Opens the data directory, creates the first admin token if there is none, and starts serving. */
export async function startBerth(config: Config, out: (line: string) => void = console.log): Promise<Berth> {
  // taken before anything is written there; `berth restore` reads it to refuse a directory in use
  const releaseDataDir = holdDataDir(config.dataDir);
  let data: ReturnType<typeof openDataDir>;
  try {
    data = openDataDir(config.dataDir);
  } catch (err) {
    releaseDataDir();
    throw err;
  }
  const { store } = data;

  let adminToken: string | undefined;
  if (store.apiKeys.count() === 0) {
    const created = store.apiKeys.create({ name: 'admin', role: 'admin', token: config.adminToken });
    adminToken = created.key;
    out(
      config.adminToken
        ? 'Berth: admin API token set from BERTH_ADMIN_TOKEN.'
        : `Berth: admin API token (shown once, keep it safe):\n\n  ${created.key}\n`,
    );
  }

  const warn = (message: string, err?: unknown) => out(`Berth: ${message}${err ? `: ${(err as Error).message ?? err}` : ''}`);
  // Jobs a crash left mid-flight are ended before anything new runs.
  const deploy = createDeployer(config, store, warn);
  deploy.start();
  // Its first tick comes one interval from now: start-up does no Docker work.
  const sampler = createSampler(config, store, warn);
  sampler.start();

  // its own client (dockerode loads on the first call): a long log stream never holds up a deploy
  const engine = createEngine(config);
  const containers = new Containers(engine);
  const routing = prepareRouting(config, store.routing, (line) => out(`Berth: ${line}`));
  // Deployments queue their messages themselves (in the transaction that ends them); this sends them.
  const notifier = createNotifier({ config, store, version, health: (appName) => containers.health(appName), warn });
  notifier.start();
  const backups = createBackups({ dataDir: config.dataDir, passphrase: config.backup.passphrase, version, store, log: (line) => out(`Berth: ${line}`), notify: notifier.notify });
  await backups.start();
  // the scheduled cleanup's job exists only while its stored switch is on
  const cleanup = createCleanup(config, store, engine, warn, notifier.notify);
  await cleanup.start();
  // loaded only when a schedule is enabled (or a run was left open by a crash)
  const schedules = new Schedules(async () =>
    (await import('./schedule/scheduler.js')).createScheduler({ store, dataDir: config.dataDir, engine, engines: new NodeEngines(config.docker.nodeCertPath), settings: config.schedules, warn, notify: notifier.notify }),
  );
  if (store.schedules.needsScheduler()) void schedules.load().catch((err) => warn('the scheduler did not start', err));
  const app = await buildServer({ store, config, procedures, version, deploy, containers, cluster: Cluster.over(engine, config.docker.nodeCertPath), edge: routing.edge, backups, cleanup, schedules, notify: notifier.notify });
  const url = await app.listen({ port: config.port, host: config.host });
  out(`Berth ${version} listening on ${url} (data: ${config.dataDir})`);
  routing.start();
  return {
    url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
    store,
    adminToken,
    async close() {
      await app.close();
      await backups.stop();
      await cleanup.stop();
      await schedules.stop();
      await routing.stop();
      await sampler.stop();
      await deploy.stop();
      await notifier.stop();
      data.close();
      releaseDataDir();
    },
  };
}
