import type { Config } from '../config.js';
import { resolveEndpointMode } from '../docker/endpoint-mode.js';
import { createEngine } from '../docker/engine.js';
import { registryFetch } from '../docker/registry-fetch.js';
import { EDGE_NETWORK } from '../routing/start.js';
import type { Store } from '../store/index.js';
import { Deployer } from './deployer.js';
import { DeploymentLogs } from './log.js';
import { createPipeline } from './pipeline.js';

/** Most bytes an uploaded archive (drop source) may expand to. */
const MAX_ARCHIVE_BYTES = 2 * 1024 ** 3;

/** The deploy engine of a server: the Docker engine, the deployment logs, the pipeline and the queue over `store`. */
export function createDeployer(config: Config, store: Store, warn: (message: string, err?: unknown) => void): Deployer {
  const engine = createEngine(config);
  const logs = new DeploymentLogs(config.dataDir);
  const runner = createPipeline({
    store,
    logs,
    engine,
    dataDir: config.dataDir,
    docker: config.deploy.dockerCli,
    endpointMode: resolveEndpointMode(config.docker.endpointMode, config.docker.host),
    network: EDGE_NETWORK,
    rolloutTimeoutMs: config.deploy.rolloutTimeoutMs,
    maxArchiveBytes: MAX_ARCHIVE_BYTES,
    keepReleases: config.deploy.keepReleases,
    clusterRegistry: config.registry,
    registryFetch: registryFetch(config.registryCa),
    warn,
  });
  return new Deployer({ store, dataDir: config.dataDir, settings: config.deploy, routing: config, logs, engine, runner, warn });
}
