import type { Config } from '../config.js';
import { createEngine } from '../docker/engine.js';
import type { Store } from '../store/index.js';
import { NodeEngines } from '../docker/nodes.js';
import { dockerStatsSource } from '../docker/stats-source.js';
import { readHost } from './host-source.js';
import { Sampler } from './sampler.js';

/** The server's always-on sampler over the configured Docker engine and this host. */
export function createSampler(config: Config, store: Store, warn: (message: string, err?: unknown) => void): Sampler {
  return new Sampler({
    metrics: store.metrics,
    source: dockerStatsSource(createEngine(config), config.docker.host, new NodeEngines(config.docker.nodeCertPath)),
    readHost: (dockerRootDir) => readHost(config.dataDir, dockerRootDir),
    intervalMs: config.monitoring.intervalMs,
    retentionDays: config.monitoring.retentionDays,
    warn,
  });
}
