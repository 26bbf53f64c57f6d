import type { Engine } from '../docker/engine.js';
import { NodeEngines, SwarmNodes } from '../docker/nodes.js';
import type { SwarmNode, UpdateNodeInput } from '../model/cluster.js';
import { notFound } from '../model/errors.js';
import { joinAnswer, type JoinAnswer, type JoinRole } from './join.js';
import { findNode, nodeSummary, type NodeSummaryView } from './nodes.js';
import { removeNode, type RemovalReport } from './remove-node.js';

/** The Swarm's nodes as the `cluster.*` and `swarm.*` routes manage them. */
export class Cluster {
  constructor(
    readonly nodes: SwarmNodes,
    readonly engines: NodeEngines,
  ) {}

  /** `nodeCertPath`: BERTH_NODE_CERT_PATH, for nodes whose engine is on tcp. */
  static over(engine: Pick<Engine, 'docker'>, nodeCertPath: string | undefined): Cluster {
    return new Cluster(new SwarmNodes(engine), new NodeEngines(nodeCertPath));
  }

  async join(role: JoinRole): Promise<JoinAnswer> {
    return joinAnswer(role, await this.nodes.swarm());
  }

  /** Every node: Docker's object, with Berth's summary beside it. */
  async list(): Promise<(SwarmNode & { summary: NodeSummaryView })[]> {
    const [nodes, swarm] = await Promise.all([this.nodes.list(), this.nodes.swarm()]);
    return nodes.map((n) => ({ ...n, summary: nodeSummary(n, swarm.nodeId) }));
  }

  /** Sets a node's availability and labels; answers the node as it is now. */
  async update(input: UpdateNodeInput): Promise<SwarmNode & { summary: NodeSummaryView }> {
    const [nodes, swarm] = await Promise.all([this.nodes.list(), this.nodes.swarm()]);
    const node = findNode(nodes, input.nodeId);
    if (!node) throw notFound('Node', input.nodeId);
    const updated = await this.nodes.update(node.ID, { availability: input.availability, labels: input.labels, removeLabels: input.removeLabels });
    return { ...updated, summary: nodeSummary(updated, swarm.nodeId) };
  }

  remove(ref: string, waitMs: number): Promise<RemovalReport> {
    return removeNode(this.nodes, this.engines, ref, waitMs);
  }
}
