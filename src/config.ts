import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { endpointModeSetting, type EndpointModeSetting } from './docker/endpoint-mode.js';
import { pushModes, type ClusterRegistry, type PushMode } from './deploy/image-distribution.js';
import type { CleanupPolicy } from './model/cleanup.js';
import type { EdgeSettings, ExtraEntrypoint } from './routing/edge-spec.js';
import { packageRoot } from './paths.js';

/** Every setting Berth reads, resolved once at start from the environment. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The built dashboard (scripts/build-web.mjs); served at `/`. */
  webDir: string;
  /** Used as the admin token on first start instead of a generated one. */
  adminToken: string | undefined;
  bodyLimit: number;
  /** Largest archive `application.dropDeployment` takes, in bytes. */
  uploadLimit: number;
  rateLimit: { max: number; windowMs: number };
  logLevel: string;
  /** Deploy queue: builds at once overall, the time limits of a job and of a rollout, and the docker CLI that pulls and builds. */
  /** `previewExpiryHours`: previews idle (no deployment) longer than this are removed; 0 keeps them until their pull request closes. */
  deploy: { buildConcurrency: number; jobTimeoutMs: number; rolloutTimeoutMs: number; dockerCli: string; keepReleases: number; previewExpiryHours: number };
  /**
   * The Docker Engine (DOCKER_HOST: unix socket, tcp:// or ssh://), the Swarm endpoint mode (`auto`: dnsrr where the kernel has no IPVS),
   * and Berth's client certificate (ca.pem, cert.pem, key.pem) for the nodes' engines on tcp (BERTH_NODE_CERT_PATH; their `berth.engine` label).
   */
  docker: { host: string; endpointMode: EndpointModeSetting; nodeCertPath: string | undefined };
  /** Always-on metrics: sampling interval, days kept (older than 24 h as 5-minute averages), and an extra token that may read `GET /metrics`. */
  monitoring: { intervalMs: number; retentionDays: number; metricsToken: string | undefined };
  /** Traefik, run by Berth as a Swarm service (`enabled` false: the operator runs it), its entry points, and its LetsEncrypt account. */
  edge: { enabled: boolean } & Pick<EdgeSettings, 'image' | 'httpPort' | 'httpsPort' | 'http3' | 'extraEntrypoints' | 'acmeEmail' | 'acmeCaServer'>;
  /** The registry built images go to when an application has none (BERTH_REGISTRY_*), so every node can pull them; unset: none. */
  registry: ClusterRegistry | undefined;
  /** CA certificates (PEM, BERTH_REGISTRY_CA_FILE) Berth's own registry calls trust beside the usual roots: registries with a private CA. */
  registryCa: string | undefined;
  /** `domain.generateDomain`: the wildcard-DNS suffix, and this server's public IP (in the generated host, and what validateDomain compares with). */
  domains: { wildcard: string; serverIp: string };
  /** Backups of Berth itself: set, every archive (scheduled, manual, CLI) is encrypted with this passphrase. */
  backup: { passphrase: string | undefined };
  /** Docker cleanup (`settings.clean*`): what it never removes, and when the daily run (switched on by `settings.updateDockerCleanup`) runs. */
  cleanup: CleanupPolicy & { schedule: string };
  /** Schedules: a run's time limit when its schedule sets none, and how many runs (with their logs) each schedule keeps. */
  schedules: { timeoutMs: number; keepRuns: number };
  /** Notifications (src/notify): see NotifySettings. */
  notify: NotifySettings;
}

/**
 * Notifications: Berth's public URL (links in messages), the sender's per-request timeout,
 * attempts and first back-off (doubling), the provider APIs at fixed addresses, how often
 * application health and server thresholds are checked (only while a channel wants them),
 * and the server thresholds: a level in percent (0: off) held for `forSeconds`.
 */
export interface NotifySettings {
  publicUrl: string;
  timeoutMs: number;
  maxAttempts: number;
  retryMs: number;
  api: { telegram: string; pushover: string; resend: string };
  checkIntervalMs: number;
  threshold: { cpu: number; memory: number; disk: number; forSeconds: number };
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new Error(`${name} must be "on" or "off", got "${raw}"`);
}

function matching(env: NodeJS.ProcessEnv, name: string, fallback: string, pattern: RegExp, what: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!pattern.test(raw)) throw new Error(`${name} must be ${what}, got "${raw}"`);
  return raw;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function httpUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(raw)) throw new Error(`${name} must be an http(s) URL without query, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

function percent(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = decimal(env, name, fallback);
  if (n > 100) throw new Error(`${name} must be a percentage 0-100 (0: off), got "${env[name]}"`);
  return n;
}

function decimal(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number ≥ 0, got "${raw}"`);
  return n;
}

/**
 * `name:port,...`: entry points beside web and websecure, each listening on its port inside
 * Traefik and published on the same host port. Names go into Traefik's flags, so no dots.
 */
function extraEntrypoints(env: NodeJS.ProcessEnv, name: string, taken: number[]): ExtraEntrypoint[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  const out: ExtraEntrypoint[] = [];
  for (const item of raw.split(',').map((i) => i.trim())) {
    const m = /^([A-Za-z0-9][A-Za-z0-9_-]*):(\d{1,5})$/.exec(item);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65535) throw new Error(`${name} must be a list of name:port (name: letters, digits, "_", "-"; port 1-65535), got "${item}"`);
    if (['web', 'websecure', ...out.map((e) => e.name)].includes(m[1])) throw new Error(`${name}: the entry point ${m[1]} is already defined`);
    // 80 and 443 are web's and websecure's ports inside Traefik; the others are taken on the host
    if ([80, 443, ...taken, ...out.map((e) => e.port)].includes(port)) throw new Error(`${name}: port ${port} of ${m[1]} is already used by another entry point`);
    out.push({ name: m[1], port });
  }
  return out;
}

/** BERTH_REGISTRY_URL (`host[:port]`) with its login and push mode, or undefined when unset. */
function clusterRegistry(env: NodeJS.ProcessEnv): ClusterRegistry | undefined {
  const url = env.BERTH_REGISTRY_URL;
  if (!url) return undefined;
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/i.test(url)) throw new Error(`BERTH_REGISTRY_URL must be host[:port] (no scheme, no path), got "${url}"`);
  const username = env.BERTH_REGISTRY_USERNAME;
  const password = env.BERTH_REGISTRY_PASSWORD;
  if (!username || !password) throw new Error('BERTH_REGISTRY_URL needs BERTH_REGISTRY_USERNAME and BERTH_REGISTRY_PASSWORD');
  const push = matching(env, 'BERTH_REGISTRY_PUSH', 'multi-node', new RegExp(`^(${pushModes.join('|')})$`), pushModes.map((m) => `"${m}"`).join(' or ')) as PushMode;
  const imagePrefix = matching(env, 'BERTH_REGISTRY_PREFIX', 'berth', /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'one lower-case path component such as berth');
  return { registryUrl: url.toLowerCase(), username, password, imagePrefix, push };
}

/** The PEM certificates in the file BERTH_REGISTRY_CA_FILE names, read at start so that a wrong path stops Berth at once. */
function registryCa(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.BERTH_REGISTRY_CA_FILE;
  if (!file) return undefined;
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`BERTH_REGISTRY_CA_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`BERTH_REGISTRY_CA_FILE: ${file} holds no PEM certificate`);
  return pem;
}

/** A comma-separated list, blanks dropped. */
function list(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** A cron pattern croner accepts (croner is loaded only when the pattern is not the default). */
function cronPattern(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '' || raw === fallback) return fallback;
  const { Cron } = createRequire(import.meta.url)('croner') as typeof import('croner');
  try {
    new Cron(raw, { paused: true }).stop();
  } catch (err) {
    throw new Error(`${name} must be a cron pattern such as "${fallback}": ${(err as Error).message}`);
  }
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const httpPort = int(env, 'BERTH_HTTP_PORT', 80, 1);
  const httpsPort = int(env, 'BERTH_HTTPS_PORT', 443, 1);
  return {
    port: int(env, 'BERTH_PORT', 3000),
    host: env.BERTH_HOST || '0.0.0.0',
    dataDir: path.resolve(env.BERTH_DATA_DIR || './data'),
    // dist/web beside this module's folder: the same from src/ (tsx) and from the dist/ bundle
    webDir: path.resolve(env.BERTH_WEB_DIR || path.join(packageRoot, 'dist', 'web')),
    adminToken: env.BERTH_ADMIN_TOKEN || undefined,
    bodyLimit: int(env, 'BERTH_BODY_LIMIT', 1024 * 1024, 1),
    uploadLimit: int(env, 'BERTH_UPLOAD_LIMIT', 512 * 1024 ** 2, 1),
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
      keepReleases: int(env, 'BERTH_KEEP_RELEASES', 5, 1),
      previewExpiryHours: decimal(env, 'BERTH_PREVIEW_EXPIRY_HOURS', 0),
    },
    docker: {
      host: env.DOCKER_HOST || 'unix:///var/run/docker.sock',
      endpointMode: endpointModeSetting(env.BERTH_ENDPOINT_MODE),
      nodeCertPath: env.BERTH_NODE_CERT_PATH || undefined,
    },
    monitoring: {
      intervalMs: int(env, 'BERTH_METRICS_INTERVAL_MS', 10_000, 100),
      retentionDays: int(env, 'BERTH_METRICS_RETENTION_DAYS', 7, 1),
      metricsToken: env.BERTH_METRICS_TOKEN || undefined,
    },
    edge: {
      enabled: onOff(env, 'BERTH_EDGE', true),
      // an exact release: a floating tag would change the edge under the operator on any re-pull
      image: env.BERTH_TRAEFIK_IMAGE || 'traefik:v3.6.23',
      httpPort,
      httpsPort,
      http3: onOff(env, 'BERTH_HTTP3', false),
      extraEntrypoints: extraEntrypoints(env, 'BERTH_EXTRA_ENTRYPOINTS', [httpPort, httpsPort]),
      acmeEmail: env.BERTH_ACME_EMAIL || '',
      acmeCaServer: env.BERTH_ACME_CA_SERVER || 'https://acme-v02.api.letsencrypt.org/directory',
    },
    registry: clusterRegistry(env),
    registryCa: registryCa(env),
    domains: {
      wildcard: matching(env, 'BERTH_DOMAIN_WILDCARD', 'traefik.me', /^(?!-)[a-z0-9-]{1,63}(\.(?!-)[a-z0-9-]{1,63})+$/, 'a lower-case domain such as traefik.me'),
      serverIp: matching(env, 'BERTH_SERVER_IP', '', /^(\d{1,3}\.){3}\d{1,3}$/, 'an IPv4 address'),
    },
    backup: { passphrase: env.BERTH_BACKUP_PASSPHRASE || undefined },
    cleanup: {
      keepImages: list(env, 'BERTH_CLEANUP_KEEP_IMAGES'),
      onlyPrefix: matching(env, 'BERTH_CLEANUP_ONLY_PREFIX', '', /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a name prefix (letters, digits, "_", ".", "-")'),
      minAgeMs: int(env, 'BERTH_CLEANUP_MIN_AGE_MINUTES', 60) * 60_000,
      buildCacheKeepBytes: int(env, 'BERTH_CLEANUP_BUILD_CACHE_KEEP', 0),
      schedule: cronPattern(env, 'BERTH_CLEANUP_SCHEDULE', '50 23 * * *'),
    },
    schedules: {
      timeoutMs: int(env, 'BERTH_SCHEDULE_TIMEOUT_S', 3600, 1) * 1000,
      keepRuns: int(env, 'BERTH_SCHEDULE_KEEP_RUNS', 20, 1),
    },
    notify: {
      publicUrl: httpUrl(env, 'BERTH_PUBLIC_URL', ''),
      timeoutMs: int(env, 'BERTH_NOTIFY_TIMEOUT_MS', 10_000, 100),
      maxAttempts: int(env, 'BERTH_NOTIFY_ATTEMPTS', 5, 1),
      retryMs: int(env, 'BERTH_NOTIFY_RETRY_MS', 30_000, 10),
      api: {
        telegram: httpUrl(env, 'BERTH_TELEGRAM_API_URL', 'https://api.telegram.org'),
        pushover: httpUrl(env, 'BERTH_PUSHOVER_API_URL', 'https://api.pushover.net'),
        resend: httpUrl(env, 'BERTH_RESEND_API_URL', 'https://api.resend.com'),
      },
      checkIntervalMs: int(env, 'BERTH_NOTIFY_CHECK_MS', 60_000, 100),
      threshold: {
        cpu: percent(env, 'BERTH_THRESHOLD_CPU', 90),
        memory: percent(env, 'BERTH_THRESHOLD_MEMORY', 90),
        disk: percent(env, 'BERTH_THRESHOLD_DISK', 90),
        forSeconds: int(env, 'BERTH_THRESHOLD_SECONDS', 300, 0),
      },
    },
  };
}
