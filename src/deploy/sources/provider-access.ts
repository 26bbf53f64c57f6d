/**
 * A git provider row → what a clone needs from it (`ProviderAccess`): the base URL its
 * repositories live under and a token with its user name. GitHub Apps have no stored
 * token: each clone trades a JWT signed with the App's private key for a one-hour
 * installation token, as GitHub documents.
 */
import { createSign } from 'node:crypto';
import type { Store } from '../../store/index.js';
import type { ApplicationRow, BitbucketRow, GiteaRow, GithubRow, GitlabRow } from '../../store/schema.js';
import { TOKEN_USERS, type ProviderAccess } from './git-url.js';

export type ProviderRow =
  | { type: 'github'; row: GithubRow }
  | { type: 'gitlab'; row: GitlabRow }
  | { type: 'bitbucket'; row: BitbucketRow }
  | { type: 'gitea'; row: GiteaRow };

export const BITBUCKET_URL = 'https://bitbucket.org';

/** The git provider an application's source goes through (decrypted); null for a plain git URL or no provider. */
export function providerOf(app: ApplicationRow, gitProviders: Store['gitProviders']): ProviderRow | null {
  switch (app.sourceType) {
    case 'github':
      return app.githubId ? { type: 'github', row: gitProviders.get('github', app.githubId) } : null;
    case 'gitlab':
      return app.gitlabId ? { type: 'gitlab', row: gitProviders.get('gitlab', app.gitlabId) } : null;
    case 'bitbucket':
      return app.bitbucketId ? { type: 'bitbucket', row: gitProviders.get('bitbucket', app.bitbucketId) } : null;
    case 'gitea':
      return app.giteaId ? { type: 'gitea', row: gitProviders.get('gitea', app.giteaId) } : null;
    default:
      return null;
  }
}

/** The REST API root of a GitHub host: api.github.com, api.<tenant>.ghe.com, or GHES's /api/v3. */
export function githubApiUrl(githubUrl: string): string {
  const u = new URL(githubUrl);
  if (u.hostname === 'github.com') return 'https://api.github.com';
  if (u.hostname.endsWith('.ghe.com')) return `${u.protocol}//api.${u.host}`;
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}/api/v3`;
}

const base64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** The App's JWT (RS256, 9 minutes, issued a minute in the past against clock drift). */
export function githubAppJwt(appId: number | string, privateKey: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const head = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify({ iat: nowSeconds - 60, exp: nowSeconds + 540, iss: String(appId) }));
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKey);
  return `${head}.${body}.${base64url(signature)}`;
}

async function githubInstallationToken(row: GithubRow, doFetch: typeof fetch, signal?: AbortSignal): Promise<string> {
  if (!row.githubAppId || !row.githubPrivateKey || !row.githubInstallationId) {
    throw new Error('the GitHub provider is not fully configured (App id, private key and installation id are needed)');
  }
  const url = `${githubApiUrl(row.githubUrl)}/app/installations/${encodeURIComponent(row.githubInstallationId)}/access_tokens`;
  const res = await doFetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${githubAppJwt(row.githubAppId, row.githubPrivateKey)}`,
      accept: 'application/vnd.github+json',
      'user-agent': 'berth',
      'x-github-api-version': '2022-11-28',
    },
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => ({}))) as { token?: string; message?: string };
  if (!res.ok || !body.token) throw new Error(`GitHub refused an installation token (HTTP ${res.status}${body.message ? `: ${body.message}` : ''})`);
  return body.token;
}

function required(token: string | null | undefined, what: string): string {
  if (!token) throw new Error(`the ${what} has no access token: connect it again`);
  return token;
}

export async function providerAccess(provider: ProviderRow, opts: { fetch?: typeof fetch; signal?: AbortSignal } = {}): Promise<ProviderAccess> {
  switch (provider.type) {
    case 'github':
      return { baseUrl: provider.row.githubUrl, username: TOKEN_USERS.github, token: await githubInstallationToken(provider.row, opts.fetch ?? fetch, opts.signal) };
    case 'gitlab':
      // The internal URL is how this server reaches GitLab, when it differs from the public one.
      return { baseUrl: provider.row.gitlabInternalUrl || provider.row.gitlabUrl, username: TOKEN_USERS.gitlab, token: required(provider.row.accessToken, 'GitLab provider') };
    case 'gitea':
      return { baseUrl: provider.row.giteaInternalUrl || provider.row.giteaUrl, username: TOKEN_USERS.gitea, token: required(provider.row.accessToken, 'Gitea provider') };
    case 'bitbucket': {
      const { apiToken, appPassword, bitbucketUsername } = provider.row;
      if (apiToken) return { baseUrl: BITBUCKET_URL, username: TOKEN_USERS.bitbucket, token: apiToken };
      if (appPassword && bitbucketUsername) return { baseUrl: BITBUCKET_URL, username: bitbucketUsername, token: appPassword };
      throw new Error('the Bitbucket provider has neither an API token nor a user name with an app password');
    }
  }
}
