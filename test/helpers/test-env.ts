// The facts of the test environment that scripts/test-env.sh sets up (engine, registry,
// git servers): the one reader of its env.json.
import fs from 'node:fs';
import os from 'node:os';

/** The host side of the lab network (scripts/test-env/cluster.sh). */
const LAB_INTERFACE = 'berth-lab';

export const TEST_ENV_FILE = process.env.BERTH_TEST_ENV ?? '/var/lib/berth-test/env.json';

export interface TestEnv {
  dockerHost: string;
  dockerCli: string;
  network: string;
  ipvs: boolean;
  endpointMode: 'vip' | 'dnsrr';
  images: string[];
  /** `url` on loopback (plain HTTP); `labUrl` the same registry on the lab address, over TLS with the test CA in the file `labCa`. */
  registry: { url: string; labUrl: string; labCa: string; username: string; password: string };
  /**
   * The swarm: this engine (the manager, first) and the lab's workers (scripts/test-env/cluster.sh);
   * `engineCertPath` Berth's client certificate (ca.pem, cert.pem, key.pem, for BERTH_NODE_CERT_PATH) for a node's engine on tcp.
   */
  cluster: { labAddress: string; engineCertPath: string; nodes: ClusterNode[] };
  git: {
    reposDir: string;
    reposOwner: string;
    httpUrl: string;
    publicHttpUrl: string;
    httpUser: string;
    httpToken: string;
    sshHost: string;
    sshPort: number;
    sshUser: string;
    sshPrivateKeyPath: string;
    sshKnownHostsPath: string;
    repos: Record<string, { path: string; commit: string; branch: string; httpUrl: string; publicHttpUrl: string; sshUrl: string }>;
  };
}

export interface ClusterNode {
  hostname: string;
  nodeId: string;
  role: 'manager' | 'worker';
  /** The address the node advertises on the lab network. */
  address: string;
  /** Its engine as the docker CLI on this machine reaches it (a worker's unix socket). */
  dockerHost: string;
  /** Its `berth.engine` label, where Berth reaches its engine: a worker's socket, or tcp with TLS (berth-node-2); null for the manager. */
  engine: string | null;
}

let read: TestEnv | undefined;

/** Read on first call, so that importing a helper does not need the environment (test/unit runs without it). */
export function readTestEnv(): TestEnv {
  return (read ??= JSON.parse(fs.readFileSync(TEST_ENV_FILE, 'utf8')) as TestEnv);
}

/** The environment when scripts/test-env.sh has run here, else undefined. */
export function testEnvIfPresent(): TestEnv | undefined {
  return fs.existsSync(TEST_ENV_FILE) ? readTestEnv() : undefined;
}

/**
 * True when the lab's network is up on this machine: the host side `berth-lab` is up and has
 * the lab address. Check it before sending anything to a lab address (when the lab is down,
 * that range meets only the local `unreachable` route), so that a test says why it cannot run.
 */
export function labUp(env: TestEnv | undefined = testEnvIfPresent()): boolean {
  if (!env?.cluster) return false;
  const hostSide = os.networkInterfaces()[LAB_INTERFACE] ?? [];
  let state = '';
  try {
    state = fs.readFileSync(`/sys/class/net/${LAB_INTERFACE}/operstate`, 'utf8').trim();
  } catch {
    return false;
  }
  return state === 'up' && hostSide.some((a) => a.family === 'IPv4' && a.address === env.cluster.labAddress);
}

/**
 * What a Docker cleanup started by a test must never remove (BERTH_CLEANUP_KEEP_IMAGES): the
 * base images every later test builds from, and the test registry's images. Empty without
 * the environment.
 */
export function keptTestImages(env: TestEnv | undefined = testEnvIfPresent()): string {
  return env ? [...env.images, `${env.registry.url}/*`, `${env.registry.labUrl}/*`].join(',') : '';
}
