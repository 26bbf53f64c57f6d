import { serverMetricsInput, timeRange } from '../model/monitoring.js';
import { serverPoints } from '../monitoring/series.js';
import { group, query } from './procedure.js';

/** Berth's own group (Dokploy has no equivalent route): the server's samples. */
export default group('monitoring', {
  server: query({
    summary: "The server's CPU, memory and disk samples",
    output: 'serverPoints',
    input: serverMetricsInput,
    description:
      "The server's samples in a time range (default: the last hour), oldest first: host CPU %, memory, the disk of Berth's data dir and of Docker's root dir, the control plane's resident memory, and each Swarm node's CPUs, memory and what Berth's applications' tasks on it use (`nodes`; a node's task figures are null when Berth does not reach its engine: see its `berth.engine` label). Sampled on the same interval as applications.",
    handler: (range, { store }) => {
      const { from, to } = timeRange(range, Date.now());
      return serverPoints(store.metrics.serverSeries(from, to), store.metrics.nodeSeries(from, to));
    },
  }),
});
