import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { resolveEndpointMode } from '../docker/endpoint-mode.js';
import { Edge, type EdgeStatus } from '../docker/edge.js';
import { createEngine } from '../docker/engine.js';
import { edgeServiceSpec, SPEC_DIGEST_LABEL, type EdgeSettings } from './edge-spec.js';
import { dynamicDirOf } from './files.js';
import { reconcileTraefikFiles, type RoutingSource } from './sync.js';

/** The overlay network of the applications and Traefik (the edge creates it; the deploy engine attaches every service to it). */
export const EDGE_NETWORK = 'berth-network';
export const EDGE_SERVICE = 'berth-traefik';
const EDGE_DELAY_MS = 1000;

export interface Routing {
  edge(): EdgeStatus;
  /** Begins the background work; called once Berth listens (start → healthy is a product target). */
  start(): void;
  /** Waits for the background work to end (it stops waiting on Docker first). */
  stop(): Promise<void>;
}

/**
 * Routing's background work: the Traefik files are reconciled with the database, and the
 * edge is brought up. Neither delays the API, and the API serves whatever their outcome.
 */
export function prepareRouting(config: Config, source: RoutingSource, log: (line: string) => void): Routing {
  const settings: EdgeSettings = {
    ...config.edge,
    serviceName: EDGE_SERVICE,
    network: EDGE_NETWORK,
    endpointMode: resolveEndpointMode(config.docker.endpointMode, config.docker.host),
    dynamicDir: dynamicDirOf(config.dataDir),
    acmeDir: path.join(config.dataDir, 'traefik', 'acme'),
  };
  const edge = config.edge.enabled ? new Edge(createEngine(config), { ...settings, spec: (nodeId) => edgeServiceSpec(settings, nodeId), digestLabel: SPEC_DIGEST_LABEL }, log) : undefined;
  let work: Promise<unknown> = Promise.resolve();
  const stopping = new AbortController();
  return {
    edge: () => edge?.status ?? { status: 'disabled' },
    start() {
      work = Promise.all([
        reconcileTraefikFiles(config, source, log).catch((err) => log(`could not reconcile the Traefik files: ${(err as Error).message}`)),
        // after the first requests: loading the Docker client takes CPU that start-up should not wait for
        edge && sleep(EDGE_DELAY_MS, undefined, { signal: stopping.signal, ref: false }).then(() => edge.ensure(), () => {}),
      ]);
    },
    async stop() {
      stopping.abort();
      edge?.stop();
      await work;
    },
  };
}
