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
  registry: { url: string; username: string; password: string };
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

let read: TestEnv | undefined;

/** Read on first call, so that importing a helper does not need the environment (test/unit runs without it). */
export function readTestEnv(): TestEnv {
  return (read ??= JSON.parse(fs.readFileSync(TEST_ENV_FILE, 'utf8')) as TestEnv);
}

/** The environment when scripts/test-env.sh has run here, else undefined. */
export function testEnvIfPresent(): TestEnv | undefined {
  return fs.existsSync(TEST_ENV_FILE) ? readTestEnv() : undefined;
}
