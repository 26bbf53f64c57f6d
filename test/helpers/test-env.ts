// The facts of the test environment that scripts/test-env.sh sets up (engine, registry,
// git servers): the one reader of its env.json.
import fs from 'node:fs';

export const TEST_ENV_FILE = process.env.BERTH_TEST_ENV ?? '/var/lib/berth-test/env.json';

export interface TestEnv {
  dockerHost: string;
  dockerCli: string;
  network: string;
  ipvs: boolean;
  endpointMode: 'vip' | 'dnsrr';
  images: string[];
  registry: { url: string; username: string; password: string; /** The registry at the lab address, which every node reaches. */ labUrl?: string };
  /** The lab's multi-node Swarm (scripts/test-env.sh): the host's engine and two workers. */
  cluster?: { labAddress: string; nodes: LabNode[] };
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

export interface LabNode {
  hostname: string;
  nodeId: string;
  role: 'manager' | 'worker';
  address: string;
  /** The node's engine from this machine (`unix:///run/berth-node-1.sock`). */
  dockerHost: string;
}

/** The host side of the lab network: while it exists, lab addresses stay on this machine. */
const LAB_INTERFACE = '/sys/class/net/berth-lab';

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
 * Whether the lab is up: env.json lists its nodes and the host's side of the lab network
 * exists. A test that targets a lab address checks this first (with the lab down, the lab's
 * range would follow the default route off the machine).
 */
export function labUp(): boolean {
  return !!testEnvIfPresent()?.cluster?.nodes.length && fs.existsSync(LAB_INTERFACE);
}
