import type { Headers, PushedCommit, RepositoryRef, WebhookEvent } from '../event.js';

/** What every provider module gives the receiver (one file per provider). */
export interface ProviderModule {
  /** Whether this provider sent the delivery (headers first, then the body's shape). */
  detect(headers: Headers, body: unknown): boolean;
  deliveryId(headers: Headers, body: any): string | null;
  parse(body: any, headers: Headers): WebhookEvent;
  /** Checks the delivery against the webhook secret: `missing` when it carries no signature at all. */
  verify(headers: Headers, raw: Buffer, secret: string): 'ok' | 'bad' | 'missing';
}

export const ZERO_SHA = /^0+$/;

/** `refs/heads/x` → branch x, `refs/tags/v1` → tag v1 (anything else is treated as a branch name). */
export function splitRef(ref: string): { type: 'branch' | 'tag'; name: string } {
  if (ref.startsWith('refs/tags/')) return { type: 'tag', name: ref.slice('refs/tags/'.length) };
  return { type: 'branch', name: ref.replace(/^refs\/heads\//, '') };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** GitHub, Gitea and GitLab list each commit's added, modified and removed paths. */
export function commitsWithFiles(commits: unknown): PushedCommit[] {
  if (!Array.isArray(commits)) return [];
  return commits.map((c: any) => ({
    id: String(c?.id ?? ''),
    message: String(c?.message ?? ''),
    files: [...strings(c?.added), ...strings(c?.modified), ...strings(c?.removed)],
  }));
}

export function repository(fullName: unknown, ...urls: unknown[]): RepositoryRef {
  return {
    fullName: typeof fullName === 'string' && fullName ? fullName : null,
    cloneUrls: urls.filter((u): u is string => typeof u === 'string' && u.length > 0),
  };
}

export const text = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));
