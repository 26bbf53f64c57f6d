import { z } from 'zod';
import type { SwarmNode } from './cluster.js';
import { MASK } from './dotenv.js';

/**
 * Inputs of the `docker.*`, `swarm.*` and `cluster.*` groups (reference/API.md §6.12) and
 * the pure rules that turn what the Engine API answers into the rows Dokploy clients read
 * (the `docker ps` / `docker service ps` / `docker node ls` columns).
 */

/** Container, service and node references: no path or option syntax reaches the engine. */
const ref = () =>
  z
    .string()
    .min(1)
    .max(255)
    .regex(/^[a-zA-Z0-9.\-_]+$/, 'Letters, digits, ".", "-" and "_" only');
/** Berth manages one Docker host: any `serverId` names a server that does not exist (404). */
const serverId = z.string().optional();

export const serverOnly = z.object({ serverId });
export const containerRef = z.object({ containerId: ref(), serverId });
export const appNameMatch = z.object({ appName: ref(), appType: z.enum(['stack', 'docker-compose']).optional(), serverId });
export const appLabel = z.object({ appName: ref(), type: z.enum(['standalone', 'swarm']), serverId });
export const appNameRef = z.object({ appName: ref(), serverId });
export const nodeRef = z.object({ nodeId: ref(), serverId });

/** Characters of an ID prefix below which a reference could name a container by accident. */
export const MIN_ID_PREFIX = 12;

/**
 * Whether `ref` names this container: its exact name, or at least 12 characters of its
 * ID. Docker resolves any unique ID prefix, so `a` could otherwise stop a container
 * nobody meant.
 */
export function namesContainer(ref: string, container: { Id: string; Name: string }): boolean {
  return container.Name.replace(/^\//, '') === ref || (ref.length >= MIN_ID_PREFIX && container.Id.startsWith(ref));
}

export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** `docker ps`'s PORTS column: `0.0.0.0:8080->80/tcp, 443/tcp`. */
export function formatPorts(ports: PortSummary[] = []): string {
  return ports
    .map((p) => (p.PublicPort ? `${p.IP ?? ''}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`))
    .join(', ');
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  Ports: PortSummary[];
  State: string;
  Status: string;
}

/** A container as `docker ps` lists it: short ID, name without its slash. */
export function containerRow(c: ContainerSummary) {
  return { containerId: c.Id.slice(0, 12), name: (c.Names[0] ?? '').replace(/^\//, ''), image: c.Image, ports: formatPorts(c.Ports), state: c.State, status: c.Status };
}

/** `docker inspect` of a container for a caller who may not read env values: keys stay, values go. */
export function maskContainerEnv<T extends { Config?: { Env?: string[] | null } }>(info: T): T {
  const env = info.Config?.Env;
  if (!env) return info;
  return { ...info, Config: { ...info.Config, Env: env.map((e) => `${e.split('=')[0]}=${MASK}`) } };
}

/** Docker's own wording of a duration (go-units HumanDuration), as `docker service ps` prints it. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(ms / 60_000);
  const hours = Math.round(ms / 3_600_000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A node as `docker node ls --format '{{json .}}'` prints it, and (Berth's additions, which
 * the command leaves to `docker node inspect`) its role, address, resources and labels.
 */
export function nodeRow(n: SwarmNode, self: { nodeId: string; trustRoot?: string }) {
  const manager = n.ManagerStatus;
  return {
    Availability: capitalized(n.Spec?.Availability ?? ''),
    EngineVersion: n.Description?.Engine?.EngineVersion ?? '',
    Hostname: n.Description?.Hostname ?? '',
    ID: n.ID,
    ManagerStatus: manager ? (manager.Leader ? 'Leader' : capitalized(manager.Reachability ?? '')) : '',
    Self: n.ID === self.nodeId,
    Status: capitalized(n.Status?.State ?? ''),
    TLSStatus: !self.trustRoot || n.Description?.TLSInfo?.TrustRoot === self.trustRoot ? 'Ready' : 'Needs Rotation',
    Role: n.Spec?.Role ?? '',
    Address: n.Status?.Addr ?? '',
    CPUs: (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
    MemoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
    Labels: n.Spec?.Labels ?? {},
  };
}

export interface ServiceSummary {
  ID: string;
  Spec?: {
    Name?: string;
    Mode?: { Replicated?: unknown; Global?: unknown; ReplicatedJob?: unknown; GlobalJob?: unknown };
    TaskTemplate?: { ContainerSpec?: { Image?: string } };
  };
  Endpoint?: { Ports?: { PublishedPort?: number; TargetPort?: number; Protocol?: string }[] };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number };
}

/** A service as `docker service ls --format '{{json .}}'` prints it (image without its digest). */
export function serviceRow(s: ServiceSummary) {
  const mode = s.Spec?.Mode ?? {};
  return {
    ID: s.ID.slice(0, 12),
    Image: (s.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '').replace(/@sha256:[0-9a-f]{64}$/, ''),
    Mode: mode.Global ? 'global' : mode.ReplicatedJob ? 'replicated job' : mode.GlobalJob ? 'global job' : 'replicated',
    Name: s.Spec?.Name ?? '',
    Ports: (s.Endpoint?.Ports ?? []).map((p) => `*:${p.PublishedPort}->${p.TargetPort}/${p.Protocol}`).join(', '),
    Replicas: `${s.ServiceStatus?.RunningTasks ?? 0}/${s.ServiceStatus?.DesiredTasks ?? 0}`,
  };
}

export interface TaskSummary {
  ID: string;
  Slot?: number;
  NodeID?: string;
  DesiredState: string;
  Status: { Timestamp: string; State: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
}

/**
 * A task as `docker service ps` shows it, in `getServiceContainersByAppName`'s shape.
 * `containerId` is the task's container (short ID, "" before it has one), which the other
 * `docker.*` routes take; Dokploy put the task ID there.
 */
export function taskRow(appName: string, task: TaskSummary, nodeNames: Map<string, string>, now: number) {
  const { Status: status } = task;
  return {
    containerId: (status.ContainerStatus?.ContainerID ?? '').slice(0, 12),
    name: task.Slot ? `${appName}.${task.Slot}` : `${appName}.${task.NodeID ?? ''}`,
    state: task.DesiredState.toLowerCase(),
    currentState: `${capitalized(status.State)} ${humanDuration(Math.max(0, now - Date.parse(status.Timestamp)))} ago`,
    node: (task.NodeID && nodeNames.get(task.NodeID)) ?? '',
    error: status.Err ?? '',
  };
}
