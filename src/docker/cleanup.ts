import type Docker from 'dockerode';
import type { DiskUsage } from '../model/cleanup.js';
import { ENGINE_LABEL, type SwarmNode } from '../model/cluster.js';
import { daemonError, type Engine } from './engine.js';
import type { NodeEngines } from './nodes.js';

/**
 * Docker cleanup's calls to one engine: its disk usage, what its services name, and the
 * removals, one object at a time (never a prune of everything: model/cleanup.ts decides each
 * object). Nothing here forces a removal: the engine still refuses what became used.
 */
export class CleanupEngine {
  constructor(private readonly engine: Pick<Engine, 'docker'>) {}

  private get docker(): Docker {
    return this.engine.docker;
  }

  /** `GET /system/df`: images, containers, volumes and build cache with their sizes. */
  async diskUsage(): Promise<DiskUsage> {
    try {
      return (await this.docker.df()) as DiskUsage;
    } catch (err) {
      throw daemonError(err);
    }
  }

  /** The images and volume names every Swarm service's spec names (a service scaled to 0 included); none outside a Swarm. */
  async serviceNeeds(): Promise<{ images: string[]; volumes: string[] }> {
    let services: Docker.Service[];
    try {
      services = await this.docker.listServices();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 503) return { images: [], volumes: [] };
      throw daemonError(err);
    }
    const specs = services.map((s) => s.Spec?.TaskTemplate as { ContainerSpec?: { Image?: string; Mounts?: { Type?: string; Source?: string }[] } } | undefined);
    return {
      images: specs.flatMap((t) => (t?.ContainerSpec?.Image ? [t.ContainerSpec.Image] : [])),
      volumes: specs.flatMap((t) => (t?.ContainerSpec?.Mounts ?? []).flatMap((m) => (m.Type === 'volume' && m.Source ? [m.Source] : []))),
    };
  }

  /** Removes an image reference (a tag, a digest or the ID); the image goes with its last reference. */
  async removeImageRef(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove();
    } catch (err) {
      throw daemonError(err);
    }
  }

  /** Removes a stopped container (its anonymous volumes stay for the volume cleanup to judge). */
  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove();
    } catch (err) {
      throw daemonError(err);
    }
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (err) {
      throw daemonError(err);
    }
  }

  /** `POST /build/prune?all=true&keep-storage=N` (dockerode's pruneBuilder sends no options): the entries removed and the bytes freed. */
  async pruneBuildCache(keepBytes: number): Promise<{ removed: number; freedBytes: number }> {
    try {
      const answer = await new Promise<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>((resolve, reject) =>
        this.docker.modem.dial(
          { path: '/build/prune?', method: 'POST', options: { _query: { all: true, 'keep-storage': keepBytes }, _body: {} }, statusCodes: { 200: true, 500: 'server error' } },
          (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as { CachesDeleted?: string[] | null; SpaceReclaimed?: number })),
        ),
      );
      return { removed: answer.CachesDeleted?.length ?? 0, freedBytes: answer.SpaceReclaimed ?? 0 };
    } catch (err) {
      throw daemonError(err);
    }
  }
}

/**
 * The Swarm's other nodes whose engine Berth reaches (their `berth.engine` label, see
 * nodes.ts), ready ones only, each with its cleanup calls; none outside a Swarm manager.
 */
export async function otherNodeEngines(engine: Pick<Engine, 'docker' | 'swarmInfo'>, engines: NodeEngines): Promise<{ hostname: string; engine: CleanupEngine }[]> {
  const swarm = await engine.swarmInfo();
  if (!swarm.ControlAvailable) return [];
  let nodes: SwarmNode[];
  try {
    nodes = (await engine.docker.listNodes()) as SwarmNode[];
  } catch (err) {
    throw daemonError(err);
  }
  return nodes.flatMap((n) => {
    const endpoint = n.Spec?.Labels?.[ENGINE_LABEL];
    const reached = endpoint && n.ID !== swarm.NodeID && n.Status?.State === 'ready' ? engines.at(endpoint) : undefined;
    return reached ? [{ hostname: n.Description?.Hostname ?? n.ID, engine: new CleanupEngine(reached) }] : [];
  });
}
