import { removeWorkerInput, updateNodeInput } from '../model/cluster.js';
import { serverOnly } from '../model/docker.js';
import { assertLocalServer } from '../model/registry.js';
import { group, mutation, query } from './procedure.js';

/** `cluster.addWorker` / `cluster.addManager`: GET queries in Dokploy's API, admin-only here as there (they hand out a join token). */
function joinRoute(role: 'worker' | 'manager', description: string) {
  return query({
    summary: `The command that joins a machine to the Swarm as a ${role}`,
    output: 'joinCommand',
    access: 'admin',
    input: serverOnly,
    description,
    handler: async ({ serverId }, { cluster }) => {
      assertLocalServer(serverId);
      return cluster.join(role);
    },
  });
}

/** `cluster.*`: the Swarm's nodes, how machines join it, and how they leave. */
export default group('cluster', {
  getNodes: query({
    summary: "The Swarm's nodes (Engine API objects)",
    output: 'clusterNodes',
    input: serverOnly,
    description:
      "The Swarm's nodes, the Engine API's objects (`GET /nodes`), each with Berth's `summary` beside them: role, availability, state, address, CPUs, memory, labels, and the engine endpoint Berth samples it through (the `berth.engine` label).",
    handler: async ({ serverId }, { cluster }) => {
      assertLocalServer(serverId);
      return cluster.list();
    },
  }),
  addWorker: joinRoute(
    'worker',
    "`{command, version}` as Dokploy answers (`docker swarm join --token <worker token> <address>`, the manager's engine version), plus the token, role and address apart. The address is the one the manager advertises to the Swarm; a Swarm that advertises a loopback address is a 409, since no other machine could join it.",
  ),
  addManager: joinRoute('manager', 'As `cluster.addWorker`, with the manager join token.'),
  removeWorker: mutation({
    summary: 'Takes a node out of the Swarm, its tasks moved first',
    output: 'nodeRemoval',
    input: removeWorkerInput,
    description:
      'Demotes a manager, drains the node, waits up to `waitSeconds` (default 60) for its tasks to run elsewhere, has the node leave the Swarm when Berth reaches its engine (its `berth.engine` label), then removes it; answers each step it took. The node Berth runs on and the last reachable manager are refused (409).',
    handler: async ({ nodeId, serverId, waitSeconds }, { cluster }) => {
      assertLocalServer(serverId);
      return cluster.remove(nodeId, waitSeconds * 1000);
    },
  }),
  updateNode: mutation({
    summary: "Sets a node's availability (active, pause, drain) and labels",
    output: 'clusterNode',
    input: updateNodeInput,
    description:
      "Berth's route (Dokploy has none): `docker node update --availability … --label-add … --label-rm …`. Labels given are set, the node's other labels stay; `removeLabels` takes keys away. Answers the node as it is now.",
    handler: async ({ serverId, ...change }, { cluster }) => {
      assertLocalServer(serverId);
      return cluster.update(change);
    },
  }),
});
