import { buildServer } from './api/server.js';
import { procedures } from './api/procedures.js';
import type { Config } from './config.js';
import { createDeployer } from './deploy/index.js';
import { createSampler } from './monitoring/index.js';
import { createNotifier } from './notify/index.js';
import { Cluster } from './cluster/index.js';
import { Containers } from './docker/containers.js';
import { createEngine } from './docker/engine.js';
import type { Store } from './store/index.js';
import { openDataDir } from './store/open.js';
import { prepareRouting } from './routing/start.js';
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
  const data = openDataDir(config.dataDir);
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
  const app = await buildServer({ store, config, procedures, version, deploy, containers, cluster: Cluster.over(engine), edge: routing.edge, notify: notifier.notify });
  const url = await app.listen({ port: config.port, host: config.host });
  out(`Berth ${version} listening on ${url} (data: ${config.dataDir})`);
  routing.start();
  return {
    url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
    store,
    adminToken,
    async close() {
      await app.close();
      await routing.stop();
      await sampler.stop();
      await deploy.stop();
      await notifier.stop();
      data.close();
    },
  };
}
