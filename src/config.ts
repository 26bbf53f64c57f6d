import path from 'node:path';

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
  };
}
