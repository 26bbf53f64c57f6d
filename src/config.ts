import path from 'node:path';
import { endpointModeSetting, type EndpointModeSetting } from './docker/endpoint-mode.js';

/** Every setting Berth reads, resolved once at start from the environment. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Used as the admin token on first start instead of a generated one. */
  adminToken: string | undefined;
  bodyLimit: number;
  rateLimit: { max: number; windowMs: number };
  logLevel: string;
  /** Deploy queue: builds at once overall, the time limits of a job and of a rollout, and the docker CLI that pulls and builds. */
  deploy: { buildConcurrency: number; jobTimeoutMs: number; rolloutTimeoutMs: number; dockerCli: string };
  /** The Docker Engine (DOCKER_HOST: unix socket, tcp:// or ssh://) and the Swarm endpoint mode (`auto`: dnsrr where the kernel has no IPVS). */
  docker: { host: string; endpointMode: EndpointModeSetting };
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: int(env, 'BERTH_PORT', 3000),
    host: env.BERTH_HOST || '0.0.0.0',
    dataDir: path.resolve(env.BERTH_DATA_DIR || './data'),
    adminToken: env.BERTH_ADMIN_TOKEN || undefined,
    bodyLimit: int(env, 'BERTH_BODY_LIMIT', 1024 * 1024, 1),
    rateLimit: {
      max: int(env, 'BERTH_RATE_LIMIT', 600, 1),
      windowMs: int(env, 'BERTH_RATE_WINDOW_MS', 60_000, 1),
    },
    logLevel: env.BERTH_LOG_LEVEL || 'info',
    deploy: {
      buildConcurrency: int(env, 'BERTH_BUILD_CONCURRENCY', 1, 1),
      jobTimeoutMs: int(env, 'BERTH_JOB_TIMEOUT_MS', 30 * 60_000, 1),
      rolloutTimeoutMs: int(env, 'BERTH_ROLLOUT_TIMEOUT_MS', 2 * 60_000, 1),
      dockerCli: env.BERTH_DOCKER_CLI || 'docker',
    },
    docker: {
      host: env.DOCKER_HOST || 'unix:///var/run/docker.sock',
      endpointMode: endpointModeSetting(env.BERTH_ENDPOINT_MODE),
    },
  };
}
