import type { DeploymentStage } from '../model/deployment.js';
import type { AppSample, ServerSample } from '../store/metrics.js';
import { histogram, type Family, type Sample } from './exposition.js';

/** Upper bounds of the build-duration histogram, in seconds. */
export const BUILD_BUCKETS = [10, 30, 60, 120, 300, 600, 1200, 1800];

/**
 * Seconds a deployment spent building: from its first build stage (cloning, else building)
 * to releasing. undefined for a deployment that never finished building.
 */
export function buildSeconds(stageTimes: Partial<Record<DeploymentStage, string>>): number | undefined {
  const start = stageTimes.cloning ?? stageTimes.building;
  if (!start || !stageTimes.releasing) return undefined;
  const s = (Date.parse(stageTimes.releasing) - Date.parse(start)) / 1000;
  return Number.isFinite(s) && s >= 0 ? s : undefined;
}

/** Everything `/metrics` reports, read at the moment of the scrape. */
export interface MetricsFigures {
  requests: Iterable<{ route: string; status: number; count: number }>;
  queue: { queued: number; running: number };
  deployments: { status: string; n: number }[];
  builds: Partial<Record<DeploymentStage, string>>[];
  /** Each application's latest sample. */
  apps: (AppSample & { appName: string })[];
  server: ServerSample | undefined;
  rss: number;
}

const gauge = (name: string, help: string, samples: Sample[]): Family => ({ name, help, type: 'gauge', samples });
const counter = (name: string, help: string, samples: Sample[]): Family => ({ name, help, type: 'counter', samples });

export function metricsFamilies(f: MetricsFigures): Family[] {
  const perApp = (value: (s: AppSample) => number | null) =>
    f.apps.flatMap((s) => {
      const v = value(s);
      return v === null ? [] : [{ labels: { app: s.appName }, value: v }];
    });
  const server = f.server;
  const disks = (used: boolean): Sample[] =>
    !server
      ? []
      : [
          { labels: { volume: 'data' }, value: used ? server.dataDiskUsed : server.dataDiskTotal },
          ...(server.dockerDiskUsed === null || server.dockerDiskTotal === null ? [] : [{ labels: { volume: 'docker' }, value: used ? server.dockerDiskUsed : server.dockerDiskTotal }]),
        ];
  return [
    counter('berth_http_requests_total', 'HTTP requests answered, by procedure or route and status.', [...f.requests].map((r) => ({ labels: { route: r.route, status: String(r.status) }, value: r.count }))),
    gauge('berth_queue_jobs', 'Jobs on the deploy queue, by state.', [
      { labels: { state: 'queued' }, value: f.queue.queued },
      { labels: { state: 'running' }, value: f.queue.running },
    ]),
    gauge('berth_deployments', 'Deployments on record, by status.', f.deployments.map((d) => ({ labels: { status: d.status }, value: d.n }))),
    histogram(
      'berth_build_duration_seconds',
      'Time from the first build stage to release, of the deployments on record that finished building.',
      BUILD_BUCKETS,
      f.builds.map(buildSeconds).filter((s): s is number => s !== undefined),
    ),
    gauge('berth_app_cpu_percent', "CPU of the application's running tasks at the latest sample; 100 = one CPU.", perApp((s) => s.cpu)),
    gauge('berth_app_memory_used_bytes', "Memory of the application's running tasks, page cache excluded.", perApp((s) => s.memoryUsed)),
    gauge('berth_app_memory_limit_bytes', "Memory limit of the application's running tasks, summed.", perApp((s) => s.memoryLimit)),
    counter('berth_app_network_receive_bytes_total', 'Bytes received by the running tasks since they started.', perApp((s) => s.networkRx)),
    counter('berth_app_network_transmit_bytes_total', 'Bytes sent by the running tasks since they started.', perApp((s) => s.networkTx)),
    counter('berth_app_block_read_bytes_total', 'Bytes read from block devices by the running tasks since they started.', perApp((s) => s.blockRead)),
    counter('berth_app_block_write_bytes_total', 'Bytes written to block devices by the running tasks since they started.', perApp((s) => s.blockWrite)),
    gauge('berth_app_tasks', 'Running task containers of the application.', perApp((s) => s.tasks)),
    gauge('berth_app_restarts', "Tasks Swarm replaced after they failed or exited, within Swarm's task history.", perApp((s) => s.restarts)),
    gauge('berth_host_cpu_percent', 'CPU of the host at the latest sample, percent of all CPUs.', server?.cpu == null ? [] : [{ value: server.cpu }]),
    gauge('berth_host_memory_used_bytes', 'Memory in use on the host (total minus available).', server ? [{ value: server.memoryUsed }] : []),
    gauge('berth_host_memory_total_bytes', 'Memory of the host.', server ? [{ value: server.memoryTotal }] : []),
    gauge('berth_host_disk_used_bytes', "Used bytes of the file system holding Berth's data dir (data) and Docker's root dir (docker).", disks(true)),
    gauge('berth_host_disk_total_bytes', "Size of the file system holding Berth's data dir (data) and Docker's root dir (docker).", disks(false)),
    gauge('berth_process_resident_memory_bytes', "The control plane's resident memory now.", [{ value: f.rss }]),
  ];
}
