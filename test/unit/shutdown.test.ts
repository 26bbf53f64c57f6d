// Berth as `npm start` runs it, under whichever Node runs the tests (CI: 20 and 24): it
// answers, and SIGTERM stops it cleanly. A native module built wrongly for this Node
// aborts at exit instead (better-sqlite3 12 against Node ≥ 24.19 headers: SIGABRT).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const root = path.resolve(import.meta.dirname, '../..');
/** The V8 flags `npm start` runs Berth with. */
const nodeFlags: string[] = JSON.parse(fs.readFileSync(path.join(root, 'scripts/node-flags.json'), 'utf8'));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

test('Berth serves, then exits 0 on SIGTERM', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-shutdown-'));
  const port = await freePort();
  const token = 'berth_shutdown_' + Math.random().toString(36).slice(2);
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(root, 'src/main.ts')], {
    cwd: root,
    env: { ...process.env, BERTH_DATA_DIR: dataDir, BERTH_PORT: String(port), BERTH_HOST: '127.0.0.1', BERTH_ADMIN_TOKEN: token, BERTH_EDGE: 'off', BERTH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  try {
    const url = `http://127.0.0.1:${port}/api`;
    for (let i = 0; ; i++) {
      if ((await fetch(`${url}/health`).then((r) => r.status, () => 0)) === 200) break;
      assert.ok(i < 600 && child.exitCode === null && !child.signalCode, `Berth did not answer (exit ${child.exitCode}, signal ${child.signalCode}): ${stderr}`);
      await sleep(50);
    }
    // Statements prepared and run: what the native module must release at exit.
    const created = await fetch(`${url}/project.create`, { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'p' }) });
    assert.equal(created.status, 200);
    assert.equal((await fetch(`${url}/project.all`, { headers: { 'x-api-key': token } })).status, 200);
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null], stderr);
    assert.doesNotMatch(stderr, /Assertion failed/);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
