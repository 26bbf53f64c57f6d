// Running a job's programs: argv only, output into the log line by line (secrets never cut
// in two), a minimal environment, and cancellation that kills the whole process group.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { createExec, killLeftoverGroup, output } from '../../src/deploy/exec.js';
import { DeploymentLogs } from '../../src/deploy/log.js';
import { Redactor, REDACTED } from '../../src/secrets/redact.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-exec-test-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function memoryLog() {
  const lines: string[] = [];
  return { lines, line: (t: string) => void lines.push(t) };
}

/** Running (a zombie waiting for a reaper does not count). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('exec', () => {
  test('runs an argv without a shell and streams stdout and stderr into the log', async () => {
    const log = memoryLog();
    const exec = createExec({ log, signal: new AbortController().signal });
    await exec(['sh', '-c', 'echo "$1"; echo err >&2', 'sh', '$(touch /tmp/berth-pwned) `id` ; rm -rf /']);
    assert.deepEqual(log.lines.sort(), ['$(touch /tmp/berth-pwned) `id` ; rm -rf /', 'err']);
    assert.equal(fs.existsSync('/tmp/berth-pwned'), false);
  });

  test('a non-zero exit rejects with the program and its code; the output is already in the log', async () => {
    const log = memoryLog();
    const exec = createExec({ log, signal: new AbortController().signal });
    await assert.rejects(exec(['sh', '-c', 'echo failing; exit 3']), { message: 'sh exited with 3' });
    assert.deepEqual(log.lines, ['failing']);
  });

  test('onLine hears every line the log gets, so a caller can quote the program\'s last words', async () => {
    const log = memoryLog();
    const heard: string[] = [];
    const exec = createExec({ log, signal: new AbortController().signal });
    await assert.rejects(exec(['sh', '-c', 'echo pushing; echo "unauthorized: authentication required" >&2; exit 1'], { onLine: (l) => heard.push(l) }));
    assert.deepEqual(heard, log.lines);
    assert.deepEqual(heard.sort(), ['pushing', 'unauthorized: authentication required']);
  });

  test('a program that is not installed is named', async () => {
    const exec = createExec({ log: memoryLog(), signal: new AbortController().signal });
    await assert.rejects(exec(['berth-no-such-tool', 'x']), { message: 'berth-no-such-tool is not installed on this server' });
  });

  test("children get a minimal environment: the server's secrets never reach them", async () => {
    process.env.BERTH_ADMIN_TOKEN = 'server-admin-token';
    try {
      const log = memoryLog();
      const exec = createExec({ log, signal: new AbortController().signal, defaultEnv: { JOB: 'job-wide', BOTH: 'default' } });
      await exec(['sh', '-c', 'env | sort'], { env: { ONE: 'this-call', BOTH: 'call' } });
      const env = Object.fromEntries(log.lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      assert.equal(env.BERTH_ADMIN_TOKEN, undefined);
      assert.equal(env.JOB, 'job-wide');
      assert.equal(env.ONE, 'this-call');
      assert.equal(env.BOTH, 'call');
      assert.ok(env.PATH);
    } finally {
      delete process.env.BERTH_ADMIN_TOKEN;
    }
  });

  test('stdin is written to the program, and cwd is honoured', async () => {
    const log = memoryLog();
    const exec = createExec({ log, signal: new AbortController().signal });
    await exec(['sh', '-c', 'cat; pwd'], { stdin: 'from stdin\n', cwd: dataDir });
    assert.deepEqual(log.lines, ['from stdin', fs.realpathSync(dataDir)]);
  });

  test('cancelling kills the whole process group at once and rejects with the reason', async () => {
    const pidFile = path.join(dataDir, 'grandchild.pid');
    const controller = new AbortController();
    const exec = createExec({ log: memoryLog(), signal: controller.signal });
    const started = Date.now();
    const run = exec(['sh', '-c', `sleep 300 & echo $! > ${pidFile}; wait`]);
    while (!fs.existsSync(pidFile) || !fs.readFileSync(pidFile, 'utf8').trim()) await new Promise((r) => setTimeout(r, 10));
    const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.ok(alive(grandchild));
    controller.abort();
    await assert.rejects(run, { name: 'AbortError', message: 'cancelled' });
    assert.ok(Date.now() - started < 5000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(grandchild), false, 'the background child of the program died too');
  });

  test("an abort reason's message becomes the error message; an aborted job starts nothing", async () => {
    const controller = new AbortController();
    controller.abort(new Error('timed out after 30 min'));
    const exec = createExec({ log: memoryLog(), signal: controller.signal });
    const marker = path.join(dataDir, 'must-not-exist');
    await assert.rejects(exec(['touch', marker]), { name: 'AbortError', message: 'timed out after 30 min' });
    assert.equal(fs.existsSync(marker), false);
  });

  test('a secret printed in pieces across output chunks never reaches the log file', async () => {
    const secret = 'sup3r-s3cret-build-token';
    const log = new DeploymentLogs(dataDir).open('exec-app', 'dep-split', new Redactor([secret]));
    const exec = createExec({ log, signal: new AbortController().signal });
    // Half a secret, a pause (so the halves arrive as separate chunks), the other half; twice, on stdout and stderr.
    const script = `const [a, b] = [process.argv[1].slice(0, 9), process.argv[1].slice(9)];
      process.stdout.write('token=' + a); process.stderr.write('err ' + a);
      setTimeout(() => { process.stdout.write(b + ' end\\n'); process.stderr.write(b); }, 100);`;
    await exec(['node', '-e', script, secret]);
    log.end('done');
    const text = fs.readFileSync(log.path, 'utf8');
    assert.ok(!text.includes(secret) && !text.includes(secret.slice(0, 9)), text);
    assert.match(text, new RegExp(` token=${REDACTED.replace(/\*/g, '\\*')} end\\n`));
    assert.match(text, new RegExp(` err ${REDACTED.replace(/\*/g, '\\*')}\\n`), 'a last line without newline is flushed at exit');
  });
});

describe('process groups a crash leaves behind', () => {
  const waitFor = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    return check();
  };
  /** The process group of a running process, from the kernel. */
  const pgidOf = (pid: number) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  };

  test('each program reports its process group id as it starts, and carries its owner in its environment', async () => {
    const log = memoryLog();
    const spawned: number[] = [];
    const exec = createExec({ log, signal: new AbortController().signal, owner: 'dep-report', onSpawn: (pid) => spawned.push(pid) });
    await exec(['sh', '-c', 'echo "$$"; cut -d" " -f5 /proc/$$/stat; echo "$BERTH_DEPLOYMENT_ID"']);
    assert.equal(spawned.length, 1);
    assert.deepEqual(log.lines, [String(spawned[0]), String(spawned[0]), 'dep-report']);
  });

  test('a leftover group is killed only when it is still there and carries its owner', async () => {
    const spawned: number[] = [];
    const pidFile = path.join(dataDir, 'leftover.pid');
    const exec = createExec({ log: memoryLog(), signal: new AbortController().signal, owner: 'dep-left', onSpawn: (pid) => spawned.push(pid) });
    // the group's leader exits at once; its background child stays in the group, as a build client would
    await exec(['sh', '-c', `sleep 300 >/dev/null 2>&1 & echo $! > ${pidFile}`]);
    const member = Number(fs.readFileSync(pidFile, 'utf8'));
    const [pgid] = spawned;
    assert.equal(pgidOf(member), pgid);
    // a group of someone else's (no owner mark), as a recycled id would lead to
    const stranger = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH } });
    try {
      assert.equal(killLeftoverGroup(stranger.pid!, 'dep-left'), false);
      assert.equal(killLeftoverGroup(pgid, 'dep-other'), false, 'another deployment\'s mark does not count');
      assert.ok(alive(stranger.pid!) && alive(member));

      assert.equal(killLeftoverGroup(pgid, 'dep-left'), true);
      assert.ok(await waitFor(() => !alive(member)), 'the leftover member died');
      assert.ok(alive(stranger.pid!), 'the stranger lives on');
      assert.equal(killLeftoverGroup(pgid, 'dep-left'), false, 'a group that is gone is not killed again');
      assert.equal(killLeftoverGroup(1, 'dep-left'), false);
      assert.equal(killLeftoverGroup(Number('not a pid'), 'dep-left'), false);
    } finally {
      stranger.kill('SIGKILL');
      try {
        process.kill(member, 'SIGKILL');
      } catch {
        // dead already
      }
    }
  });
});

describe('output', () => {
  test('returns stdout of a short program; a failure carries its stderr', async () => {
    assert.equal(await output(['sh', '-c', 'printf "%s" "$X"'], { env: { X: 'value' } }), 'value');
    await assert.rejects(output(['sh', '-c', 'echo nope >&2; exit 1']), /sh failed: nope/);
  });
});
