import { z } from 'zod';
import { byteSize } from './byte-size.js';
import { serverOnly } from './docker.js';

/**
 * Docker cleanup (issue 15 §4), the pure part: what to remove given the engine's own lists
 * (its /system/df answer), what Berth still needs (kept releases, current releases, services'
 * images and volumes, builds in flight) and the operator's protection settings; and the
 * `getDockerDiskUsage` rows. The adapter (src/docker/cleanup.ts) only lists and removes.
 */

export const dockerCleanupToggle = serverOnly.extend({ enableDockerCleanup: z.boolean() });

/** The engine's /system/df answer, as far as cleanup reads it. */
export interface DfImage {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  /** Unix seconds. */
  Created: number;
  Size: number;
  /** Bytes shared with other images; -1 when the engine did not compute it. */
  SharedSize: number;
  /** Containers (of any state) using the image; -1 when unknown. */
  Containers: number;
}
export interface DfContainer {
  Id: string;
  Names?: string[] | null;
  State: string;
  /** Unix seconds. */
  Created: number;
  SizeRw?: number;
}
export interface DfVolume {
  Name: string;
  UsageData?: { Size: number; RefCount: number } | null;
}
export interface DfBuildCache {
  InUse: boolean;
  Shared: boolean;
  Size: number;
}
export interface DiskUsage {
  LayersSize?: number;
  Images?: DfImage[] | null;
  Containers?: DfContainer[] | null;
  Volumes?: DfVolume[] | null;
  BuildCache?: DfBuildCache[] | null;
  BuilderSize?: number;
}

export const cleanupKinds = ['containers', 'images', 'volumes', 'buildCache'] as const;
export type CleanupKind = (typeof cleanupKinds)[number];
/** What `cleanAll` and the scheduled run remove. Volumes are data: only `cleanUnusedVolumes` touches them. */
export const ALL_BUT_VOLUMES: readonly CleanupKind[] = ['containers', 'images', 'buildCache'];

/** The operator's protection settings (BERTH_CLEANUP_*). */
export interface CleanupPolicy {
  /** References never removed; an entry ending in `*` keeps every reference that starts with the rest. */
  keepImages: string[];
  /** When set, only images, containers and volumes whose name starts with it are removed (and no nameless, dangling image). */
  onlyPrefix: string;
  /** Images and never-started containers younger than this are left: a build or a task may be about to use them. */
  minAgeMs: number;
  /** Build cache kept (Docker's keep-storage), in bytes; 0 removes all of it that no build uses. */
  buildCacheKeepBytes: number;
}

/** What Berth itself still needs. */
export interface CleanupNeeds {
  /** Image references (tag, repo@digest or image ID) of kept releases, current releases, running deployments and services. */
  images: string[];
  /** appNames with a build or release in flight: their repositories' images stay. */
  busyApps: string[];
  /** Volume names that an application's mount or a service's spec names. */
  volumes: string[];
}

/** One object to remove, with the references to remove it by and the bytes it frees. */
export interface Removal {
  id: string;
  name: string;
  refs: string[];
  bytes: number;
}

const NONE = '<none>:<none>';
const NONE_DIGEST = '<none>@<none>';

/** `busybox` → `busybox:latest`: the tag Docker lists for a reference without one. */
export function normalizeRef(ref: string): string {
  const [name, digest] = ref.split('@');
  const last = name.slice(name.lastIndexOf('/') + 1);
  const tagged = last.includes(':') || digest ? name : `${name}:latest`;
  return digest ? `${tagged}@${digest}` : tagged;
}

/** Every reference an image answers to: its ID, its tags, its digests. */
function namesOf(image: DfImage): string[] {
  return [image.Id, ...(image.RepoTags ?? []).filter((t) => t !== NONE), ...(image.RepoDigests ?? []).filter((d) => d !== NONE_DIGEST)];
}

/** Whether a reference (as a service spec, rollback row or operator writes it) names this image. */
function names(image: DfImage, ref: string): boolean {
  const n = normalizeRef(ref);
  if (n === image.Id || `sha256:${n}` === image.Id) return true;
  const [tag, digest] = n.split('@');
  if (digest) {
    // `repo:tag@sha256:…` (what Swarm writes into a spec) or `repo@sha256:…`
    const repo = tag.replace(/:[^/:]+$/, '');
    if ((image.RepoDigests ?? []).includes(`${repo}@${digest}`)) return true;
  }
  return (image.RepoTags ?? []).includes(tag);
}

function kept(image: DfImage, keepImages: string[]): boolean {
  const all = namesOf(image);
  return keepImages.some((k) => (k.endsWith('*') ? all.some((n) => n.startsWith(k.slice(0, -1))) : names(image, k)));
}

/** The repository's last path component (`127.0.0.1:5000/berth/app:tag` → `app`): an application's name when Berth built it. */
const baseName = (ref: string) => {
  const repo = ref.split('@')[0].replace(/:[^/:]+$/, '');
  return repo.slice(repo.lastIndexOf('/') + 1);
};

const olderThan = (createdSeconds: number, now: number, minAgeMs: number) => createdSeconds * 1000 <= now - minAgeMs;

/**
 * Images to remove: unused by any container, named by nothing Berth needs or the operator
 * keeps, not of an application being deployed, and old enough. They are removed by each tag
 * and digest (never forced), so Docker itself still refuses one that became used meanwhile.
 */
export function imagesToRemove(df: DiskUsage, needs: CleanupNeeds, policy: CleanupPolicy, now: number): Removal[] {
  const busy = new Set(needs.busyApps);
  return (df.Images ?? []).flatMap((image) => {
    if (image.Containers !== 0) return [];
    if (!olderThan(image.Created, now, policy.minAgeMs)) return [];
    if (needs.images.some((ref) => names(image, ref)) || kept(image, policy.keepImages)) return [];
    const refs = namesOf(image).slice(1);
    if (refs.some((r) => busy.has(baseName(r)))) return [];
    if (policy.onlyPrefix && !(refs.length && refs.every((r) => baseName(r).startsWith(policy.onlyPrefix)))) return [];
    const bytes = image.SharedSize >= 0 ? image.Size - image.SharedSize : image.Size;
    return [{ id: image.Id, name: refs[0] ?? image.Id, refs: refs.length ? refs : [image.Id], bytes: Math.max(0, bytes) }];
  });
}

/** Stopped containers (`docker container prune`); one never started only once old enough. */
export function containersToRemove(df: DiskUsage, policy: CleanupPolicy, now: number): Removal[] {
  return (df.Containers ?? []).flatMap((c) => {
    const stopped = c.State === 'exited' || c.State === 'dead' || (c.State === 'created' && olderThan(c.Created, now, policy.minAgeMs));
    const name = (c.Names?.[0] ?? c.Id).replace(/^\//, '');
    if (!stopped || (policy.onlyPrefix && !name.startsWith(policy.onlyPrefix))) return [];
    return [{ id: c.Id, name, refs: [c.Id], bytes: Math.max(0, c.SizeRw ?? 0) }];
  });
}

/** Volumes no container uses and no application or service names (a stopped application keeps its data). */
export function volumesToRemove(df: DiskUsage, needs: CleanupNeeds, policy: CleanupPolicy): Removal[] {
  const needed = new Set(needs.volumes);
  return (df.Volumes ?? []).flatMap((v) => {
    if (needed.has(v.Name) || (v.UsageData?.RefCount ?? 1) !== 0) return [];
    if (policy.onlyPrefix && !v.Name.startsWith(policy.onlyPrefix)) return [];
    return [{ id: v.Name, name: v.Name, refs: [v.Name], bytes: Math.max(0, v.UsageData?.Size ?? 0) }];
  });
}

/** What one kind of cleanup removed. */
export interface KindReport {
  removed: number;
  freedBytes: number;
  /** Objects the engine refused to remove (in use meanwhile, a dependent child image…), each with its words. */
  failed: { name: string; error: string }[];
}

export type KindReports = Partial<Record<CleanupKind, KindReport>>;
/** One other Swarm node's part of a cleanup: what its engine freed, or why it could not be cleaned. */
export type NodeReport = { node: string; freedBytes: number; error?: string } & KindReports;
/** A cleanup of this engine (the kinds at the top level) and of the other nodes Berth reaches. */
export type CleanupReport = { freedBytes: number; startedAt: string; finishedAt: string; nodes?: NodeReport[] } & KindReports;

/** Bytes freed by the kinds of one engine. */
export const freedBy = (reports: KindReports) => cleanupKinds.reduce((s, k) => s + (reports[k]?.freedBytes ?? 0), 0);

/** Bytes as `docker system df` prints them ("1.984MB"). */
export const humanSize = (bytes: number) => byteSize(bytes, 1000);

const kindWords: Record<CleanupKind, string> = { containers: 'stopped containers', images: 'images', volumes: 'volumes', buildCache: 'build cache entries' };

/** One line for the log and the `cleanup.done` event: what was freed, per kind and node, and what failed. */
export function cleanupDetail(report: CleanupReport): string {
  const nodes = (report.nodes ?? []).map((n) => `; on ${n.node}: ${n.error ? `not cleaned (${n.error})` : kindsDetail(n)}`);
  return `freed ${humanSize(report.freedBytes)}: ${kindsDetail(report)}${nodes.join('')}`;
}

function kindsDetail(report: KindReports): string {
  const parts = cleanupKinds.flatMap((k) => {
    const r = report[k];
    if (!r) return [];
    const failed = r.failed.length ? `, ${r.failed.length} refused (${r.failed.slice(0, 3).map((f) => `${f.name}: ${f.error}`).join('; ')})` : '';
    return [`${r.removed} ${kindWords[k]} (${humanSize(r.freedBytes)})${failed}`];
  });
  return parts.join(', ');
}

/** One row of `settings.getDockerDiskUsage`: `docker system df`'s columns (its strings), with the byte counts beside them. */
export interface DiskUsageRow {
  type: 'Images' | 'Containers' | 'Local Volumes' | 'Build Cache';
  totalCount: string;
  active: string;
  size: string;
  reclaimable: string;
  sizeBytes: number;
  reclaimableBytes: number;
}

const row = (type: DiskUsageRow['type'], total: number, active: number, size: number, reclaimable: number, percent: boolean): DiskUsageRow => ({
  type,
  totalCount: String(total),
  active: String(active),
  size: humanSize(size),
  reclaimable: percent && size > 0 ? `${humanSize(reclaimable)} (${Math.trunc((reclaimable * 100) / size)}%)` : humanSize(reclaimable),
  sizeBytes: size,
  reclaimableBytes: reclaimable,
});

const ACTIVE_STATES = new Set(['running', 'paused', 'restarting']);

/** `docker system df` from the engine's answer, computed as the Docker CLI computes it. */
export function diskUsageRows(df: DiskUsage): DiskUsageRow[] {
  const images = df.Images ?? [];
  const usedImages = images.filter((i) => i.Containers > 0);
  const layers = df.LayersSize ?? 0;
  const imagesInUse = usedImages.reduce((s, i) => s + (i.SharedSize === -1 ? 0 : i.Size - i.SharedSize), 0);

  const containers = df.Containers ?? [];
  const active = containers.filter((c) => ACTIVE_STATES.has(c.State));
  const rw = (cs: DfContainer[]) => cs.reduce((s, c) => s + Math.max(0, c.SizeRw ?? 0), 0);

  const volumes = df.Volumes ?? [];
  const volSize = (vs: DfVolume[]) => vs.reduce((s, v) => s + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const usedVolumes = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0);

  const cache = df.BuildCache ?? [];
  const cacheSize = cache.filter((c) => !c.Shared).reduce((s, c) => s + c.Size, 0);
  const cacheInUse = cache.filter((c) => c.InUse && !c.Shared).reduce((s, c) => s + c.Size, 0);

  return [
    row('Images', images.length, usedImages.length, layers, Math.max(0, layers - imagesInUse), true),
    row('Containers', containers.length, active.length, rw(containers), rw(containers) - rw(active), true),
    row('Local Volumes', volumes.length, usedVolumes.length, volSize(volumes), volSize(volumes) - volSize(usedVolumes), true),
    row('Build Cache', cache.length, cache.filter((c) => c.InUse).length, cacheSize, Math.max(0, (df.BuilderSize ?? cacheSize) - cacheInUse), false),
  ];
}
