import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { ServiceSummary } from '../model/docker.js';
import { appHealth, type AppHealth } from '../model/app-health.js';
import { daemonError, isNotFound, type Engine, type SwarmTask } from './engine.js';
import { serviceTasks } from './tasks.js';

/**
 * Containers, tasks, services and logs as the API reads (and, for `docker.*`, acts on) them:
 * thin calls over the engine's dockerode client. What to make of the answers is decided by
 * model/docker.ts and model/container-logs.ts.
 */

export type ContainerAction = 'start' | 'stop' | 'restart' | 'kill' | 'remove';

/** A task with the spec it was started from (its env, for redaction). */
export interface TaskWithSpec extends SwarmTask {
  Spec: SwarmTask['Spec'] & { ContainerSpec?: { Env?: string[] } };
}

export interface ServiceLogOptions {
  follow: boolean;
  /** Unix seconds (fractions allowed). */
  since?: number;
  /** Lines per task; all when absent. */
  tail?: number;
  signal?: AbortSignal;
}

const HEALTH_TTL_MS = 2000;

export class Containers {
  constructor(private readonly engine: Pick<Engine, 'docker' | 'inspectService' | 'listTasks'>) {}

  private get docker(): Docker {
    return this.engine.docker;
  }

  async list(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<Docker.ContainerInfo[]> {
    try {
      return await this.docker.listContainers({ all: opts.all ?? false, filters: opts.filters });
    } catch (err) {
      throw daemonError(err);
    }
  }

  /**
   * One stats read of every running container, with `precpu_stats` (the engine answers
   * after its next 1 s collection; the reads run at once). A container that stopped
   * meanwhile is left out.
   */
  async stats(): Promise<{ id: string; name: string; stats: Record<string, unknown> }[]> {
    const running = await this.list();
    const read = await Promise.all(
      running.map(async (c) => {
        const stats = await this.docker.getContainer(c.Id).stats({ stream: false }).catch(() => undefined);
        return stats && { id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, ''), stats: stats as unknown as Record<string, unknown> };
      }),
    );
    return read.filter((r) => r !== undefined);
  }

  /** `docker inspect` of a container, or undefined when Docker knows no such container. */
  async inspect(ref: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(ref).inspect();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw daemonError(err);
    }
  }

  /**
   * Acts on a container by its full ID. Starting a running container or stopping a
   * stopped one is done already (Docker's 304); removal forces, as `docker rm -f`.
   * Other refusals keep Docker's status (404, 409) and words.
   */
  async act(id: string, action: ContainerAction): Promise<void> {
    const c = this.docker.getContainer(id);
    try {
      if (action === 'remove') await c.remove({ force: true });
      else await (c[action] as (opts: object) => Promise<unknown>).call(c, {});
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 304) return;
      throw daemonError(err);
    }
  }

  private readonly healthCache = new Map<string, { at: number; health: Promise<AppHealth> }>();

  /**
   * How the application's service is doing (`application.one`): never throws, Docker's
   * failure is part of the answer. Answers up to HEALTH_TTL_MS old are reused, so a busy
   * `application.one` costs Docker one look per application every few seconds.
   */
  health(serviceName: string): Promise<AppHealth> {
    const now = Date.now();
    const hit = this.healthCache.get(serviceName);
    if (hit && now - hit.at < HEALTH_TTL_MS) return hit.health;
    if (this.healthCache.size >= 10_000) this.healthCache.clear();
    const health = this.readHealth(serviceName);
    this.healthCache.set(serviceName, { at: now, health });
    return health;
  }

  private async readHealth(serviceName: string): Promise<AppHealth> {
    try {
      const service = await this.engine.inspectService(serviceName);
      const desired = service ? (service.Spec?.Mode?.Replicated ? (service.Spec.Mode.Replicated.Replicas ?? 1) : undefined) : undefined;
      const tasks = service ? await serviceTasks(this.engine, serviceName, { limit: 10 }) : [];
      // A global service wants one task per node: count the ones Swarm keeps wanting.
      return appHealth(service && desired === undefined ? tasks.filter((t) => t.desiredState === 'running').length : desired, tasks);
    } catch (err) {
      return { status: 'unknown', desired: 0, running: 0, lastExit: null, error: (err as Error).message };
    }
  }

  /** The service's tasks, newest first, with the spec each was started from. */
  async tasks(serviceName: string): Promise<TaskWithSpec[]> {
    return (await this.engine.listTasks(serviceName)) as TaskWithSpec[];
  }

  /**
   * The body of `GET /services/{id}/logs` with timestamps and details (the attributes name
   * each line's task), as a stream even when not following; undefined when there is no
   * such service. `tty`: the body is raw text rather than multiplexed frames.
   */
  async serviceLogs(name: string, opts: ServiceLogOptions): Promise<{ body: Readable; tty: boolean } | undefined> {
    const service = await this.engine.inspectService(name, opts.signal);
    if (!service) return undefined;
    const options: Record<string, unknown> = { stdout: true, stderr: true, timestamps: true, details: true, follow: opts.follow, tail: opts.tail ?? 'all' };
    if (opts.since !== undefined) options.since = opts.since.toFixed(3);
    const dial = {
      path: `/services/${encodeURIComponent(service.ID)}/logs?`,
      method: 'GET',
      isStream: true,
      abortSignal: opts.signal,
      statusCodes: { 200: true, 404: 'no such service', 500: 'server error', 503: 'node is not part of a swarm' },
      options,
    };
    // a service removed between the inspect and this call is no service either
    const body = await new Promise<Readable | undefined>((resolve, reject) =>
      (this.docker.modem as unknown as { dial(o: unknown, cb: (err: unknown, data: Readable) => void): void }).dial(dial, (err, data) =>
        err ? (isNotFound(err) ? resolve(undefined) : reject(daemonError(err))) : resolve(data),
      ),
    );
    return body && { body, tty: !!(service.Spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec?.TTY };
  }

  /** `docker inspect` of a running container of the service (the first Docker lists), if any. */
  async runningTaskContainer(serviceName: string): Promise<Docker.ContainerInspectInfo | undefined> {
    const [first] = await this.list({ filters: { label: [`com.docker.swarm.service.name=${serviceName}`] } });
    return first && this.inspect(first.Id);
  }

  /** The Swarm's services with their running/desired task counts (`docker service ls`). */
  async services(): Promise<ServiceSummary[]> {
    try {
      return (await this.docker.listServices({ status: true })) as ServiceSummary[];
    } catch (err) {
      throw daemonError(err);
    }
  }
}
