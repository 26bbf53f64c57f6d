import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { brokenTask, rolloutVerdict, type RolloutVerdict, type RolloutView, tasksOfRollout, timeoutError } from './rollout-verdict.js';

// dockerode loads gRPC and ssh2 (~22 MB, ~150 ms): load it on the first Docker call, not at start.
const load = createRequire(import.meta.url);

/**
 * The Docker Engine adapter: thin calls over dockerode. What a service should be is
 * decided by service-spec.ts; this file sends it and watches Swarm carry it out.
 */

/**
 * Engine API version of every call. From 1.30 on the daemon never resolves a service's
 * image against a registry on create/update (the CLI's `--no-resolve-image`), and 1.41 is
 * Engine 20.10, the oldest Berth supports.
 */
const API_VERSION = 'v1.41';

/** Credentials for an image in a private registry, for the nodes that pull it. */
export interface RegistryAuth {
  username: string;
  password: string;
  /** `hostname[:port]` of the registry. */
  serveraddress: string;
}

/** What applyService/scaleService changed: enough for waitForRollout to tell its tasks apart. */
export interface Rollout {
  serviceId: string;
  created: boolean;
  /** TaskTemplate.ForceUpdate of the spec now in force; every task it starts carries it. */
  forceUpdate: number;
  /**
   * On the daemon's clock, when the change began: tasks created before it are history (a
   * failed task of an earlier attempt can carry the same ForceUpdate after a rollback).
   */
  since: string;
}

/** A Swarm task, as far as Berth reads it. */
export interface SwarmTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  CreatedAt: string;
  DesiredState: string;
  Spec: { ForceUpdate?: number };
  Status: {
    Timestamp: string;
    State: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** One line per task state change, and Swarm's own update messages. */
  log: (line: string) => void;
}

const POLL_MS = 100;
/**
 * Between rollout polls while a task is about to run (`ready`, `starting`): `running` comes
 * within a few hundred ms then, and `done` should follow it closely. Only for a while, so a
 * long health-check start period is not polled this often.
 */
const IMMINENT_POLL_MS = 20;
const IMMINENT_FOR_MS = 2_000;
const IMMINENT = new Set(['ready', 'starting']);

interface ApiError extends Error {
  statusCode?: number;
  json?: { message?: string } | null;
}

/** The daemon's own words for a failed call ("No such image: …"), not dockerode's wrapper. */
export function daemonError(err: unknown): Error {
  const e = err as ApiError;
  const message = e?.json?.message;
  if (!message) return e instanceof Error ? e : new Error(String(err));
  return Object.assign(new Error(message), { statusCode: e.statusCode });
}

export const isNotFound = (err: unknown) => (err as ApiError)?.statusCode === 404;

/** dockerode client options for a DOCKER_HOST value. */
export function dockerClientOptions(dockerHost: string, env: NodeJS.ProcessEnv = process.env): Docker.DockerOptions {
  if (dockerHost.startsWith('unix://'))
    // host/protocol spelled out so a tcp DOCKER_HOST in the process environment cannot win
    return { socketPath: dockerHost.slice('unix://'.length) || '/var/run/docker.sock', host: undefined, protocol: 'http', version: API_VERSION };
  // tcp:// and ssh:// are docker-modem's to parse, with DOCKER_TLS_VERIFY, DOCKER_CERT_PATH
  // and SSH_AUTH_SOCK beside them; it reads all of them from the process environment.
  if (env.DOCKER_HOST !== dockerHost)
    throw new Error(`A remote Docker host must be given as DOCKER_HOST in the environment (configured: ${dockerHost})`);
  return { version: API_VERSION };
}

export function createEngine(config: { docker: { host: string } }): Engine {
  return engineWith(dockerClientOptions(config.docker.host));
}

/** An engine over dockerode with these client options (connected on its first call). */
export function engineWith(options: Docker.DockerOptions): Engine {
  return new Engine(() => new (load('dockerode') as typeof Docker)(options));
}

export class Engine {
  private client?: Docker;
  constructor(private readonly connect: () => Docker) {}

  get docker(): Docker {
    return (this.client ??= this.connect());
  }

  /** This engine's place in a Swarm (asked each time: a Swarm can be re-created). The types omit abortSignal, which docker-modem reads. */
  async swarmInfo(signal?: AbortSignal): Promise<{ NodeID?: string; ControlAvailable?: boolean }> {
    try {
      return ((await (this.docker.info as (opts: object) => Promise<unknown>).call(this.docker, { abortSignal: signal })) as { Swarm?: { NodeID?: string; ControlAvailable?: boolean } }).Swarm ?? {};
    } catch (err) {
      throw daemonError(err);
    }
  }

  /** The Swarm node ID of this engine, or undefined outside a Swarm. */
  async nodeId(signal?: AbortSignal): Promise<string | undefined> {
    return (await this.swarmInfo(signal)).NodeID || undefined;
  }

  /** The service, or undefined when none has that name. */
  async inspectService(name: string, signal?: AbortSignal): Promise<Docker.Service | undefined> {
    try {
      return (await this.docker.getService(name).inspect({ abortSignal: signal })) as Docker.Service;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw daemonError(err);
    }
  }

  async serviceExists(name: string): Promise<boolean> {
    return (await this.inspectService(name)) !== undefined;
  }

  /**
   * Creates the service, or updates it in place with ForceUpdate bumped so its tasks are
   * replaced even when the spec is unchanged (a redeploy of the same image, a reload of
   * env). The spec travels in the request body only (dockerode would also put it in the
   * query string of an update, env values included) and no registry is asked about the
   * image (see API_VERSION).
   */
  async applyService(spec: Docker.ServiceSpec, opts: { signal?: AbortSignal; auth?: RegistryAuth } = {}): Promise<Rollout> {
    const name = spec.Name;
    if (!name) throw new Error('A service spec needs a Name');
    let current = await this.inspectService(name, opts.signal);
    if (!current) {
      try {
        // two-argument form: with one, dockerode sends the whole spec as X-Registry-Auth
        await this.docker.createService(opts.auth as Docker.AuthConfig, { ...spec, abortSignal: opts.signal } as Docker.ServiceSpec);
      } catch (err) {
        throw daemonError(err);
      }
      return this.rolloutOf(name, true, opts.signal);
    }
    for (let attempt = 1; ; attempt++) {
      const forceUpdate = (current.Spec?.TaskTemplate?.ForceUpdate ?? 0) + 1;
      const body = { ...spec, TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: forceUpdate } };
      try {
        await this.update(current, body, opts);
        // the last write to the service before ours: all that our update starts comes after it
        return this.rolloutOf(name, false, opts.signal, current.UpdatedAt);
      } catch (err) {
        // Swarm changed the service between inspect and update (e.g. an automatic rollback)
        if (attempt < 3 && /update out of sequence/i.test(daemonError(err).message)) {
          current = await this.inspectService(name, opts.signal);
          if (current) continue;
        }
        throw daemonError(err);
      }
    }
  }

  /** Sets the replica count of a replicated service; its tasks' spec is unchanged. */
  async scaleService(name: string, replicas: number, signal?: AbortSignal): Promise<Rollout> {
    const current = await this.inspectService(name, signal);
    if (!current?.Spec) throw new Error(`No such service: ${name}`);
    if (!current.Spec.Mode?.Replicated) throw new Error(`Service ${name} is not replicated; it cannot be scaled`);
    try {
      await this.update(current, { ...current.Spec, Mode: { Replicated: { Replicas: replicas } } }, { signal });
    } catch (err) {
      throw daemonError(err);
    }
    // scaling writes the service once (Swarm's updater has nothing to roll): its UpdatedAt
    // is the moment of the scale, so earlier restarts of the same spec are not counted
    return this.rolloutOf(name, false, signal);
  }

  /**
   * Undoes the change `rollout` made (a cancelled deployment): a created service is removed,
   * an updated one goes back to its previous spec through Swarm's own rollback, awaited
   * until Swarm says it completed. Nothing to do when Swarm is already rolling back by
   * itself (rolling back again would re-apply the new spec).
   */
  async revertService(name: string, rollout: Rollout, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    if (rollout.created) return this.removeService(name, opts);
    const current = await this.inspectService(name, opts.signal);
    if (!current || current.UpdateStatus?.State?.startsWith('rollback')) return;
    try {
      await this.docker.getService(current.ID).update({ abortSignal: opts.signal, _query: { version: current.Version?.Index, rollback: 'previous' }, _body: current.Spec });
    } catch (err) {
      throw daemonError(err);
    }
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const state = (await this.inspectService(name, opts.signal))?.UpdateStatus?.State;
      if (state === 'rollback_completed' || state === undefined) return;
      if (state === 'rollback_paused') throw new Error(`Swarm paused the rollback of ${name}`);
      if (Date.now() >= deadline) throw new Error(`The rollback of ${name} had not completed after ${Math.round(opts.timeoutMs / 1000)} s`);
      await sleep(POLL_MS, undefined, { signal: opts.signal });
    }
  }

  private async update(current: Docker.Service, spec: Docker.ServiceSpec, opts: { signal?: AbortSignal; auth?: RegistryAuth }) {
    // `_query`/`_body` keep the spec out of the URL; docker-modem drops authconfig and
    // abortSignal before sending.
    await this.docker.getService(current.ID).update({
      authconfig: opts.auth,
      abortSignal: opts.signal,
      _query: { version: current.Version?.Index },
      _body: spec,
    });
  }

  private async rolloutOf(name: string, created: boolean, signal?: AbortSignal, since?: string): Promise<Rollout> {
    const service = await this.inspectService(name, signal);
    if (!service) throw new Error(`Service ${name} disappeared right after it was ${created ? 'created' : 'updated'}`);
    return {
      serviceId: service.ID,
      created,
      forceUpdate: service.Spec?.TaskTemplate?.ForceUpdate ?? 0,
      since: (created ? service.CreatedAt : (since ?? service.UpdatedAt)) ?? new Date(0).toISOString(),
    };
  }

  /** The service's tasks, newest first (history included, as Swarm keeps it). */
  async listTasks(name: string, signal?: AbortSignal): Promise<SwarmTask[]> {
    const service = await this.inspectService(name, signal);
    if (!service) return [];
    return this.tasksOf(service.ID, signal);
  }

  private async tasksOf(serviceId: string, signal?: AbortSignal): Promise<SwarmTask[]> {
    try {
      const tasks = (await this.docker.listTasks({ filters: { service: [serviceId] }, abortSignal: signal })) as SwarmTask[];
      return tasks.filter((t) => t.ServiceID === serviceId).sort((a, b) => Date.parse(b.CreatedAt) - Date.parse(a.CreatedAt));
    } catch (err) {
      throw daemonError(err);
    }
  }

  /**
   * Resolves once the tasks of the spec this change put in force run, as many as the
   * service wants, their containers up, and every task they replace has left service
   * discovery (so the old release gets no new requests). A task with a health check (its
   * own or the image's) is only `running` for Swarm once a check passed, so "running"
   * already means "healthy" there. Rejects with the task's own error when one of them fails; when
   * Swarm rolls the update back (FailureAction rollback) it first waits for the rollback to
   * finish, so the previous version serves again when the caller hears of the failure.
   */
  async waitForRollout(name: string, rollout: Rollout, opts: WaitOptions): Promise<void> {
    try {
      await this.watchRollout(name, rollout, opts);
    } catch (err) {
      opts.signal?.throwIfAborted(); // the caller's reason, not the interrupted call's
      throw err;
    }
  }

  private async watchRollout(name: string, rollout: Rollout, opts: WaitOptions): Promise<void> {
    const deadline = Date.now() + opts.timeoutMs;
    const since = Date.parse(rollout.since);
    const logged = new Map<string, string>();
    let failure: string | undefined;
    let lastUpdateLine = '';
    let lastTask = 'no task started yet';
    let last: RolloutVerdict | undefined;
    let imminentSince: number | undefined;

    for (;;) {
      opts.signal?.throwIfAborted();
      const service = await this.inspectService(name, opts.signal);
      if (!service || service.ID !== rollout.serviceId) throw new Error(`Service ${name} was removed during the rollout`);
      const tasks = await this.tasksOf(service.ID, opts.signal);
      const mine = tasksOfRollout(tasks, rollout.forceUpdate, since);

      for (const t of [...mine].reverse()) {
        const line = `task ${t.ID.slice(0, 12)}${t.Slot ? ` (replica ${t.Slot})` : ''}: ${t.Status.State}${t.Status.Err ? ` — ${t.Status.Err}` : ''}`;
        if (logged.get(t.ID) !== line) opts.log(line);
        logged.set(t.ID, line);
        lastTask = line;
      }

      const job = !!(service.Spec?.Mode?.ReplicatedJob || service.Spec?.Mode?.GlobalJob);
      const broken = failure ? undefined : brokenTask(mine, job);
      if (broken) failure = await this.taskError(broken);

      // Swarm's verdict on this update (every update, a scale too, clears the previous one)
      const update = service.UpdateStatus;
      if (update?.State) {
        const line = `swarm update ${update.State.replace('_', ' ')}${update.Message ? `: ${update.Message}` : ''}`;
        if (line !== lastUpdateLine) opts.log(line);
        lastUpdateLine = line;
      }

      const view: RolloutView = {
        tasks,
        forceUpdate: rollout.forceUpdate,
        serviceForceUpdate: service.Spec?.TaskTemplate?.ForceUpdate ?? 0,
        job,
        wanted: await this.desiredTasks(service, opts.signal),
        update: { state: update?.State, message: update?.Message },
        failureAction: service.Spec?.UpdateConfig?.FailureAction,
        failure,
      };
      let verdict = rolloutVerdict(view);
      if (verdict.verdict === 'old release in service discovery') {
        const [stopSignalled, downNodes] = await Promise.all([this.stopSignalled(verdict.lingering, since, opts.signal), this.downNodes(opts.signal)]);
        if (stopSignalled.size || downNodes.size) verdict = rolloutVerdict({ ...view, stopSignalled, downNodes });
      }
      if (verdict.verdict === 'failed' || verdict.verdict === 'rolled back') throw new Error(verdict.error);
      if (verdict.verdict === 'old release in service discovery' && last?.verdict !== verdict.verdict)
        opts.log('new tasks running; waiting for the tasks they replace to leave service discovery');
      last = verdict;
      if (verdict.verdict === 'done' && (job || (await this.containersRunning(verdict.tasks, opts.signal)))) return;

      if (Date.now() >= deadline) throw new Error(timeoutError(last, name, Math.round(opts.timeoutMs / 1000), lastTask));
      if (mine.some((t) => IMMINENT.has(t.Status.State))) imminentSince ??= Date.now();
      else imminentSince = undefined;
      const imminent = imminentSince !== undefined && Date.now() - imminentSince < IMMINENT_FOR_MS;
      await sleep(imminent ? IMMINENT_POLL_MS : POLL_MS, undefined, { signal: opts.signal });
    }
  }

  /**
   * Which of the tasks' containers were sent a stop signal since `since` (ms, the daemon's
   * clock), by the daemon's own event log. Containers on other nodes are not in it.
   */
  private async stopSignalled(tasks: SwarmTask[], since: number, signal?: AbortSignal): Promise<Set<string>> {
    const containers = tasks.map((t) => t.Status.ContainerStatus?.ContainerID).filter((id): id is string => !!id);
    if (!containers.length) return new Set();
    try {
      // with `until`, the daemon answers with the events logged so far and ends the stream
      const stream = await this.docker.getEvents({
        since: Math.floor(since / 1000),
        until: Date.now() / 1000,
        filters: { type: ['container'], event: ['kill'], container: containers },
        abortSignal: signal,
      });
      let text = '';
      for await (const chunk of stream) text += chunk;
      return new Set(text.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { id?: string }).id ?? ''));
    } catch (err) {
      throw daemonError(err);
    }
  }

  /** IDs of the Swarm's nodes that are down. */
  private async downNodes(signal?: AbortSignal): Promise<Set<string>> {
    try {
      const nodes = (await this.docker.listNodes({ abortSignal: signal })) as { ID: string; Status?: { State?: string } }[];
      return new Set(nodes.filter((n) => n.Status?.State === 'down').map((n) => n.ID));
    } catch (err) {
      throw daemonError(err);
    }
  }

  /**
   * Whether the tasks' containers still run. Swarm reports a task `running` a moment after
   * its container started and `failed` a moment after it exited: a process that dies at
   * once can still be `running` in the task list while its container is gone. Containers
   * on other nodes cannot be seen from here; for them the task state is all there is.
   */
  private async containersRunning(tasks: SwarmTask[], signal?: AbortSignal): Promise<boolean> {
    for (const t of tasks) {
      const id = t.Status.ContainerStatus?.ContainerID;
      if (!id) continue;
      try {
        const info = await this.docker.getContainer(id).inspect({ abortSignal: signal });
        if (!info.State?.Running || info.State.Restarting) return false;
      } catch (err) {
        if (!isNotFound(err)) throw daemonError(err);
      }
    }
    return true;
  }

  /**
   * A failed task's error in its own words (`task: non-zero exit (1)`, `No such image: …`);
   * when its container was unhealthy, the failing check and its last output too.
   */
  private async taskError(task: SwarmTask): Promise<string> {
    const own = task.Status.Err || task.Status.Message || `task ${task.Status.State}`;
    const containerId = task.Status.ContainerStatus?.ContainerID;
    if (!containerId) return own;
    try {
      const info = await this.docker.getContainer(containerId).inspect();
      const health = info.State?.Health;
      if (health?.Status !== 'unhealthy') return own;
      const check = (info.Config?.Healthcheck?.Test ?? []).filter((_, i, t) => !(i === 0 && (t[0] === 'CMD' || t[0] === 'CMD-SHELL'))).join(' ');
      // The check that ran while the task was being stopped was killed (137): the failure is the one before.
      const last = [...(health.Log ?? [])].reverse().find((entry) => entry.ExitCode !== 137) ?? health.Log?.at(-1);
      const output = last?.Output?.trim();
      // A draining app exits 0, so Swarm calls the task "finished": say why it was stopped.
      const why = /unhealthy/.test(own) ? own : `${own}: unhealthy container`;
      return `${why}; health check "${check}" failed${last ? ` (exit code ${last.ExitCode}${output ? `: ${output}` : ''})` : ''}`;
    } catch {
      return own; // the container is gone already: the task's words are all there is
    }
  }

  /**
   * Removes the service and waits until its containers are gone, so its images can be
   * removed next. A missing service is fine.
   */
  async removeService(name: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.docker.getService(name).remove({ abortSignal: opts.signal });
    } catch (err) {
      if (!isNotFound(err)) throw daemonError(err);
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    const filters = { label: [`com.docker.swarm.service.name=${name}`] };
    while ((await this.docker.listContainers({ all: true, filters, abortSignal: opts.signal })).length > 0) {
      if (Date.now() >= deadline) throw new Error(`The containers of service ${name} were still there after ${(opts.timeoutMs ?? 60_000) / 1000} s`);
      await sleep(POLL_MS, undefined, { signal: opts.signal });
    }
  }

  async inspectImage(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
    try {
      return await this.docker.getImage(ref).inspect();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw daemonError(err);
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.inspectImage(ref)) !== undefined;
  }

  /** Removes an image (a tag of it); a missing or still used image is reported, not thrown. */
  /** Removes a tag (the image too when it was its last). `force` untags even when a stopped container still uses the image (Swarm keeps old tasks' containers); a running one is never touched. */
  async removeImage(ref: string, opts: { force?: boolean } = {}): Promise<{ removed: true } | { removed: false; reason: string }> {
    try {
      await this.docker.getImage(ref).remove(opts.force ? { force: true } : {});
      return { removed: true };
    } catch (err) {
      const e = daemonError(err) as ApiError;
      if (e.statusCode === 404 || e.statusCode === 409) return { removed: false, reason: e.message };
      throw e;
    }
  }

  /** Removes untagged images no container uses (what superseded builds leave). */
  async pruneDanglingImages(): Promise<void> {
    await this.docker.pruneImages({ filters: { dangling: { true: true } } });
  }

  /**
   * The reference a service should run for a local image, so no node ever asks a registry
   * for it: `repo@sha256:…` when the image came from (or went to) a registry (nodes then
   * skip the pull when they have it), else its image ID, which Swarm never pulls. A plain
   * tag would make every node try `docker pull` first — from Docker Hub for a local build.
   */
  async pinnedImage(ref: string): Promise<string> {
    const info = await this.inspectImage(ref);
    if (!info) throw new Error(`No such image: ${ref}`);
    if (ref.includes('@')) return ref;
    const repo = ref.replace(/:[^/:]+$/, '');
    return info.RepoDigests?.find((d) => d.startsWith(`${repo}@`)) ?? info.Id;
  }

  /** How many nodes the swarm has, whatever their availability or state (a drained or down node may run tasks again). */
  async swarmNodeCount(signal?: AbortSignal): Promise<number> {
    try {
      return (await this.docker.listNodes({ abortSignal: signal })).length;
    } catch (err) {
      throw daemonError(err);
    }
  }

  /** How many tasks the service wants running (or, for a job, completed). */
  private async desiredTasks(service: Docker.Service, signal?: AbortSignal): Promise<number> {
    const mode = service.Spec?.Mode;
    if (mode?.Replicated) return mode.Replicated.Replicas ?? 1;
    if (mode?.ReplicatedJob) return mode.ReplicatedJob.TotalCompletions ?? mode.ReplicatedJob.MaxConcurrent ?? 1;
    // global modes: one per eligible node, which only Swarm counts
    const [listed] = await this.docker.listServices({ filters: { id: [service.ID] }, status: true, abortSignal: signal });
    return listed?.ServiceStatus?.DesiredTasks ?? 1;
  }
}
