import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { request } from './berth.js';
import { freePort } from './e2e.js';
import { until } from './until.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Starts `src/main.ts` as a process of its own (so a test can SIGKILL it) on a free loopback port, with `env` over the process's, and waits until it answers. */
export async function startBerthProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts')], {
    cwd: root,
    env: { ...process.env, BERTH_PORT: String(port), BERTH_HOST: '127.0.0.1', BERTH_LOG_LEVEL: 'fatal', ...env },
    stdio: 'ignore',
  });
  await until('Berth answers', () => fetch(`${url}/api/health`).then((r) => r.ok, () => false), (up) => up, 30_000);
  return { url, child };
}

/** Calls `/api/<proc>` of the Berth at `url` (GET with query parameters, else a JSON POST); expects 200 and answers the body. */
export async function callAt(url: string, token: string, proc: string, input: Record<string, unknown> = {}, method: 'GET' | 'POST' = 'POST') {
  const headers = { 'x-api-key': token, 'content-type': 'application/json' };
  const r =
    method === 'GET'
      ? await request(`${url}/api/${proc}?${new URLSearchParams(input as Record<string, string>)}`, { headers })
      : await request(`${url}/api/${proc}`, { method, headers, body: JSON.stringify(input) });
  assert.equal(r.status, 200, `${proc}: ${r.text}`);
  return r.body;
}

/** The live processes (pids, zombies left out) whose command line holds `text`. */
export function processesWith(text: string): string[] {
  return fs.readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text) && !fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].startsWith('Z');
    } catch {
      return false; // it ended while being read
    }
  });
}
