/**
 * What a webhook delivery says, whatever forge or registry sent it (PURE types): the
 * receiver decides on these, never on a provider's raw payload.
 */

export type WebhookProvider = 'github' | 'gitlab' | 'gitea' | 'bitbucket' | 'dockerhub' | 'registry' | 'generic';

export interface PushedCommit {
  id: string;
  message: string;
  /** Added, modified and removed paths; null when the payload does not list them (Bitbucket). */
  files: string[] | null;
}

export interface RepositoryRef {
  /** `owner/name` (GitLab: the full namespace path). */
  fullName: string | null;
  cloneUrls: string[];
}

export interface PushEvent {
  kind: 'push';
  ref: { type: 'branch' | 'tag'; name: string };
  /** The pushed head commit; null when the ref was deleted. */
  sha: string | null;
  headMessage: string;
  commits: PushedCommit[];
  repository: RepositoryRef;
}

export type PullRequestAction = 'opened' | 'updated' | 'reopened' | 'closed' | 'other';

export interface PullRequestEvent {
  kind: 'pull_request';
  action: PullRequestAction;
  number: number;
  id: string;
  title: string;
  url: string | null;
  base: { branch: string; repository: RepositoryRef };
  head: { branch: string; sha: string; repository: RepositoryRef };
  labels: string[];
}

/** A registry says an image was pushed. */
export interface ImageEvent {
  kind: 'image';
  /** Without registry host for Docker Hub (`library/nginx` is `nginx`); with it for a registry's own notification. */
  repository: string;
  tag: string | null;
  digest: string | null;
}

/** A delivery without a known provider (a plain POST from a CI job): deploy the configured revision. */
export interface ManualEvent {
  kind: 'manual';
}

export type WebhookEvent =
  | PushEvent
  | PullRequestEvent
  | ImageEvent
  | ManualEvent
  | { kind: 'ping' }
  | { kind: 'ignored'; reason: string };

export interface Delivery {
  provider: WebhookProvider;
  /** The provider's id of this delivery, when it sends one (retries carry the same id). */
  deliveryId: string | null;
  event: WebhookEvent;
}

/** Request headers, names in lower case (as node gives them). */
export type Headers = Record<string, string | string[] | undefined>;

export const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};
