/**
 * How an image a build made reaches every node of the swarm (pure): where it is pushed
 * before release, and which credentials the nodes get to pull what a service runs.
 * A node can only run what it can pull: a build exists on the machine that built it
 * until it is in a registry every node reaches.
 */
import type { RegistryAuth } from '../docker/engine.js';
import type { RegistryRow } from '../store/schema.js';
import { credentialsFor } from './sources/docker.js';
import { normalizeRegistry, parseImageRef } from './sources/image-ref.js';

/** A registry Berth logs in to and pushes to: a row of the registry table, or the cluster's own. */
export type PushRegistry = Pick<RegistryRow, 'registryUrl' | 'imagePrefix' | 'username' | 'password'>;

/**
 * When Berth pushes to the cluster's registry: `multi-node` as soon as the swarm has more
 * than one node (a single node runs its own builds, and a push would cost every deploy
 * seconds), `always` on every build (releases already in the registry when a node joins).
 */
export const pushModes = ['multi-node', 'always'] as const;
export type PushMode = (typeof pushModes)[number];

/** The registry Berth manages for the cluster (BERTH_REGISTRY_*), used by applications without a registry of their own. */
export interface ClusterRegistry extends PushRegistry {
  push: PushMode;
}

export type PushPlan = { registry: PushRegistry; line: string } | { registry: undefined; line?: string };

/**
 * Where a built image goes before release: the application's registry whenever it has one
 * (as Dokploy does); else the cluster's, when the push mode says so for `nodes` nodes;
 * else nowhere (the image stays where it was built, which only a one-node swarm can run).
 */
export function pushPlan(input: { appRegistry?: PushRegistry; cluster?: ClusterRegistry; nodes: number }): PushPlan {
  const { appRegistry, cluster, nodes } = input;
  if (appRegistry) return { registry: appRegistry, line: `Pushing the image to the application's registry ${appRegistry.registryUrl || 'docker.io'}` };
  if (!cluster) return nodes > 1 ? { registry: undefined, line: `Warning: the swarm has ${nodes} nodes but neither the application nor the server (BERTH_REGISTRY_URL) has a registry; only this node can run the image` } : { registry: undefined };
  if (cluster.push === 'always') return { registry: cluster, line: `Pushing the image to the cluster's registry ${cluster.registryUrl}` };
  if (nodes > 1) return { registry: cluster, line: `Pushing the image to the cluster's registry ${cluster.registryUrl}: the swarm has ${nodes} nodes` };
  return { registry: undefined };
}

/** Whether `pushPlan` needs the swarm's node count (asking the engine costs a call per deploy). */
export const needsNodeCount = (input: { appRegistry?: PushRegistry; cluster?: ClusterRegistry }) => !input.appRegistry && input.cluster?.push !== 'always';

/** Whether `image` is a reference into `registry` (so it can be pulled back from it, or needs its login). */
export function isIn(image: string, registry: Pick<PushRegistry, 'registryUrl'>): boolean {
  if (image.startsWith('sha256:')) return false;
  try {
    return parseImageRef(image).domain === normalizeRegistry(registry.registryUrl);
  } catch {
    return false;
  }
}

/**
 * The `X-Registry-Auth` the nodes get with a service that runs `image`: the docker
 * source's own credentials, else the login of the registry Berth pushed it to. None for an
 * image ID (never pulled) or a name in no known registry.
 */
export function pullAuthFor(
  image: string,
  logins: { source?: { username: string | null; password: string | null; registryUrl: string | null }; registries: PushRegistry[] },
): RegistryAuth | undefined {
  if (image.startsWith('sha256:') || (!image.includes('@') && !image.includes('/'))) return undefined;
  const ref = parseImageRef(image);
  const login = (logins.source && credentialsFor(ref, logins.source)) ?? logins.registries.find((r) => isIn(image, r));
  return login && { username: login.username, password: login.password, serveraddress: ref.domain };
}
