/**
 * Deployment logs: one file per deployment at `<dataDir>/logs/<appName>/<deploymentId>.log`,
 * one `<ISO time> <text>` line per line of output, secrets redacted before anything is
 * written, and an explicit last line (`endMarker(status)`) so a reader knows the log is
 * complete. While a deployment runs its log is "live": readers subscribe to new lines.
 */
import fs from 'node:fs';
import path, { dirname } from 'node:path';
import type { Redactor } from '../secrets/redact.js';
import type { LogSink } from './types.js';

export const END_MARKER_PREFIX = '--- deployment finished: ';
/** The last line of every finished deployment's log. */
export const endMarker = (status: string) => `${END_MARKER_PREFIX}${status} ---`;
const END_LINE = /--- deployment finished: (\S+) ---$/;

export type LogEvent = { type: 'line'; line: string } | { type: 'end'; status: string | null };
export type LogListener = (event: LogEvent) => void;

/** A file name part taken from a row: refused if it could name another folder. */
function segment(value: string, what: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(value) || value === '.' || value === '..') throw new Error(`invalid ${what} for a log path: "${value}"`);
  return value;
}

export const logPathFor = (dataDir: string, appName: string, deploymentId: string) =>
  path.join(dataDir, 'logs', segment(appName, 'application name'), `${segment(deploymentId, 'deployment id')}.log`);

export class DeploymentLog implements LogSink {
  private readonly fd: number;
  private readonly listeners = new Set<LogListener>();
  private status: string | undefined;

  constructor(
    readonly path: string,
    private readonly redactor: Redactor,
    private readonly onEnd: () => void = () => {},
  ) {
    fs.mkdirSync(dirname(path), { recursive: true });
    this.fd = fs.openSync(path, 'a', 0o600);
  }

  get ended(): boolean {
    return this.status !== undefined;
  }

  /** Appends `text` (one line, or several separated by newlines), redacted and timestamped. */
  line(text: string): void {
    if (this.ended) return; // output racing the end (a killed process's last bytes) has nowhere to go
    for (const part of text.split(/\r?\n|\r/)) this.write(`${new Date().toISOString()} ${this.redactor.redact(part)}`);
  }

  /** `text` as this log would write it: what may leave Berth in a message. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** Also redacts `value` from now on: a secret learnt during the job (a short-lived token). */
  secret(value: string): void {
    this.redactor.add(value);
  }

  /** Calls `fn` for every line written from now on, and once at the end. */
  subscribe(fn: LogListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Writes the end marker, closes the file and tells every subscriber. Idempotent. */
  end(status: string): void {
    if (this.ended) return;
    this.write(`${new Date().toISOString()} ${endMarker(status)}`);
    this.status = status;
    fs.closeSync(this.fd);
    this.emit({ type: 'end', status });
    this.listeners.clear();
    this.onEnd();
  }

  private write(line: string): void {
    // Synchronous: lines keep their order, and a reader that stats the file sees every
    // line written before it subscribed.
    fs.writeSync(this.fd, `${line}\n`);
    this.emit({ type: 'line', line });
  }

  private emit(event: LogEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(event);
      } catch {
        // a broken reader must not break the deployment
      }
    }
  }
}

/** The status in a log's last line, or null when the log has no end marker. */
export function endStatusOf(lastLine: string | undefined): string | null {
  return END_LINE.exec(lastLine ?? '')?.[1] ?? null;
}

/** The last `lines` lines of a log file ("" when it does not exist), read from the end. */
export function readTail(file: string, lines: number): string {
  if (lines <= 0) return '';
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
  try {
    const chunks: Buffer[] = [];
    let pos = fs.fstatSync(fd).size;
    let newlines = 0;
    // One more newline than lines: the file ends with one.
    while (pos > 0 && newlines <= lines) {
      const size = Math.min(64 * 1024, pos);
      pos -= size;
      const buf = Buffer.alloc(size);
      fs.readSync(fd, buf, 0, size, pos);
      chunks.unshift(buf);
      for (const b of buf) if (b === 10) newlines++;
    }
    const all = Buffer.concat(chunks).toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).join('\n');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The logs of this server's deployments: opens them, and keeps the running ones by
 * deployment id so that a stream can attach to a deployment while it runs.
 */
export class DeploymentLogs {
  private readonly live = new Map<string, DeploymentLog>();

  constructor(private readonly dataDir: string) {}

  pathFor(appName: string, deploymentId: string): string {
    return logPathFor(this.dataDir, appName, deploymentId);
  }

  /** Opens (creates, or appends to) a deployment's log and marks it live until `end`. */
  open(appName: string, deploymentId: string, redactor: Redactor): DeploymentLog {
    const existing = this.live.get(deploymentId);
    if (existing) return existing;
    const log = new DeploymentLog(this.pathFor(appName, deploymentId), redactor, () => this.live.delete(deploymentId));
    this.live.set(deploymentId, log);
    return log;
  }

  get(deploymentId: string): DeploymentLog | undefined {
    return this.live.get(deploymentId);
  }

  /**
   * Every line of the log at `file` from its first, then, while the deployment runs, each
   * new line; then one `end` event (status from the end marker; null when a finished log
   * has none, e.g. the server died before writing it). Returns a function that stops.
   */
  follow(deploymentId: string, file: string, onEvent: LogListener): () => void {
    let stopped = false;
    const log = this.live.get(deploymentId);
    // Subscribe before reading: the file's current size is then exactly what precedes the
    // first buffered event (writes are synchronous).
    const pending: LogEvent[] = [];
    let replaying = true;
    const unsubscribe = log?.subscribe((e) => (replaying ? pending.push(e) : onEvent(e))) ?? (() => {});
    const size = log ? fs.statSync(file).size : undefined;

    void (async () => {
      let last: string | undefined;
      if (size !== 0) {
        try {
          const stream = fs.createReadStream(file, { encoding: 'utf8', end: size === undefined ? undefined : size - 1 });
          let rest = '';
          for await (const chunk of stream) {
            if (stopped) return void stream.destroy();
            const parts = (rest + chunk).split('\n');
            rest = parts.pop()!;
            for (const line of parts) onEvent({ type: 'line', line: (last = line) });
          }
          if (rest) onEvent({ type: 'line', line: (last = rest) });
        } catch {
          // no file (yet, or any more): nothing to replay
        }
      }
      if (stopped) return;
      if (!log) return onEvent({ type: 'end', status: endStatusOf(last) });
      replaying = false;
      for (const e of pending) onEvent(e);
    })();

    return () => {
      stopped = true;
      unsubscribe();
    };
  }
}
