// `<data>/berth.pid`: a running Berth holds its data directory; a second one (or a restore)
// is refused, a file a crash left behind is not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBerth } from '../../src/berth.js';
import { loadConfig } from '../../src/config.js';
import { LOCK_FILE, lockHolder } from '../../src/store/data-dir-lock.js';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';

const settings = (dataDir: string) => loadConfig({ BERTH_DATA_DIR: dataDir, BERTH_PORT: '0', BERTH_HOST: '127.0.0.1', BERTH_LOG_LEVEL: 'fatal', BERTH_EDGE: 'off' });

describe('the data directory lock', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth();
  });
  after(async () => {
    await b.close();
  });

  test('a running Berth holds its directory: a second Berth on it is refused, naming the first', async () => {
    assert.equal(fs.readFileSync(path.join(b.dataDir, LOCK_FILE), 'utf8').trim(), String(process.pid));
    // another process's view: a live node process holds it
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      fs.writeFileSync(path.join(b.dataDir, LOCK_FILE), `${other.pid}\n`);
      assert.equal(lockHolder(b.dataDir), other.pid);
      await assert.rejects(startBerth(settings(b.dataDir), () => {}), new RegExp(`is in use by another Berth \\(process ${other.pid}\\)`));
    } finally {
      other.kill();
      await new Promise((r) => other.once('exit', r));
      fs.writeFileSync(path.join(b.dataDir, LOCK_FILE), `${process.pid}\n`);
    }
  });

  test('a lock left by a dead process, or by a reused id running something else, counts for nothing; a stop removes it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-lock-'));
    const sleeper = spawn('sleep', ['30']);
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    try {
      for (const pid of [dead.pid, sleeper.pid]) {
        fs.writeFileSync(path.join(dataDir, LOCK_FILE), `${pid}\n`);
        assert.equal(lockHolder(dataDir), null);
        const berth = await startBerth(settings(dataDir), () => {});
        assert.equal(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8').trim(), String(process.pid));
        await berth.close();
        assert.ok(!fs.existsSync(path.join(dataDir, LOCK_FILE)));
      }
    } finally {
      sleeper.kill();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
