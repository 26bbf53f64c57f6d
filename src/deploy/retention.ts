import type { Engine } from '../docker/engine.js';
import type { Store } from '../store/index.js';

/**
 * Which releases an application keeps (pure): the rollback rows of its newest `keep`
 * successful deployments stay, older ones go; every image of the app that no kept
 * row, no running deployment and no application's current release uses is removed.
 */
export function retention(input: {
  /** The app's rollback rows. */
  rollbacks: { rollbackId: string; version: number; image: string | null }[];
  /** The app's finished deployments that recorded an image. */
  images: string[];
  keep: number;
  /** Images that must stay whatever this app keeps: current releases, other apps' rollbacks, running jobs. */
  protectedImages: Set<string>;
}): { dropRollbacks: string[]; removeImages: string[] } {
  const byVersion = [...input.rollbacks].sort((a, b) => b.version - a.version);
  const kept = byVersion.slice(0, input.keep);
  const dropped = byVersion.slice(input.keep);
  const keep = new Set([...input.protectedImages, ...kept.flatMap((r) => (r.image ? [r.image] : []))]);
  const candidates = new Set([...dropped.flatMap((r) => (r.image ? [r.image] : [])), ...input.images]);
  return { dropRollbacks: dropped.map((r) => r.rollbackId), removeImages: [...candidates].filter((i) => !keep.has(i)) };
}

/**
 * Applies the retention to one application after each of its jobs: drops old rollback
 * rows, removes unused images (Docker itself refuses to remove one a container uses),
 * then dangling layers. Failures are reported, never thrown: clean-up never fails a deployment.
 */
export async function pruneReleases(
  deps: { store: Store; engine: Pick<Engine, 'removeImage' | 'pruneDanglingImages'>; keep: number; warn(message: string, err?: unknown): void },
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
}
