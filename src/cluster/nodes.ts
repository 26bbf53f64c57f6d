import { ENGINE_LABEL, type SwarmNode } from '../model/cluster.js';

/**
 * What the API shows of a node beside Docker's own objects: one flat summary with role,
 * availability, state, address, resources and labels. Pure.
 */

export interface NodeSummaryView {
  nodeId: string;
  hostname: string;
  role: string;
  availability: string;
  state: string;
  /** The address the node reaches the Swarm from (`Status.Addr`). */
  address: string;
  /** Leader, Reachable or Unreachable for a manager; null for a worker. */
  managerStatus: string | null;
  /** The node Berth's Docker engine is. */
  self: boolean;
  cpus: number;
  memoryBytes: number;
  labels: Record<string, string>;
  engineVersion: string;
  /** Where Berth reads the node's containers from (its `berth.engine` label), if set. */
  engine: string | null;
}

export function nodeSummary(n: SwarmNode, selfId: string): NodeSummaryView {
  const manager = n.ManagerStatus;
  const labels = n.Spec?.Labels ?? {};
  return {
    nodeId: n.ID,
    hostname: n.Description?.Hostname ?? '',
    role: n.Spec?.Role ?? '',
    availability: n.Spec?.Availability ?? '',
    state: n.Status?.State ?? '',
    address: n.Status?.Addr ?? '',
    managerStatus: manager ? (manager.Leader ? 'leader' : (manager.Reachability ?? '')) : null,
    self: n.ID === selfId,
    cpus: (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
    memoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
    labels,
    engineVersion: n.Description?.Engine?.EngineVersion ?? '',
    engine: labels[ENGINE_LABEL] ?? null,
  };
}

/** A node by ID, ID prefix (12+ characters, as the CLI prints them) or hostname, the way `docker node inspect` resolves it. */
export function findNode(nodes: SwarmNode[], ref: string): SwarmNode | undefined {
  const exact = nodes.find((n) => n.ID === ref);
  if (exact) return exact;
  // a name or prefix that fits two nodes names neither (Docker refuses it too)
  const named = nodes.filter((n) => n.Description?.Hostname === ref);
  const prefixed = ref.length >= 12 ? nodes.filter((n) => n.ID.startsWith(ref)) : [];
  const matches = named.length ? named : prefixed;
  return matches.length === 1 ? matches[0] : undefined;
}
