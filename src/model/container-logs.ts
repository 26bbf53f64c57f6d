import { z } from 'zod';
import { emptyIsNull, id } from './common.js';

/**
 * Which runtime log lines of an application a caller asked for (`application.readLogs`,
 * the live stream): the inputs, and the pure rules that pick lines from what Docker sends.
 */

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const AGO = /^(\d+)([smhd])$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

const tail = z.number().int().min(1).max(10000).default(100);
const since = z
  .string()
  .regex(/^(all|\d+[smhd])$/, 'Expected "all" or a duration such as 30s, 15m, 2h, 7d')
  .default('all');
/** Case-insensitive fixed string; the contract's character set keeps it free of shell and regex syntax. */
const search = z
  .string()
  .regex(/^[a-zA-Z0-9 ._-]{0,500}$/, 'Letters, digits, spaces, ".", "_" and "-" only, at most 500')
  .optional();

/** Berth's addition: the logs of this preview deployment of the application ("": the application's own). */
const previewDeploymentId = emptyIsNull(id()).optional();

export const readLogsInput = z.object({
  applicationId: id(),
  previewDeploymentId,
  tail,
  since,
  /** Berth's addition: lines up to this moment, a duration ago (`10m`) or an ISO-8601 time. */
  until: z
    .string()
    .max(40)
    .refine((v) => AGO.test(v) || (ISO_TIME.test(v) && !Number.isNaN(Date.parse(v))), 'Expected a duration such as 10m, or an ISO-8601 time')
    .optional(),
  search,
});

/** The live stream: the last `tail` lines (since `since`), then every new one. */
export const logStreamInput = z.object({ applicationId: id(), previewDeploymentId, tail, since, search });

export interface LogWindow {
  tail: number;
  /** The lower bound in ms, for the engine to skip older lines itself. */
  sinceMs?: number;
  /** Bounds as fixed-width timestamps (comparable with Docker's as text). */
  since?: string;
  until?: string;
  /** Lower-cased. */
  search?: string;
}

/** Docker's RFC3339NanoFixed form of a moment. */
export const fixedTimestamp = (ms: number) => new Date(Math.max(0, ms)).toISOString().replace('Z', '000000Z');

/** The moment `value` (`all`, `<n>[smhd]` ago, or an ISO time) names, in ms; undefined for `all`. */
export function momentOf(value: string | undefined, now: number): number | undefined {
  if (!value || value === 'all') return undefined;
  const ago = AGO.exec(value);
  if (!ago) return Date.parse(value);
  const ms = now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS];
  return Number.isFinite(ms) ? Math.max(0, ms) : 0;
}

export function logWindow(input: { tail: number; since?: string; until?: string; search?: string }, now: number): LogWindow {
  const since = momentOf(input.since, now);
  const until = momentOf(input.until, now);
  return {
    tail: input.tail,
    sinceMs: since,
    since: since === undefined ? undefined : fixedTimestamp(since),
    until: until === undefined ? undefined : fixedTimestamp(until),
    search: input.search ? input.search.toLowerCase() : undefined,
  };
}

/** Whether a line (already redacted: a search must not reveal a secret) is in the window. */
export function inWindow(window: LogWindow, line: { ts: string; text: string }): boolean {
  if (window.since && line.ts < window.since) return false;
  if (window.until && line.ts > window.until) return false;
  return !window.search || line.text.toLowerCase().includes(window.search);
}

/**
 * The latest `limit` lines of several tasks' logs, which Docker sends one task after
 * another: memory stays bounded by twice the limit whatever the logs' size. Lines with the
 * same timestamp keep the order they came in.
 */
export class LatestLines<T extends { ts: string }> {
  private lines: T[] = [];

  constructor(private readonly limit: number) {}

  add(line: T): void {
    this.lines.push(line);
    if (this.lines.length >= 2 * this.limit) this.trim();
  }

  /** The kept lines, oldest first. */
  list(): T[] {
    this.trim();
    return this.lines;
  }

  private trim() {
    this.lines.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    if (this.lines.length > this.limit) this.lines = this.lines.slice(-this.limit);
  }
}

/** How a log line reads in `readLogs` and the stream: `docker service logs --timestamps --raw`. */
export const formatLogLine = (line: { ts: string; text: string }) => `${line.ts} ${line.text}`;
