import type Docker from 'dockerode';
import type { Engine } from '../docker/engine.js';
import { deleteManifest } from '../docker/registry-manifests.js';
import type { Store } from '../store/index.js';
import { isIn, type PushRegistry } from './image-distribution.js';
import { manifestDigest } from './sources/docker.js';
import { parseImageRef, registryHost } from './sources/image-ref.js';

/**
 * Which releases an application keeps (pure): the rollback rows of its newest `keep`
 * successful deployments stay, older ones go; every image of the app that no kept
 * row, no running deployment and no application's current release uses is removed.
 * `keepImages` is what stays whatever: kept rows' images and the protected ones.
 */
export function retention(input: {
  /** The app's rollback rows. */
  rollbacks: { rollbackId: string; version: number; image: string | null }[];
  /** The app's finished deployments that recorded an image. */
  images: string[];
  keep: number;
  /** Images that must stay whatever this app keeps: current releases, other apps' rollbacks, running jobs. */
  protectedImages: Set<string>;
}): { dropRollbacks: string[]; removeImages: string[]; keepImages: string[] } {
  const byVersion = [...input.rollbacks].sort((a, b) => b.version - a.version);
  const kept = byVersion.slice(0, input.keep);
  const dropped = byVersion.slice(input.keep);
  const keep = new Set([...input.protectedImages, ...kept.flatMap((r) => (r.image ? [r.image] : []))]);
  const candidates = new Set([...dropped.flatMap((r) => (r.image ? [r.image] : [])), ...input.images]);
  return { dropRollbacks: dropped.map((r) => r.rollbackId), removeImages: [...candidates].filter((i) => !keep.has(i)), keepImages: [...keep] };
}

/** `host/path` of an image reference: the repository a registry holds its manifests in (pure). */
export function repositoryOf(image: string): string {
  const ref = parseImageRef(image);
  return `${ref.domain}/${ref.repository}`;
}

/** A reference and the digest its registry serves for it: null when it has none, undefined when that could not be learnt. */
export interface Resolved {
  image: string;
  digest: string | null | undefined;
}

/**
 * Which manifests of dropped releases leave their registry (pure). A registry deletes a
 * manifest by digest, for every tag pointing at it, and two releases of an unchanged build
 * share one: a digest goes only when no reference that stays (a kept release, a running
 * service) has it in the same repository, and nothing goes from a repository where a kept
 * reference's digest is unknown. One deletion per repository and digest.
 */
export function manifestDeletions(input: { dropped: Resolved[]; kept: Resolved[]; running: string[] }): { image: string; digest: string }[] {
  const key = (image: string, digest: string) => `${repositoryOf(image)}@${digest}`;
  const unknown = new Set(input.kept.filter((k) => k.digest === undefined).map((k) => repositoryOf(k.image)));
  const staying = new Set([
    ...input.kept.flatMap((k) => (k.digest ? [key(k.image, k.digest)] : [])),
    ...input.running.flatMap((image) => {
      const digest = parseImageRef(image).digest;
      return digest ? [key(image, digest)] : [];
    }),
  ]);
  const out = new Map<string, { image: string; digest: string }>();
  for (const d of input.dropped) {
    if (!d.digest || unknown.has(repositoryOf(d.image))) continue;
    const k = key(d.image, d.digest);
    if (!staying.has(k) && !out.has(k)) out.set(k, { image: d.image, digest: d.digest });
  }
  return [...out.values()];
}

/** What the registry side of retention needs: where the app's images were pushed, and how to reach them. */
export interface RegistryPruning {
  /** The registries the app's releases may be in (its own, its rollback one, the cluster's). */
  registries: PushRegistry[];
  fetch?: typeof fetch;
  /** Registries (by URL) that refused a delete: said once, never asked again. */
  refused: Set<string>;
  /** The app's service: the image it runs stays. */
  appName: string;
  /** The image the job that just ended pushed without releasing it (a failed deploy), if any. */
  unreleased?: string;
}

/** Deletes from their registries the manifests of dropped releases that nothing kept shares (see `manifestDeletions`). */
async function pruneRegistries(
  deps: { engine: Pick<Engine, 'inspectService'>; warn(message: string, err?: unknown): void },
  r: RegistryPruning,
  dropped: string[],
  kept: string[],
): Promise<void> {
  const registryOf = (image: string) => (image.includes('@') ? undefined : r.registries.find((reg) => isIn(image, reg)));
  const candidates = dropped.filter((image) => {
    const reg = registryOf(image);
    return reg && !r.refused.has(reg.registryUrl);
  });
  if (!candidates.length) return;
  const repositories = new Set(candidates.map(repositoryOf));
  const resolve = async (image: string): Promise<Resolved> => {
    const ref = parseImageRef(image);
    if (ref.digest) return { image, digest: ref.digest };
    const reg = registryOf(image);
    try {
      return { image, digest: await manifestDigest(ref, reg && { username: reg.username, password: reg.password }, { fetch: r.fetch }) };
    } catch (err) {
      deps.warn(`could not learn the digest of ${image}`, err);
      return { image, digest: undefined };
    }
  };
  const sameRepository = kept.filter((image) => {
    try {
      return repositories.has(repositoryOf(image));
    } catch {
      return false; // an image ID, not a reference
    }
  });
  const service = await deps.engine.inspectService(r.appName).catch(() => undefined);
  const running = (service?.Spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec?.Image;
  const deletions = manifestDeletions({
    dropped: await Promise.all(candidates.map(resolve)),
    kept: await Promise.all(sameRepository.map(resolve)),
    running: running ? [running] : [],
  });
  for (const { image, digest } of deletions) {
    const reg = registryOf(image)!;
    if (r.refused.has(reg.registryUrl)) continue;
    const ref = parseImageRef(image);
    const host = ref.domain === 'docker.io' ? '' : registryHost(ref.domain);
    try {
      const outcome = await deleteManifest({ host, repository: ref.repository, digest }, { username: reg.username, password: reg.password }, { fetch: r.fetch });
      if (outcome === 'refused') {
        r.refused.add(reg.registryUrl);
        deps.warn(`registry ${reg.registryUrl || 'docker.io'} refuses to delete manifests (Distribution: storage.delete.enabled is off), so the releases Berth drops stay in it`);
      }
    } catch (err) {
      deps.warn(`could not delete ${image} (${digest}) from its registry`, err);
    }
  }
}

/**
 * Applies the retention to one application after each of its jobs: drops old rollback
 * rows, removes unused images (Docker itself refuses to remove one a container uses),
 * then dangling layers, then (with `registry`) the registry manifests of the releases it
 * dropped. Failures are reported, never thrown: clean-up never fails a deployment.
 */
export async function pruneReleases(
  deps: { store: Store; engine: Pick<Engine, 'removeImage' | 'pruneDanglingImages' | 'inspectService'>; keep: number; warn(message: string, err?: unknown): void; registry?: RegistryPruning },
  applicationId: string,
): Promise<void> {
  const { store, engine } = deps;
  const rollbacks = store.rollbacks.ofApplication(applicationId);
  const deployments = store.deployments.allOf(applicationId);
  const plan = retention({
    rollbacks,
    images: deployments.filter((d) => d.status !== 'running' && d.image).map((d) => d.image!),
    keep: deps.keep,
    protectedImages: new Set([...store.deployments.liveImages(), ...store.rollbacks.images({ except: applicationId })]),
  });
  store.rollbacks.remove(plan.dropRollbacks);
  for (const image of plan.removeImages) {
    // Forced: Swarm's task history keeps stopped containers of old releases; the image itself goes once they do (dangling prune).
    await engine.removeImage(image, { force: true }).catch((err) => deps.warn(`could not remove image ${image}`, err));
  }
  await engine.pruneDanglingImages().catch((err) => deps.warn('could not prune dangling images', err));
  if (!deps.registry) return;
  // Only what this pass dropped (every older image was dealt with when it was dropped): the rows' images and a failed job's push.
  const droppedIds = new Set(plan.dropRollbacks);
  const removable = new Set(plan.removeImages);
  const dropped = [...rollbacks.filter((r) => droppedIds.has(r.rollbackId)).flatMap((r) => (r.image ? [r.image] : [])), ...(deps.registry.unreleased ? [deps.registry.unreleased] : [])].filter((i) => removable.has(i));
  await pruneRegistries(deps, deps.registry, [...new Set(dropped)], plan.keepImages).catch((err) => deps.warn('could not prune the registry', err));
}
