/**
 * The git source, one implementation for `github`, `gitlab`, `bitbucket`, `gitea` and `git`:
 * only where the repository is and how to authenticate differ (git-url.ts,
 * provider-access.ts). A per-job checkout, a per-job SSH key file removed right after the
 * clone, credentials never in argv, `.git/config` or the log.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { output } from '../exec.js';
import type { Fetched, JobContext, Source } from '../types.js';
import { gitEnv, gitSecrets, gitSourceSpec, type GitSourceSpec, type SshFiles } from './git-url.js';
import { providerAccess, type ProviderRow } from './provider-access.js';

/** Branch-tip clone: shallow, one branch (pure). */
export function cloneCommand(spec: GitSourceSpec, dir: string): string[] {
  return [
    'git', 'clone', '--depth', '1', '--branch', spec.branch, '--single-branch',
    ...(spec.submodules ? ['--recurse-submodules', '--shallow-submodules'] : []),
    '--', spec.url, dir,
  ];
}

/**
 * A commit pin (pure): an empty repository, then a shallow fetch of exactly that commit
 * (servers allowing reachable SHAs in `want`: GitHub, GitLab, Gitea, git with
 * uploadpack.allowReachableSHA1InWant); `fetchBranch` is the fallback for the others and
 * for abbreviated SHAs: the branch's history, in which the commit must be.
 */
export function pinnedCloneCommands(spec: GitSourceSpec & { commit: string }, dir: string) {
  const git = (...args: string[]) => ['git', '-C', dir, ...args];
  return {
    init: [['git', 'init', '-q', '--', dir], git('remote', 'add', 'origin', '--', spec.url)],
    fetchCommit: spec.commit.length >= 40 ? git('fetch', '--depth', '1', 'origin', '--', spec.commit) : undefined,
    fetchBranch: git('fetch', 'origin', '--', `+refs/heads/${spec.branch}:refs/remotes/origin/${spec.branch}`),
    checkout: git('-c', 'advice.detachedHead=false', 'checkout', '--detach', spec.commit, '--'),
    submodules: spec.submodules ? git('submodule', 'update', '--init', '--recursive', '--depth', '1') : undefined,
  };
}

export const lastCommitCommand = (dir: string) => ['git', '-C', dir, 'log', '-1', '--format=%H%n%s'];

/** Clones `spec` into `<workDir>/code` and tells which commit it got. */
export async function cloneRepository(ctx: JobContext, spec: GitSourceSpec): Promise<Fetched> {
  const dir = path.join(ctx.workDir, 'code');
  const sshDir = path.join(ctx.workDir, 'ssh');
  const ssh: SshFiles = { keyFile: path.join(sshDir, 'key'), knownHosts: path.join(sshDir, 'known_hosts') };
  for (const s of gitSecrets(spec)) ctx.log.secret?.(s);
  const env = gitEnv(spec, ssh);
  await fs.mkdir(sshDir, { mode: 0o700 });
  try {
    if (spec.auth.kind === 'ssh') {
      const key = spec.auth.privateKey.endsWith('\n') ? spec.auth.privateKey : `${spec.auth.privateKey}\n`;
      await fs.writeFile(ssh.keyFile, key, { mode: 0o600 });
    }
    const run = (argv: string[]) => ctx.exec(argv, { env });
    if (!spec.commit) {
      ctx.log.line(`Cloning ${spec.url} (branch ${spec.branch})`);
      await run(cloneCommand(spec, dir));
    } else {
      ctx.log.line(`Cloning ${spec.url} at commit ${spec.commit} (branch ${spec.branch})`);
      const plan = pinnedCloneCommands({ ...spec, commit: spec.commit }, dir);
      for (const step of plan.init) await run(step);
      const fetched = plan.fetchCommit && (await run(plan.fetchCommit).then(() => true, (err) => {
        if (ctx.signal.aborted) throw err;
        ctx.log.line('The server does not serve single commits: fetching the branch');
        return false;
      }));
      if (!fetched) await run(plan.fetchBranch);
      await run(plan.checkout).catch((err) => {
        if (ctx.signal.aborted) throw err;
        throw new Error(`commit ${spec.commit} is not on branch ${spec.branch}`);
      });
      if (plan.submodules) await run(plan.submodules);
    }
  } finally {
    await fs.rm(sshDir, { recursive: true, force: true });
  }
  const [commit, message = ''] = (await output(lastCommitCommand(dir), { signal: ctx.signal })).replace(/\n$/, '').split('\n');
  ctx.log.line(`Checked out ${commit}: ${message}`);
  return { kind: 'code', dir, commit, message };
}

/** What a git kind needs besides the application row, read from the store by the pipeline (decrypted). */
export interface GitInputs {
  /** The application's provider (github/gitlab/bitbucket/gitea), null for `git`. */
  provider: ProviderRow | null;
  /** The SSH key of a `git` source (`customGitSSHKeyId`). */
  sshKey: { privateKey: string } | null;
  /** A commit to deploy instead of the branch tip (webhook). */
  commit?: string;
}

export class GitSource implements Source {
  constructor(
    private readonly inputs: (ctx: JobContext) => GitInputs | Promise<GitInputs>,
    private readonly opts: { fetch?: typeof fetch } = {},
  ) {}

  async fetch(ctx: JobContext): Promise<Fetched> {
    const { provider, sshKey, commit } = await this.inputs(ctx);
    const access = provider ? await providerAccess(provider, { fetch: this.opts.fetch, signal: ctx.signal }) : null;
    if (access) ctx.log.secret?.(access.token);
    return cloneRepository(ctx, gitSourceSpec(ctx.app, access, sshKey, commit));
  }
}
