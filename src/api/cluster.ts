import { serverOnly } from '../model/docker.js';
import { assertLocalServer } from '../model/registry.js';
import { group, query } from './procedure.js';

/** `cluster.*`: the Swarm's nodes as the Engine API returns them. */
export default group('cluster', {
  getNodes: query({
    summary: "The Swarm's nodes (Engine API objects)",
    output: 'engineObjects',
    input: serverOnly,
    description: "The Swarm's nodes, the Engine API's objects (`GET /nodes`).",
    handler: async ({ serverId }, { containers }) => {
      assertLocalServer(serverId);
      return containers.nodes();
    },
  }),
});
