import { githubApiUrl } from '../deploy/sources/provider-access.js';
import type { ProviderAccess } from '../deploy/sources/git-url.js';

/** A preview's state as a commit status on the pull request's head commit. */
export interface CommitStatus {
  state: 'pending' | 'success' | 'failure';
  /** The preview's URL. */
  url: string | null;
  description: string;
}

export interface StatusRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** What the status is called on the forge (its check name). */
export const CONTEXT = 'berth/preview';

const json = { 'content-type': 'application/json', 'user-agent': 'berth' };
const seg = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/**
 * The request that sets a commit status, per forge (PURE): each forge's documented
 * commit-status endpoint, state names and authentication.
 */
export const statusRequests: Record<'github' | 'gitlab' | 'gitea' | 'bitbucket', (access: ProviderAccess, repo: string, sha: string, s: CommitStatus) => StatusRequest> = {
  github: (a, repo, sha, s) => ({
    url: `${githubApiUrl(a.baseUrl)}/repos/${seg(repo)}/statuses/${sha}`,
    headers: { ...json, authorization: `Bearer ${a.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    body: { state: s.state, target_url: s.url, description: s.description, context: CONTEXT },
  }),
  gitlab: (a, repo, sha, s) => ({
    url: `${a.baseUrl.replace(/\/+$/, '')}/api/v4/projects/${encodeURIComponent(repo)}/statuses/${sha}`,
    headers: { ...json, authorization: `Bearer ${a.token}` },
    body: { state: s.state === 'failure' ? 'failed' : s.state, target_url: s.url, description: s.description, name: CONTEXT },
  }),
  gitea: (a, repo, sha, s) => ({
    url: `${a.baseUrl.replace(/\/+$/, '')}/api/v1/repos/${seg(repo)}/statuses/${sha}`,
    headers: { ...json, authorization: `token ${a.token}` },
    body: { state: s.state, target_url: s.url, description: s.description, context: CONTEXT },
  }),
  bitbucket: (a, repo, sha, s) => ({
    url: `https://api.bitbucket.org/2.0/repositories/${seg(repo)}/commit/${sha}/statuses/build`,
    headers: { ...json, authorization: `Basic ${Buffer.from(`${a.username}:${a.token}`).toString('base64')}` },
    body: { state: { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED' }[s.state], key: CONTEXT, name: CONTEXT, url: s.url, description: s.description },
  }),
};
