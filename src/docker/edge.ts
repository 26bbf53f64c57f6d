import fs from 'node:fs';
import type Docker from 'dockerode';
import type { Engine } from './engine.js';

/** What `GET /api/health` says of the edge. */
export type EdgeStatus =
  | { status: 'disabled' }
  | { status: 'starting'; service: string; image: string }
  | { status: 'running'; service: string; image: string }
  | { status: 'unavailable'; service: string; image: string; reason: string };

/** The edge's service as routing/edge-spec.ts makes it, and the folders Traefik mounts. */
export interface EdgeService {
  serviceName: string;
  image: string;
  network: string;
  dynamicDir: string;
  acmeDir: string;
  /** The spec for the node the edge must run on (the one holding its folders). */
  spec(nodeId: string): Docker.CreateServiceOptions;
  /** The spec's label that changes with the spec: a running edge with the same value is left alone. */
  digestLabel: string;
}

/** The engine calls the edge needs (the deploy engine's adapter). */
export type EdgeEngine = Pick<Engine, 'docker' | 'inspectImage' | 'inspectService' | 'applyService' | 'waitForRollout'>;

const PULL_TIMEOUT_MS = 5 * 60_000;
const ROLLOUT_TIMEOUT_MS = 2 * 60_000;

/** The daemon's own words for a failed call, without dockerode's "(HTTP code 500) server error - " wrapper. */
const daemonMessage = (err: unknown) =>
  ((err as { json?: { message?: string } })?.json?.message ?? (err as Error)?.message ?? String(err)).replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();

/**
 * The overlay network applications and Traefik share: created (attachable, so build and
 * test containers may join) when missing; one of another kind is an error an operator must fix.
 */
export async function ensureNetwork(engine: Pick<EdgeEngine, 'docker'>, name: string, signal?: AbortSignal): Promise<'created' | 'present'> {
  try {
    const info = await engine.docker.getNetwork(name).inspect();
    if (info.Driver !== 'overlay' || !info.Attachable)
      throw new Error(`network ${name} exists but is a ${info.Attachable ? '' : 'non-attachable '}${info.Driver} network, not an attachable overlay: remove it (docker network rm ${name}) and restart Berth`);
    return 'present';
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw new Error(daemonMessage(err));
  }
  try {
    await engine.docker.createNetwork({ Name: name, Driver: 'overlay', Attachable: true, CheckDuplicate: true, abortSignal: signal } as never);
  } catch (err) {
    // another Berth (or the test script) created it meanwhile
    if ((err as { statusCode?: number }).statusCode === 409) return 'present';
    throw new Error(`could not create the overlay network ${name}: ${daemonMessage(err)}`);
  }
  return 'created';
}

/**
 * The Swarm node of the engine Berth talks to: the edge binds folders Berth writes on this
 * machine, so it must run on this node, and the Swarm provider needs a manager.
 */
export async function ownNodeId(engine: Pick<EdgeEngine, 'docker'>): Promise<string> {
  const { Swarm: swarm } = await engine.docker.info();
  if (swarm?.LocalNodeState !== 'active' || !swarm.NodeID) throw new Error('this Docker engine is not in Swarm mode: run docker swarm init');
  if (!swarm.ControlAvailable) throw new Error(`this Docker engine's node ${swarm.NodeID} is not a Swarm manager: promote it (docker node promote)`);
  return swarm.NodeID;
}

/** The image locally, pulling it when missing; the reason when neither works. */
async function ensureImage(engine: EdgeEngine, image: string, signal: AbortSignal): Promise<void> {
  if (await engine.inspectImage(image)) return;
  const timeout = AbortSignal.any([signal, AbortSignal.timeout(PULL_TIMEOUT_MS)]);
  try {
    const stream = await engine.docker.pull(image, { abortSignal: timeout });
    await new Promise<void>((resolve, reject) => engine.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    throw new Error(`the Traefik image ${image} is not on this machine and could not be pulled (${daemonMessage(err)}); load it (docker load / docker pull) or set BERTH_TRAEFIK_IMAGE`);
  }
}

/**
 * Brings Traefik up: network, folders, image, Swarm service. Runs in the background at
 * start: Berth serves its API whatever happens here, and health reports the outcome.
 * An edge whose spec is unchanged is left running (no restart, no dropped connections).
 */
export class Edge {
  status: EdgeStatus;
  private readonly abort = new AbortController();

  constructor(
    private readonly engine: EdgeEngine,
    private readonly settings: EdgeService,
    private readonly log: (line: string) => void,
  ) {
    this.status = { status: 'starting', service: settings.serviceName, image: settings.image };
  }

  async ensure(): Promise<EdgeStatus> {
    const { serviceName: service, image, network, digestLabel } = this.settings;
    const signal = this.abort.signal;
    try {
      if ((await ensureNetwork(this.engine, network, signal)) === 'created') this.log(`created the overlay network ${network}`);
      for (const dir of [this.settings.dynamicDir, this.settings.acmeDir]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      await ensureImage(this.engine, image, signal);
      const spec = this.settings.spec(await ownNodeId(this.engine));
      const current = await this.engine.inspectService(service, signal);
      if (current?.Spec?.Labels?.[digestLabel] !== spec.Labels![digestLabel]) {
        const rollout = await this.engine.applyService(spec, { signal });
        await this.engine.waitForRollout(service, rollout, { timeoutMs: ROLLOUT_TIMEOUT_MS, signal, log: () => {} });
        this.log(`Traefik (${image}) is running as service ${service}`);
      }
      this.status = { status: 'running', service, image };
    } catch (err) {
      if (signal.aborted) return this.status;
      const reason = (err as Error).message;
      this.status = { status: 'unavailable', service, image, reason };
      this.log(`the edge (Traefik) is unavailable: ${reason}. Applications deploy, but no domain is routed until it runs.`);
    }
    return this.status;
  }

  /** Stops waiting on the engine (Berth is shutting down); the service itself keeps running. */
  stop(): void {
    this.abort.abort();
  }
}
