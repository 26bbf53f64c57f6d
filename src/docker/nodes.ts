import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { SwarmNode } from '../model/cluster.js';
import { daemonError, engineWith, isNotFound, type Engine, type SwarmTask } from './engine.js';

/**
 * The Swarm's nodes as the cluster routes act on them: thin calls over dockerode. What to
 * do (join answers, removal plans) is decided in src/cluster.
 */

/** Task states in which a task still holds (or is about to hold) a container on its node. */
const ALIVE = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running']);

export interface NodeChange {
  role?: 'worker' | 'manager';
  availability?: 'active' | 'pause' | 'drain';
  labels?: Record<string, string>;
  removeLabels?: string[];
}

/** What this engine says of its Swarm. */
export interface SwarmFacts {
  nodeId: string;
  isManager: boolean;
  nodeAddr?: string;
  /** The manager's listen address for joins (`ManagerStatus.Addr` of its node). */
  managerAddr?: string;
  engineVersion: string;
  tokens: { Worker?: string; Manager?: string };
  /** The Swarm's root CA certificate (what `docker node ls` compares nodes' with). */
  trustRoot?: string;
}

export class SwarmNodes {
  constructor(private readonly engine: Pick<Engine, 'docker'>) {}

  private get docker(): Docker {
    return this.engine.docker;
  }

  async list(): Promise<SwarmNode[]> {
    try {
      return (await this.docker.listNodes()) as SwarmNode[];
    } catch (err) {
      throw daemonError(err);
    }
  }

  /** This engine's Swarm facts: its node, whether it manages, the join tokens and addresses. */
  /** `docker node inspect` (by ID, unique ID prefix or hostname), or undefined when the Swarm knows no such node. */
  async inspect(ref: string): Promise<SwarmNode | undefined> {
    try {
      return (await this.docker.getNode(ref).inspect()) as SwarmNode;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw daemonError(err);
    }
  }

  async swarm(): Promise<SwarmFacts> {
    try {
      const info = await this.docker.info();
      const s = info.Swarm ?? {};
      const isManager = s.LocalNodeState === 'active' && !!s.ControlAvailable;
      const [swarm, self] = isManager
        ? await Promise.all([this.docker.swarmInspect(), this.docker.getNode(s.NodeID).inspect() as Promise<SwarmNode>])
        : [undefined, undefined];
      return {
        nodeId: s.NodeID ?? '',
        isManager,
        nodeAddr: s.NodeAddr || undefined,
        managerAddr: self?.ManagerStatus?.Addr || undefined,
        engineVersion: info.ServerVersion ?? '',
        tokens: swarm?.JoinTokens ?? {},
        trustRoot: swarm?.TLSInfo?.TrustRoot,
      };
    } catch (err) {
      throw daemonError(err);
    }
  }

  /**
   * Changes a node's role, availability or labels (`docker node update`), read-modify-write
   * on its current spec; retried when Swarm changed the node meanwhile.
   */
  async update(id: string, change: NodeChange): Promise<SwarmNode> {
    for (let attempt = 1; ; attempt++) {
      const node = (await this.docker.getNode(id).inspect()) as SwarmNode;
      const labels = { ...node.Spec?.Labels, ...change.labels };
      for (const key of change.removeLabels ?? []) delete labels[key];
      const spec = { ...node.Spec, Labels: labels, ...(change.role && { Role: change.role }), ...(change.availability && { Availability: change.availability }) };
      try {
        await this.docker.getNode(node.ID).update({ version: node.Version?.Index, ...spec });
        return (await this.docker.getNode(node.ID).inspect()) as SwarmNode;
      } catch (err) {
        if (attempt < 3 && /update out of sequence/i.test(daemonError(err).message)) continue;
        throw daemonError(err);
      }
    }
  }

  /** The node's tasks that still hold a container (or are about to), however Swarm wants them. */
  async liveTasks(nodeId: string): Promise<SwarmTask[]> {
    try {
      const tasks = (await this.docker.listTasks({ filters: { node: [nodeId] } })) as SwarmTask[];
      return tasks.filter((t) => t.NodeID === nodeId && ALIVE.has(t.Status.State));
    } catch (err) {
      throw daemonError(err);
    }
  }

  /** The node's state, or undefined when the Swarm no longer knows it. */
  async state(nodeId: string): Promise<string | undefined> {
    return (await this.inspect(nodeId))?.Status?.State;
  }

  /** `docker node rm` (`force`: also a node that is not down). A node already gone is fine. */
  async remove(nodeId: string, force: boolean): Promise<void> {
    try {
      await this.docker.getNode(nodeId).remove({ force });
    } catch (err) {
      if (!isNotFound(err)) throw daemonError(err);
    }
  }
}

/** `docker swarm leave` run on a node's own engine (a worker: no force needed). */
export async function leaveSwarm(engine: Pick<Engine, 'docker'>): Promise<void> {
  try {
    await engine.docker.swarmLeave({ force: false });
  } catch (err) {
    throw daemonError(err);
  }
}

/** How Berth reaches a node's engine, or why it cannot. */
export type NodeEngineReach = { options: Docker.DockerOptions } | { unreachable: string };

/**
 * A client for a node's engine from its `berth.engine` label: `unix:///path` (the lab: the
 * node's socket on this machine) or `tcp://host:port` over TLS with Berth's client
 * certificate in `certPath` (BERTH_NODE_CERT_PATH: ca.pem, cert.pem, key.pem) that the
 * nodes' engines trust. Anything else (plain tcp included) is unreachable, with the reason,
 * so a label can name no other kind of place.
 */
export function nodeEngineOptions(endpoint: string, certPath: string | undefined): NodeEngineReach {
  const unix = /^unix:\/\/(\/[A-Za-z0-9._\-/]+)$/.exec(endpoint);
  if (unix) return { options: { socketPath: unix[1], host: undefined, protocol: 'http', version: 'v1.41' } };
  const tcp = /^tcp:\/\/([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(endpoint);
  if (!tcp) return { unreachable: 'it is neither unix:///<socket> nor tcp://<host>:<port>' };
  // an engine's API is root on its machine: never over the network without TLS
  if (!certPath) return { unreachable: "it takes TLS with Berth's client certificate: set BERTH_NODE_CERT_PATH to a directory holding ca.pem, cert.pem and key.pem" };
  const host = tcp[1].replace(/^\[|\]$/g, '');
  try {
    const read = (f: string) => fs.readFileSync(path.join(certPath, f));
    return { options: { host, port: Number(tcp[2]), protocol: 'https', ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), version: 'v1.41' } };
  } catch (err) {
    return { unreachable: `Berth's client certificate in BERTH_NODE_CERT_PATH cannot be read (${(err as Error).message})` };
  }
}

/** One engine per node endpoint, created on first use and kept (a client per tick would redo every connection). */
export class NodeEngines {
  private readonly engines = new Map<string, Engine | string>();

  /** `certPath`: BERTH_NODE_CERT_PATH, Berth's client certificate for tcp endpoints. */
  constructor(private readonly certPath: string | undefined) {}

  private reach(endpoint: string): Engine | string {
    let known = this.engines.get(endpoint);
    if (known === undefined) {
      const r = nodeEngineOptions(endpoint, this.certPath);
      known = 'options' in r ? engineWith(r.options) : r.unreachable;
      this.engines.set(endpoint, known);
    }
    return known;
  }

  /** The engine at a `berth.engine` endpoint; undefined when Berth does not reach it (see whyNot). */
  at(endpoint: string): Engine | undefined {
    const r = this.reach(endpoint);
    return typeof r === 'string' ? undefined : r;
  }

  /** Why Berth does not reach the engine at `endpoint`, or undefined when it does. */
  whyNot(endpoint: string): string | undefined {
    const r = this.reach(endpoint);
    return typeof r === 'string' ? `Berth does not reach the Docker engine at ${endpoint}: ${r}` : undefined;
  }
}
