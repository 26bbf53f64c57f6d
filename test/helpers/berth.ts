import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBerth, type Berth } from '../../src/berth.js';
import { procedures } from '../../src/api/procedures.js';
import { loadConfig, type Config } from '../../src/config.js';
import { runId } from './job.js';
import { keptTestImages, testEnvIfPresent } from './test-env.js';

const kinds = new Map(procedures.map((p) => [p.name, p.kind]));

export interface TestBerth extends Berth {
  dataDir: string;
  token: string;
  /** Calls `/api/<proc>` the way the contract says: queries as GET with query parameters, mutations as POST JSON. */
  call(proc: string, input?: Record<string, unknown>, opts?: CallOptions): Promise<Reply>;
  /** Stops and starts again on the same data directory (same port not guaranteed), with `env` over the settings it started with. */
  restart(env?: Record<string, string>): Promise<void>;
}

export interface CallOptions {
  token?: string | null;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function request(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** Starts a real Berth on a fresh data directory and an ephemeral loopback port; `out` gets what it prints (its warnings), by default nothing. */
export async function startTestBerth(env: Record<string, string> = {}, out: (line: string) => void = () => {}): Promise<TestBerth> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-'));
  const token = 'berth_test_admin_' + Math.random().toString(36).slice(2);
  const settings = {
    BERTH_DATA_DIR: dataDir,
    BERTH_PORT: '0',
    BERTH_HOST: '127.0.0.1',
    BERTH_ADMIN_TOKEN: token,
    BERTH_LOG_LEVEL: 'fatal',
    BERTH_RATE_LIMIT: '100000',
    // Traefik is one per machine: only tests of the edge start it (test/routing-edge.test.ts).
    BERTH_EDGE: 'off',
    // A Docker cleanup (no-500 calls every route) takes only what this run named with its id,
    // never the images every later test needs, nor the machine's build cache.
    BERTH_CLEANUP_ONLY_PREFIX: runId,
    BERTH_CLEANUP_KEEP_IMAGES: keptTestImages(),
    BERTH_CLEANUP_BUILD_CACHE_KEEP: String(1e12),
    // the lab's berth-node-2 engine is on tcp with TLS: Berth needs its client certificate,
    // as an operator would set it (a test without it says so: test/cluster-engine-tls.test.ts)
    BERTH_NODE_CERT_PATH: testEnvIfPresent()?.cluster?.engineCertPath ?? '',
    ...env,
  };
  const config: Config = loadConfig(settings);
  let berth = await startBerth(config, out);
  const t: TestBerth = {
    get url() {
      return berth.url;
    },
    get store() {
      return berth.store;
    },
    dataDir,
    token,
    async call(proc, input = {}, opts = {}) {
      const method = opts.method ?? (kinds.get(proc) === 'query' ? 'GET' : 'POST');
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const tok = opts.token === undefined ? token : opts.token;
      if (tok) headers['x-api-key'] = tok;
      if (method === 'GET') {
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(input)) {
          if (Array.isArray(v)) v.forEach((x) => qs.append(k, String(x)));
          else if (v !== undefined) qs.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
        }
        return request(`${berth.url}/api/${proc}?${qs}`, { headers });
      }
      headers['content-type'] ??= 'application/json';
      return request(`${berth.url}/api/${proc}`, { method: 'POST', headers, body: JSON.stringify(input) });
    },
    async restart(changed = {}) {
      await berth.close();
      berth = await startBerth(loadConfig({ ...settings, ...changed }), out);
    },
    get adminToken() {
      return berth.adminToken;
    },
    async close() {
      await berth.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** A `call` that keeps every reply, so a test can check afterwards that no reply leaked a secret. */
export function recordReplies(berth: () => TestBerth) {
  const replies: Reply[] = [];
  const call = async (proc: string, input?: Record<string, unknown>, opts?: CallOptions) => {
    const r = await berth().call(proc, input, opts);
    replies.push(r);
    return r;
  };
  return { replies, call };
}
