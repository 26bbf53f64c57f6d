import fs from 'node:fs';
import path from 'node:path';

/**
 * `<dataDir>/berth.pid`: the process id of the Berth serving that directory, written at start
 * and removed at a clean stop. A restore reads it to refuse a directory in use; a file left by
 * a crash names a process that no longer exists and counts for nothing.
 */
export const LOCK_FILE = 'berth.pid';

/** Whether `pid` is a live Node process (a reused id now running something else counts for nothing). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /node/i.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc to ask: the id alone decides
  }
};

/** The id of another live process that holds the directory, or null. */
export function lockHolder(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8').trim());
  } catch {
    return null;
  }
  // our own id: a file a previous run in this container (pid 1 again) left behind
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : null;
}

/** Takes the directory for this process; refuses one another live Berth holds. Returns the release. */
export function holdDataDir(dataDir: string): () => void {
  const holder = lockHolder(dataDir);
  if (holder !== null)
    throw new Error(`${dataDir} is in use by another Berth (process ${holder}); if none runs, remove ${path.join(dataDir, LOCK_FILE)}`);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  fs.writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file);
    } catch {
      // already gone
    }
  };
}
