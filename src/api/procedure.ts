import type { z } from 'zod';
import type { Backups } from '../backup/index.js';
import type { Cleanup } from '../cleanup/index.js';
import type { Cluster } from '../cluster/index.js';
import type { Config } from '../config.js';
import type { Deployer } from '../deploy/deployer.js';
import type { Containers } from '../docker/containers.js';
import type { Caller, Role } from '../model/api-key.js';
import type { Notify } from '../model/events.js';
import type { OutputName } from './outputs.js';
import type { Schedules } from '../schedule/index.js';
import type { Store } from '../store/index.js';

/** Who may call a procedure: readers, deployers (read + lifecycle actions), admins. */
export type Access = 'read' | 'deploy' | 'admin';

export interface Context {
  store: Store;
  config: Config;
  caller: Caller;
  /** The deploy engine: enqueue and cancel jobs, read their logs. */
  deploy: Deployer;
  /** The Docker engine's containers, tasks and logs (`docker.*`, `application.readLogs`). */
  containers: Containers;
  /** The Swarm's nodes: join, leave, availability and labels (`cluster.*`, `swarm.*`). */
  cluster: Cluster;
  /** Backups of Berth itself: runs, timers, destinations' connections (loaded on first use). */
  backups: Backups;
  /** Docker cleanup and disk usage of this engine (`settings.clean*`, `settings.getDockerDiskUsage`). */
  cleanup: Cleanup;
  /** The scheduler: re-armed after a schedule is written, and `runManually`. */
  schedules: Schedules;
  /** Queues an event for the notification channels (`notification.receiveNotification`). */
  notify: Notify;
}

export interface Procedure<I extends z.ZodType = z.ZodType> {
  /** `<group>.<proc>`, as in the contract. */
  name: string;
  kind: 'query' | 'mutation';
  input: I;
  access: Access;
  /** One line: the operation's title in the API reference. */
  summary: string;
  /** The 200 answer's shape for the OpenAPI document: a schema of src/api/outputs.ts, by name (start-up builds none). */
  output: OutputName;
  description?: string;
  /** A read whose answer depends only on the database and the caller's role: served from cache until any write. */
  cached?: boolean;
  handler: (input: z.output<I>, ctx: Context) => unknown;
  /** Fields whose values change without a database write (Docker's state), added to the (cached) object answer on every call. */
  live?: (input: z.output<I>, ctx: Context) => Promise<Record<string, unknown>>;
}

type Def<I extends z.ZodType> = Omit<Procedure<I>, 'name' | 'kind' | 'access'> & { access?: Access };

/** A GET procedure; anyone with a token may call it unless `access` says otherwise. */
export function query<I extends z.ZodType>(def: Def<I>) {
  return { kind: 'query' as const, access: 'read' as Access, ...def };
}

/** A POST procedure; admin-only unless `access` says otherwise. */
export function mutation<I extends z.ZodType>(def: Def<I>) {
  return { kind: 'mutation' as const, access: 'admin' as Access, ...def };
}

/** Names each procedure of a group `<group>.<key>`. */
export function group(name: string, procs: Record<string, Omit<Procedure<any>, 'name'>>): Procedure[] {
  return Object.entries(procs).map(([key, p]) => ({ ...p, name: `${name}.${key}` }) as Procedure);
}

const allowed: Record<Role, Access[]> = {
  admin: ['read', 'deploy', 'admin'],
  deployer: ['read', 'deploy'],
  'read-only': ['read'],
};

export function mayCall(role: Role, access: Access): boolean {
  return allowed[role].includes(access);
}
