// Deploy → done for `replicas: 3` over the lab's three nodes (scripts/test-env/cluster.sh),
// beside the same deploy on one node: what spreading the tasks over workers that pull the
// image from the registry adds. The workers are active only while the three-node runs last.
import { execFileSync, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { labUp, type TestEnv } from '../test/helpers/test-env.js';
import { pushImage, type Call } from './deploy-overhead.js';

export const CLUSTER_RUNS = 5;

export interface ClusterDeployFigures {
  oneNodeMs: number[];
  threeNodesMs: number[];
}

/**
 * The pushed `ref` (on the loopback registry) as the same image on the registry's lab
 * address, which every node reaches, by digest: Berth then resolves nothing over the lab
 * address's TLS (its test CA is the engines', not Node's).
 */
async function labReference(env: TestEnv, ref: string): Promise<string> {
  const [, repo, tag] = /^[^/]+\/(.+):([^:/]+)$/.exec(ref)!;
  const { url, labUrl, username, password } = env.registry;
  const r = await fetch(`http://${url}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  const digest = r.headers.get('docker-content-digest');
  if (!r.ok || !digest) throw new Error(`no digest for ${ref}: HTTP ${r.status}`);
  return `${labUrl}/${repo}@${digest}`;
}

/** The figures, or why they were not measured (the lab is down). */
export async function clusterDeploy(env: TestEnv, call: Call): Promise<ClusterDeployFigures | string> {
  if (!labUp(env)) return 'the lab is down (scripts/test-env.sh brings it up)';
  const docker = env.dockerCli ?? 'docker';
  const workers = env.cluster.nodes.filter((n) => n.role === 'worker');
  const image = await labReference(env, pushImage(env, docker));
  const { environment } = await call('project.create', { name: 'bench-cluster' });
  const apps: string[] = [];

  const deploy = async (name: string, nodes: number) => {
    const app = await call('application.create', { name, environmentId: environment.environmentId });
    apps.push(app.applicationId);
    const { username, password, labUrl } = env.registry;
    await call('application.saveDockerProvider', { applicationId: app.applicationId, dockerImage: image, username, password, registryUrl: labUrl });
    await call('application.update', { applicationId: app.applicationId, replicas: 3 });
    const t0 = performance.now();
    const { deploymentId } = await call('application.deploy', { applicationId: app.applicationId });
    for (;;) {
      await sleep(5);
      const rows: { deploymentId: string; status: string; errorMessage: string | null }[] = await call('deployment.all', { applicationId: app.applicationId }, 'GET');
      const row = rows.find((r) => r.deploymentId === deploymentId)!;
      if (row.status === 'running') continue;
      if (row.status !== 'done') throw new Error(`deployment ${row.status}: ${row.errorMessage}`);
      const ms = Math.round(performance.now() - t0);
      const on = execFileSync(docker, ['service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Node}}', app.appName], { encoding: 'utf8' }).trim().split('\n');
      if (new Set(on).size !== nodes) throw new Error(`${name}: 3 tasks on ${new Set(on).size} nodes (${on.join(', ')}), not ${nodes}`);
      return { applicationId: app.applicationId as string, ms };
    }
  };

  /** A first deploy, not counted, pulls the image and attaches the overlay on the nodes, and stays up (as Traefik does on a server); then the timed runs. */
  const runs = async (label: string, nodes: number) => {
    const first = await deploy(`bench-cluster-${label}-first`, nodes);
    console.error(`  ${label}: first deploy (pulls, attaches the network; not counted) ${first.ms} ms`);
    const times: number[] = [];
    for (let i = 0; i < CLUSTER_RUNS; i++) {
      const r = await deploy(`bench-cluster-${label}-${i}`, nodes);
      times.push(r.ms);
      console.error(`  ${label}: run ${i + 1}: ${r.ms} ms`);
      await call('application.delete', { applicationId: r.applicationId });
      apps.splice(apps.indexOf(r.applicationId), 1);
    }
    return times;
  };

  try {
    const oneNodeMs = await runs('one-node', 1);
    for (const w of workers) await call('cluster.updateNode', { nodeId: w.hostname, availability: 'active' });
    const threeNodesMs = await runs('three-nodes', 3);
    return { oneNodeMs, threeNodesMs };
  } finally {
    for (const w of workers) await call('cluster.updateNode', { nodeId: w.hostname, availability: 'drain' }).catch(() => {});
    for (const id of apps) await call('application.delete', { applicationId: id }).catch(() => {});
    for (const n of env.cluster.nodes) spawnSync(docker, ['-H', n.dockerHost, 'rmi', image], { stdio: 'ignore' });
  }
}
