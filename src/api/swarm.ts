import { nodeSummary } from '../cluster/nodes.js';
import * as m from '../model/docker.js';
import { notFound } from '../model/errors.js';
import { assertLocalServer } from '../model/registry.js';
import { statsRow } from '../monitoring/stats-row.js';
import { group, query } from './procedure.js';

/** `swarm.*`: the Swarm this host belongs to, as the `docker node` / `docker service` commands show it. */
export default group('swarm', {
  getNodes: query({
    summary: "The Swarm's nodes, as docker node ls",
    output: 'swarmNodes',
    input: m.serverOnly,
    description:
      "The Swarm's nodes, as `docker node ls --format '{{json .}}'` prints them, plus each node's `Role`, `Address`, `CPUs`, `MemoryBytes` and `Labels` (what `docker node inspect` shows).",
    handler: async ({ serverId }, { cluster }) => {
      assertLocalServer(serverId);
      const [nodes, self] = await Promise.all([cluster.nodes.list(), cluster.nodes.swarm()]);
      return nodes.map((n) => m.nodeRow(n, self));
    },
  }),
  getNodeInfo: query({
    summary: 'docker node inspect of a node',
    output: 'clusterNode',
    input: m.nodeRef,
    description: "`docker node inspect` of a node (by ID or hostname), with Berth's `summary` beside it as in `cluster.getNodes`.",
    handler: async ({ nodeId, serverId }, { cluster }) => {
      assertLocalServer(serverId);
      const [node, self] = await Promise.all([cluster.nodes.inspect(nodeId), cluster.nodes.swarm()]);
      if (!node) throw notFound('Node', nodeId);
      return { ...node, summary: nodeSummary(node, self.nodeId) };
    },
  }),
  getContainerStats: query({
    summary: 'CPU, memory and I/O of every running container',
    output: 'containerStats',
    input: m.serverOnly,
    description: "CPU, memory, network and block I/O of every running container, as `docker stats --no-stream --format '{{json .}}'` prints them (takes about a second: the engine's collection interval).",
    handler: async ({ serverId }, { containers }) => {
      assertLocalServer(serverId);
      return (await containers.stats()).map((c) => statsRow(c, c.stats));
    },
  }),
  getNodeApps: query({
    summary: "The Swarm's services, as docker service ls",
    output: 'swarmServices',
    input: m.serverOnly,
    description: "The Swarm's services, as `docker service ls --format '{{json .}}'` prints them.",
    handler: async ({ serverId }, { containers }) => {
      assertLocalServer(serverId);
      return (await containers.services()).map(m.serviceRow);
    },
  }),
});
