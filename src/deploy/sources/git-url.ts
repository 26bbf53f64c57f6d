/**
 * Where a git source's repository is and how Berth authenticates to it, as PURE functions.
 * The clone URL never carries a credential: tokens travel in a one-shot `http.extraHeader`
 * set through the child's environment (GIT_CONFIG_*), SSH keys through a per-job key file;
 * so neither argv (visible in `ps`), `.git/config` nor the log ever holds one.
 */
import type { ApplicationRow } from '../../store/schema.js';

export type GitAuth =
  | { kind: 'none' }
  /** HTTP basic auth: the provider's token scheme (`x-access-token`, `oauth2`, …) or a user's password. */
  | { kind: 'token'; username: string; token: string }
  | { kind: 'ssh'; privateKey: string };

/** Everything a clone needs; built from the application by `gitSourceSpec`. */
export interface GitSourceSpec {
  /** Without credentials. */
  url: string;
  branch: string;
  /** A commit SHA to check out instead of the branch tip (a webhook's commit). */
  commit?: string;
  submodules: boolean;
  auth: GitAuth;
}

/** A provider as a clone sees it: where its repositories live and the user name its tokens go with. */
export interface ProviderAccess {
  baseUrl: string;
  username: string;
  token: string;
}

export type GitSourceType = 'github' | 'gitlab' | 'bitbucket' | 'gitea' | 'git';

/** The Basic-auth user names of each provider's token scheme (any works with a token on the test server). */
export const TOKEN_USERS = {
  github: 'x-access-token', // GitHub App installation tokens
  gitlab: 'oauth2',
  gitea: 'oauth2',
  bitbucket: 'x-bitbucket-api-token-auth', // Atlassian API tokens (app passwords go with the account's user name)
} as const;

/** Where each provider kind keeps its repository path and branch in the application row. */
const providerRepos: Record<Exclude<GitSourceType, 'git'>, (a: ApplicationRow) => { path: string | null; branch: string | null }> = {
  github: (a) => ({ path: a.owner && a.repository && `${a.owner}/${a.repository}`, branch: a.branch }),
  gitlab: (a) => ({ path: a.gitlabPathNamespace, branch: a.gitlabBranch }),
  bitbucket: (a) => ({
    path: a.bitbucketOwner && (a.bitbucketRepositorySlug || a.bitbucketRepository) && `${a.bitbucketOwner}/${a.bitbucketRepositorySlug || a.bitbucketRepository}`,
    branch: a.bitbucketBranch,
  }),
  gitea: (a) => ({ path: a.giteaOwner && a.giteaRepository && `${a.giteaOwner}/${a.giteaRepository}`, branch: a.giteaBranch }),
};

/** The repository (a provider path, or the URL of a `git` source) and branch an application builds from (pure). */
export function sourceRepository(app: ApplicationRow): { path: string | null; branch: string | null } | null {
  if (app.sourceType === 'git') return { path: app.customGitUrl, branch: app.customGitBranch };
  const repo = providerRepos[app.sourceType as Exclude<GitSourceType, 'git'>];
  return repo ? repo(app) : null;
}

/** `<baseUrl>/<owner>/<repo>.git`, each path segment encoded so it cannot change the URL's meaning. */
export function repositoryUrl(baseUrl: string, repoPath: string): string {
  const segments = repoPath.replace(/\.git$/, '').split('/').filter(Boolean);
  if (!segments.length || segments.some((s) => s === '.' || s === '..')) throw new Error(`invalid repository path "${repoPath}"`);
  return `${baseUrl.replace(/\/+$/, '')}/${segments.map(encodeURIComponent).join('/')}.git`;
}

/** `ssh://…`, `git+ssh://…` or scp-like `user@host:path`. */
export const isSshUrl = (url: string) => /^(?:git\+)?ssh:\/\//i.test(url) || /^[^/:@\s]+@[^/:\s]+:(?!\/\/)/.test(url);

const ALLOWED_URL = /^(?:https?|ssh|git\+ssh|git):\/\//i;

/**
 * Splits `https://user:password@host/…` into the URL without them and the credentials,
 * so that a URL pasted with a token in it still never reaches `.git/config`.
 */
export function splitCredentials(url: string): { url: string; auth?: { username: string; token: string } } {
  if (!/^https?:\/\//i.test(url)) return { url };
  const u = new URL(url);
  if (!u.username && !u.password) return { url };
  const auth = { username: decodeURIComponent(u.username), token: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return { url: u.toString(), auth };
}

/** A full or abbreviated commit SHA. */
export const isCommitSha = (s: string) => /^[0-9a-f]{7,64}$/i.test(s);

function checkBranch(branch: string | null | undefined): string {
  if (!branch) throw new Error('the application has no branch set');
  if (branch.startsWith('-') || !/^[\w.\-/#]+$/.test(branch)) throw new Error(`invalid branch name "${branch}"`);
  return branch;
}

/**
 * The clone spec of an application of a git kind (pure). `access` is its provider's (for
 * github/gitlab/bitbucket/gitea), `sshKey` the key of a `git` source, `commit` a pin.
 */
export function gitSourceSpec(
  app: ApplicationRow,
  access: ProviderAccess | null,
  sshKey: { privateKey: string } | null,
  commit?: string,
): GitSourceSpec {
  if (commit !== undefined && !isCommitSha(commit)) throw new Error(`invalid commit SHA "${commit}"`);
  const pin = commit ? { commit: commit.toLowerCase() } : {};
  const submodules = app.enableSubmodules;
  if (app.sourceType === 'git') {
    const raw = app.customGitUrl?.trim();
    if (!raw) throw new Error('the application has no git URL set');
    const branch = checkBranch(app.customGitBranch);
    if (isSshUrl(raw)) {
      return { url: raw, branch, ...pin, submodules, auth: sshKey ? { kind: 'ssh', privateKey: sshKey.privateKey } : { kind: 'none' } };
    }
    if (!ALLOWED_URL.test(raw)) throw new Error(`unsupported git URL "${splitCredentials(raw).url}": use http(s), ssh or git`);
    const { url, auth } = splitCredentials(raw);
    return { url, branch, ...pin, submodules, auth: auth ? { kind: 'token', ...auth } : { kind: 'none' } };
  }
  const repo = providerRepos[app.sourceType as Exclude<GitSourceType, 'git'>];
  if (!repo) throw new Error(`"${app.sourceType}" is not a git source`);
  if (!access) throw new Error(`the application has no ${app.sourceType} provider`);
  const { path, branch } = repo(app);
  if (!path) throw new Error(`the application has no ${app.sourceType} repository set`);
  return {
    url: repositoryUrl(access.baseUrl, path),
    branch: checkBranch(branch),
    ...pin,
    submodules,
    auth: { kind: 'token', username: access.username, token: access.token },
  };
}

/** Files a job keeps its SSH material in (inside its private work dir). */
export interface SshFiles {
  keyFile: string;
  knownHosts: string;
}

/** A path as one shell word: git runs GIT_SSH_COMMAND through `sh`. */
const shellWord = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The environment of every git command of a clone (pure). It shuts out the host's own git
 * configuration (no stored credentials or URL rewrites of the server serve an application),
 * allows network protocols only (no `file://` or `ext::` submodules), never prompts, and
 * carries the credentials: a Basic `Authorization` header scoped to the repository's
 * origin, or an SSH command using the job's key and known_hosts.
 */
export function gitEnv(spec: GitSourceSpec, ssh: SshFiles): Record<string, string> {
  const config: [string, string][] = [['credential.helper', '']];
  if (spec.auth.kind === 'token') {
    const origin = new URL(spec.url).origin;
    const basic = Buffer.from(`${spec.auth.username}:${spec.auth.token}`).toString('base64');
    config.push([`http.${origin}/.extraHeader`, `Authorization: Basic ${basic}`]);
  }
  const sshCommand = [
    'ssh',
    ...(spec.auth.kind === 'ssh' ? ['-i', shellWord(ssh.keyFile), '-o', 'IdentitiesOnly=yes'] : []),
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=accept-new',
    '-o', `UserKnownHostsFile=${shellWord(ssh.knownHosts)}`,
  ].join(' ');
  return {
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ALLOW_PROTOCOL: 'http:https:ssh:git',
    GIT_SSH_COMMAND: sshCommand,
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(config.flatMap(([k, v], i) => [[`GIT_CONFIG_KEY_${i}`, k], [`GIT_CONFIG_VALUE_${i}`, v]])),
  };
}

/** The values `gitEnv` hides credentials in: what the log must redact besides the token itself. */
export function gitSecrets(spec: GitSourceSpec): string[] {
  if (spec.auth.kind === 'ssh') return [spec.auth.privateKey];
  if (spec.auth.kind === 'token') return [spec.auth.token, Buffer.from(`${spec.auth.username}:${spec.auth.token}`).toString('base64')];
  return [];
}
