/**
 * How a job runs programs: an argv array (never a shell), in a process group of its own so
 * that cancelling kills the program and everything it started, with output going line by
 * line into the deployment log, and a minimal environment so nothing of the server's own
 * (BERTH_ADMIN_TOKEN, …) reaches a build.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Exec, ExecOptions, LogSink } from './types.js';

/** What children inherit from the server: enough to find programs and reach the Docker engine. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'TZ', 'DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];

export function childEnv(extra: Record<string, string> = {}, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
  for (const k of INHERITED) if (from[k]) env[k] = from[k]!;
  return { ...env, ...extra };
}

/** The error a cancelled program rejects with; its message says why (the abort reason's). */
export class AbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(reason: unknown) {
    super(reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'cancelled', { cause: reason });
  }
}

/** Splits a byte stream into lines; a partial line waits for the rest (so a secret is never cut in two). */
export function lineSplitter(emit: (line: string) => void) {
  let rest = '';
  return {
    push(chunk: string) {
      const parts = (rest + chunk).split(/\r\n|\n|\r/);
      rest = parts.pop()!;
      for (const p of parts) emit(p);
    },
    flush() {
      if (rest) emit(rest);
      rest = '';
    },
  };
}

export interface ExecContext {
  log: LogSink;
  signal: AbortSignal;
  /** Environment every program of this job gets (merged over the minimal one, under ExecOptions.env). */
  defaultEnv?: Record<string, string>;
  /**
   * The job the programs belong to: each carries it in its environment (OWNER_VARIABLE), so
   * the next server run can tell the groups a crash left behind from unrelated processes.
   */
  owner?: string;
  /** Told each program's process group id as it starts, to be recorded for that next run. */
  onSpawn?: (pgid: number) => void;
}

/** The environment variable that marks a program as started for a job (see killLeftoverGroup). */
export const OWNER_VARIABLE = 'BERTH_DEPLOYMENT_ID';

export function createExec({ log, signal, defaultEnv = {}, owner, onSpawn }: ExecContext): Exec {
  return (argv, opts: ExecOptions = {}) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new AbortedError(signal.reason));
      const child = spawn(argv[0], argv.slice(1), {
        cwd: opts.cwd,
        env: childEnv({ ...defaultEnv, ...opts.env, ...(owner ? { [OWNER_VARIABLE]: owner } : {}) }),
        detached: true, // leader of a new process group: one kill reaches every descendant
        stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      const onAbort = () => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        // A descendant that left the group may still hold the pipes: stop waiting for them.
        child.stdout!.destroy();
        child.stderr!.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (child.pid !== undefined) onSpawn?.(child.pid);
      const emit = (l: string) => {
        log.line(l);
        opts.onLine?.(l);
      };
      const out = lineSplitter(emit);
      const err = lineSplitter(emit);
      child.stdout!.setEncoding('utf8').on('data', out.push);
      child.stderr!.setEncoding('utf8').on('data', err.push);
      if (opts.stdin !== undefined) {
        child.stdin!.on('error', () => {}); // a program that exits without reading its input
        child.stdin!.end(opts.stdin);
      }
      child.on('error', (e: NodeJS.ErrnoException) => {
        signal.removeEventListener('abort', onAbort);
        reject(new Error(e.code === 'ENOENT' ? `${argv[0]} is not installed on this server` : `${argv[0]} could not start: ${e.message}`));
      });
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        out.flush();
        err.flush();
        if (signal.aborted) reject(new AbortedError(signal.reason));
        else if (code === 0) resolve();
        else reject(Object.assign(new Error(code === null ? `${argv[0]} was killed by ${sig}` : `${argv[0]} exited with ${code}`), { exitCode: code }));
      });
    });
}

interface ProcessInfo {
  pgid: number;
  environ(): string[];
}

/** The process group and environment of each process alive now (the kernel's view, from /proc). */
function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so count from the last ")"
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      found.push({ pgid: Number(pgrp), environ: () => fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0') });
    } catch {
      // it ended while being read
    }
  }
  return found;
}

/**
 * After a crash: kills process group `pgid` if it is still there and is really `owner`'s
 * (one of its processes carries OWNER_VARIABLE=owner; a recycled id belongs to a group that
 * does not). Such a group outlives the server because it was made a group of its own (a
 * `docker build` would go on for the rest of its time). Returns whether it killed one.
 */
export function killLeftoverGroup(pgid: number, owner: string): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  const mark = `${OWNER_VARIABLE}=${owner}`;
  let list: ProcessInfo[];
  try {
    list = processes();
  } catch {
    return false; // no /proc: nothing can be proved ours
  }
  const ours = list.some((p) => {
    if (p.pgid !== pgid) return false;
    try {
      return p.environ().includes(mark);
    } catch {
      return false;
    }
  });
  if (!ours) return false;
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false; // it ended in the meantime
  }
}

/**
 * Runs a short program for its output (a version, a commit hash) with the same minimal
 * environment; not logged. Rejects with its stderr when it fails.
 */
export function output(argv: string[], opts: { cwd?: string; env?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number; stdin?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0],
      argv.slice(1),
      { cwd: opts.cwd, env: childEnv(opts.env), signal: opts.signal, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
      (e, stdout, stderr) => (e ? reject(Object.assign(new Error(`${argv[0]} failed: ${String(stderr).trim() || e.message}`), { cause: e })) : resolve(String(stdout))),
    );
    if (opts.stdin !== undefined) {
      child.stdin!.on('error', () => {}); // a program that exits without reading its input
      child.stdin!.end(opts.stdin);
    }
  });
}
