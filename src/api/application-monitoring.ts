import { notFound } from '../model/errors.js';
import { appMonitoringInput, timeRange } from '../model/monitoring.js';
import { appMonitoring } from '../monitoring/series.js';
import { group, query } from './procedure.js';

export default group('application', {
  readAppMonitoring: query({
    summary: "The application's CPU, memory, network and I/O samples",
    output: 'appMonitoring',
    input: appMonitoringInput,
    description:
      "The application's samples in a time range (default: the last hour): `{cpu, memory, disk, network, block}` as Dokploy's `{value, time}` points, plus `restarts`. Berth samples every running application on a fixed interval whether or not anyone looks (BERTH_METRICS_INTERVAL_MS); older than 24 h the points are 5-minute averages. A preview deployment's appName (`preview-<appName>-<id>`) answers with the preview's own samples, which the application's never include (Berth's addition). null when no container of the application (or preview) ran in the range.",
    handler: ({ appName, ...range }, { store }) => {
      const series = store.metrics.seriesOf(appName);
      if (!series) throw notFound('Application or preview deployment with appName', appName);
      const { from, to } = timeRange(range, Date.now());
      const samples = store.metrics.appSeries(series, from, to);
      return samples.length === 0 ? null : appMonitoring(samples);
    },
  }),
});
