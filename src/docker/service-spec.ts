import path from 'node:path';
import type Docker from 'dockerode';
import type { z } from 'zod';
import { parseDotenv } from '../model/dotenv.js';
import type { mountTypes, protocolTypes, publishModeTypes } from '../model/enums.js';
import {
  endpointSpecSwarm,
  healthCheckSwarm,
  httpHealthCheck,
  type HttpHealthCheck,
  labelsSwarm,
  modeSwarm,
  networkSwarm,
  placementSwarm,
  restartPolicySwarm,
  stopGracePeriodSwarm,
  ulimitsSwarm,
  updateConfigSwarm,
} from '../model/swarm.js';
import type { EndpointMode } from './endpoint-mode.js';

/**
 * Application → Swarm ServiceSpec (API.md §3.5–§3.7, dokploy-behavior.md §3). Pure: the
 * same application and options always give the same spec, so it is tested field by field
 * and the engine only sends it.
 */

/** What the spec reads of an application (a DeployableApplication has all of it). */
export interface ServiceSource {
  appName: string;
  applicationId: string;
  env: string | null;
  command: string | null;
  args: string[] | null;
  memoryLimit: string | null;
  memoryReservation: string | null;
  cpuLimit: string | null;
  cpuReservation: string | null;
  replicas: number;
  healthCheckSwarm: unknown;
  httpHealthCheck: unknown;
  restartPolicySwarm: unknown;
  placementSwarm: unknown;
  updateConfigSwarm: unknown;
  rollbackConfigSwarm: unknown;
  modeSwarm: unknown;
  labelsSwarm: unknown;
  networkSwarm: unknown;
  stopGracePeriodSwarm: number | null;
  endpointSpecSwarm: unknown;
  ulimitsSwarm: unknown;
  detachDokployNetwork: boolean;
  /** Absent in releases snapshotted before the setting existed: those ran without one, as they do again. */
  initProcess?: boolean;
  mounts: {
    type: (typeof mountTypes)[number];
    hostPath: string | null;
    volumeName: string | null;
    filePath: string | null;
    mountPath: string;
  }[];
  ports: {
    publishedPort: number;
    targetPort: number;
    protocol: (typeof protocolTypes)[number];
    publishMode: (typeof publishModeTypes)[number];
  }[];
}

export interface ServiceSpecOptions {
  /** What the tasks run: `name@sha256:…` or a local image (see engine.pinnedImage). */
  image: string;
  endpointMode: EndpointMode;
  /** The platform overlay network every application joins unless detached. */
  network: string;
  /** The application's files folder on the host: file mounts are bound from there. */
  filesDir: string;
  /** Extra service labels, e.g. `berth.deploymentId`. */
  labels?: Record<string, string>;
  /** The environment with its `${{…}}` references already resolved; default: `env` parsed as it is. */
  env?: Record<string, string>;
  /** The Swarm node ID of the machine Berth keeps data on (its own): where mounted data lives. */
  dataNode?: string;
}

export function serviceSpec(app: ServiceSource, opts: ServiceSpecOptions): Docker.ServiceSpec {
  const endpoint = endpointSpec(app, opts.endpointMode);
  // A host-mode published port is bound on the node itself: with start-first the new task
  // waits forever for the port the old one holds ("host-mode port already in use"). Such
  // services default to stop-first, the only order that can progress on one node.
  const order = endpoint.Ports?.some((p) => p.PublishMode === 'host' && (p.PublishedPort ?? 0) > 0)
    ? 'stop-first'
    : 'start-first';

  const env = opts.env ?? parseDotenv(app.env);
  const command = app.command?.trim() ? splitCommand(app.command) : undefined;
  const containerSpec: Docker.ContainerSpec = {
    Image: opts.image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Mounts: app.mounts.map((m) => mountSpec(m, opts.filesDir)),
    // PID 1 gets no default signal handlers: an app that does not handle SIGTERM itself
    // would make every stop wait the whole grace period. An init forwards the signal.
    Init: app.initProcess ?? false,
  };
  if (command?.length) containerSpec.Command = command;
  if (app.args?.length) containerSpec.Args = [...app.args];
  const labels = swarmField(labelsSwarm, 'labelsSwarm', app.labelsSwarm);
  if (labels) containerSpec.Labels = labels;
  const healthCheck =
    swarmField(healthCheckSwarm, 'healthCheckSwarm', app.healthCheckSwarm) ?? httpHealthCheckSpec(swarmField(httpHealthCheck, 'httpHealthCheck', app.httpHealthCheck));
  if (healthCheck) containerSpec.HealthCheck = healthCheck;
  const stopGrace = swarmField(stopGracePeriodSwarm, 'stopGracePeriodSwarm', app.stopGracePeriodSwarm);
  if (stopGrace !== undefined) containerSpec.StopGracePeriod = stopGrace;
  const ulimits = swarmField(ulimitsSwarm, 'ulimitsSwarm', app.ulimitsSwarm);
  if (ulimits) containerSpec.Ulimits = ulimits;

  const taskTemplate: Docker.ContainerTaskSpec = {
    ContainerSpec: containerSpec,
    Networks: swarmField(networkSwarm, 'networkSwarm', app.networkSwarm) ?? (app.detachDokployNetwork ? [] : [{ Target: opts.network }]),
  };
  const resources = resourcesSpec(app);
  if (resources) taskTemplate.Resources = resources;
  const restartPolicy = swarmField(restartPolicySwarm, 'restartPolicySwarm', app.restartPolicySwarm);
  if (restartPolicy) taskTemplate.RestartPolicy = restartPolicy;
  const placement = placementOf(swarmField(placementSwarm, 'placementSwarm', app.placementSwarm), app.mounts.length > 0, opts.dataNode);
  if (placement) taskTemplate.Placement = placement;

  return {
    Name: app.appName,
    Labels: { 'berth.appName': app.appName, 'berth.applicationId': app.applicationId, ...opts.labels },
    TaskTemplate: taskTemplate,
    Mode: swarmField(modeSwarm, 'modeSwarm', app.modeSwarm) ?? { Replicated: { Replicas: app.replicas } },
    UpdateConfig: swarmField(updateConfigSwarm, 'updateConfigSwarm', app.updateConfigSwarm) ?? {
      Parallelism: 1,
      Order: order,
      FailureAction: 'rollback',
    },
    RollbackConfig: swarmField(updateConfigSwarm, 'rollbackConfigSwarm', app.rollbackConfigSwarm) ?? { Parallelism: 1, Order: order },
    EndpointSpec: endpoint,
  };
}

/** A constraint that names one node, which the user's placement may already do. */
const NAMES_A_NODE = /^\s*node\.(id|hostname)\s*==/;

/**
 * Where the tasks may run. Replicas spread over the eligible nodes (Swarm's default), within
 * the application's constraints and preferences. Mounted data (a volume, a host folder, a
 * file Berth writes) exists on one machine only, Berth's own: a service with mounts is
 * pinned there (by node ID; `node.role==manager` when it is not known, which is the same
 * node while there is one manager), on top of the application's own constraints, unless
 * those name a node already.
 */
export function placementOf(own: Docker.TaskSpec['Placement'] | undefined, mounts: boolean, dataNode: string | undefined): Docker.TaskSpec['Placement'] | undefined {
  if (!mounts) return own;
  const constraints = own?.Constraints ?? [];
  if (constraints.some((c) => NAMES_A_NODE.test(c))) return own;
  const pin = dataNode ? `node.id==${dataNode}` : 'node.role==manager';
  return { ...own, Constraints: [...constraints.filter((c) => c.replace(/\s/g, '') !== pin), pin] };
}

/** A stored Swarm JSON column, checked against its model schema (null = the default). */
function swarmField<S extends z.ZodType>(schema: S, field: string, value: unknown): z.infer<S> | undefined {
  if (value === null || value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${field} is not a valid Swarm setting: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'} ${i.message}`).join('; ')}`);
  return parsed.data;
}

const SECOND = 1_000_000_000;

/**
 * Berth's HTTP health check as Swarm's: wget (busybox, Alpine, Debian) or else curl, run
 * by the container's own shell. The path is validated to URL characters and single-quoted.
 */
export function httpHealthCheckSpec(check: HttpHealthCheck | undefined): Docker.HealthConfig | undefined {
  if (!check) return undefined;
  const url = `'http://127.0.0.1:${check.port}${check.path}'`;
  return {
    Test: ['CMD-SHELL', `wget -q -O /dev/null ${url} 2>/dev/null || curl -fsS -o /dev/null ${url}`],
    Interval: check.interval * SECOND,
    Timeout: check.timeout * SECOND,
    Retries: check.retries,
    StartPeriod: check.startPeriod * SECOND,
  };
}

function mountSpec(m: ServiceSource['mounts'][number], filesDir: string): Docker.MountSettings {
  const source = m.type === 'volume' ? m.volumeName : m.type === 'bind' ? m.hostPath : m.filePath && path.posix.join(filesDir, m.filePath);
  if (!source) throw new Error(`The ${m.type} mount at ${m.mountPath} has no source`);
  if (m.type === 'file' && !source.startsWith(path.posix.join(filesDir, '/')))
    throw new Error(`The file mount at ${m.mountPath} points outside the application's files folder`);
  return { Type: m.type === 'volume' ? 'volume' : 'bind', Source: source, Target: m.mountPath };
}

function endpointSpec(app: ServiceSource, defaultMode: EndpointMode): Docker.EndpointSpec {
  const custom = swarmField(endpointSpecSwarm, 'endpointSpecSwarm', app.endpointSpecSwarm);
  const mode = custom?.Mode ?? defaultMode;
  const ports: Docker.PortConfig[] = custom
    ? (custom.Ports ?? []).map((p) => ({ ...p, Protocol: p.Protocol ?? 'tcp', PublishMode: p.PublishMode ?? 'host' }))
    : app.ports.map((p) => ({ Protocol: p.protocol, TargetPort: p.targetPort, PublishedPort: p.publishedPort, PublishMode: p.publishMode }));
  // The ingress routing mesh is an IPVS load balancer behind a virtual IP: a dnsrr service
  // has neither, and Docker refuses ingress ports on it. Publish on the node instead.
  if (mode === 'dnsrr') for (const p of ports) p.PublishMode = 'host';
  return { Mode: mode, Ports: ports };
}

/** Integer text (§3.5: bytes, nano-CPUs); empty or null = no limit. Never NaN. */
function integerText(field: string, value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new Error(`${field} must be a whole number as text, got "${value}"`);
  return n;
}

function resourcesSpec(app: ServiceSource): Docker.ResourceRequirements | undefined {
  const pick = (memory: number | undefined, cpu: number | undefined) => {
    const r: Docker.Resources = {};
    if (memory !== undefined) r.MemoryBytes = memory;
    if (cpu !== undefined) r.NanoCPUs = cpu;
    return Object.keys(r).length ? r : undefined;
  };
  const limits = pick(integerText('memoryLimit', app.memoryLimit), integerText('cpuLimit', app.cpuLimit));
  const reservations = pick(integerText('memoryReservation', app.memoryReservation), integerText('cpuReservation', app.cpuReservation));
  if (!limits && !reservations) return undefined;
  return { ...(limits && { Limits: limits }), ...(reservations && { Reservations: reservations }) };
}

/**
 * The `command` text as an argv, the way a POSIX shell splits words, and nothing more:
 * blanks separate words, '…' is literal, "…" keeps blanks (\" and \\ escape), a backslash
 * outside quotes escapes the next character. No variables, globs or operators: nothing
 * runs a shell here, the words go straight to the container's Command. (Dokploy splits on
 * single spaces, which breaks any quoted argument; for plain commands both agree.)
 */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`command has an unterminated ' quote: ${text}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      for (i++; ; i++) {
        if (i >= text.length) throw new Error(`command has an unterminated " quote: ${text}`);
        if (text[i] === '"') break;
        if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) i++;
        word += text[i];
      }
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new Error(`command ends with a lone backslash: ${text}`);
      word += text[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
