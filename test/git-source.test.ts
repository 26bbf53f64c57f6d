// The git source (github, gitlab, bitbucket, gitea, git): clone URLs and credentials built
// as pure values (golden), and real clones from the test git server over HTTP with each
// provider's token scheme and over SSH with a deploy key. A token is never in argv, in
// `.git/config` or in the log.
import assert from 'node:assert/strict';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cloneCommand, cloneRepository, GitSource, lastCommitCommand, pinnedCloneCommands } from '../src/deploy/sources/git.js';
import { gitEnv, gitSourceSpec, isSshUrl, repositoryUrl, splitCredentials, TOKEN_USERS, type GitSourceSpec } from '../src/deploy/sources/git-url.js';
import { githubApiUrl, githubAppJwt, providerAccess, type ProviderRow } from '../src/deploy/sources/provider-access.js';
import { DockerSource } from '../src/deploy/sources/docker.js';
import { DropSource } from '../src/deploy/sources/drop.js';
import { sourceFor } from '../src/deploy/sources/index.js';
import type { BitbucketRow, GiteaRow, GithubRow, GitlabRow } from '../src/store/schema.js';
import { appRow, filesUnder, gitTestEnv, run, runId, testJob } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();

const { git } = testEnv;
const token = git.httpToken;
const base64Auth = (user: string) => Buffer.from(`${user}:${token}`).toString('base64');
const owner = `berth-${runId}`;
const ownerDir = path.join(git.reposDir, owner);
const serverBase = git.httpUrl; // http://127.0.0.1:3080/git

// --- fixtures: this run's repositories on the test git server --------------------------------

const sh = (argv: string[], cwd?: string) => run(argv, { cwd, env: gitTestEnv });
const commits: { first: string; second: string } = { first: '', second: '' };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-git-fixture-'));

async function publish(src: string, rel: string, allowSha = true) {
  const bare = path.join(ownerDir, rel);
  await sh(['git', 'clone', '-q', '--bare', '--no-local', '--', src, bare]);
  if (allowSha) await sh(['git', '--git-dir', bare, 'config', 'uploadpack.allowReachableSHA1InWant', 'true']);
  fs.chmodSync(bare, 0o755);
}

before(async () => {
  // app: two commits on main ("one", then "two"), and a branch "other" with a third.
  const app = path.join(scratch, 'app');
  await sh(['git', 'init', '-q', '-b', 'main', app]);
  fs.writeFileSync(path.join(app, 'index.html'), 'one\n');
  await sh(['git', 'add', '-A'], app);
  await sh(['git', 'commit', '-q', '-m', 'first commit'], app);
  commits.first = (await sh(['git', 'rev-parse', 'HEAD'], app)).trim();
  fs.writeFileSync(path.join(app, 'index.html'), 'two\n');
  await sh(['git', 'commit', '-q', '-am', 'second commit'], app);
  commits.second = (await sh(['git', 'rev-parse', 'HEAD'], app)).trim();
  await sh(['git', 'checkout', '-q', '-b', 'other'], app);
  fs.writeFileSync(path.join(app, 'other.txt'), 'other\n');
  await sh(['git', 'add', '-A'], app);
  await sh(['git', 'commit', '-q', '-m', 'on another branch'], app);
  await sh(['git', 'checkout', '-q', 'main'], app);

  // lib, and with-sub: a repository whose submodule is lib, on the same (token) server.
  const lib = path.join(scratch, 'lib');
  await sh(['git', 'init', '-q', '-b', 'main', lib]);
  fs.writeFileSync(path.join(lib, 'lib.txt'), 'from the submodule\n');
  await sh(['git', 'add', '-A'], lib);
  await sh(['git', 'commit', '-q', '-m', 'lib'], lib);
  const withSub = path.join(scratch, 'with-sub');
  await sh(['git', 'init', '-q', '-b', 'main', withSub]);
  await sh(['git', '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', '--', lib, 'vendor/lib'], withSub);
  await sh(['git', 'config', '-f', '.gitmodules', 'submodule.vendor/lib.url', `${serverBase}/${owner}/lib.git`], withSub);
  await sh(['git', 'add', '-A'], withSub);
  await sh(['git', 'commit', '-q', '-m', 'with a submodule'], withSub);

  fs.mkdirSync(ownerDir, { recursive: true, mode: 0o755 });
  await publish(app, 'app.git');
  await publish(app, 'group/sub/app.git'); // a GitLab path namespace
  await publish(app, 'no-sha-want.git', false);
  await publish(lib, 'lib.git');
  await publish(withSub, 'with-sub.git');
  // git http-backend runs as the repositories' owner and refuses repositories of others.
  await run(['chown', '-R', `${git.reposOwner}:${git.reposOwner}`, ownerDir]);
});

after(() => {
  fs.rmSync(ownerDir, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

// --- pure: URLs, specs, environments, argv -----------------------------------------------------

const access = (baseUrl: string, username: string) => ({ baseUrl, username, token: 'tok-123' });

describe('clone URLs and credentials (pure)', () => {
  test("each provider's clone URL, branch and token scheme", () => {
    const github = gitSourceSpec(appRow({ sourceType: 'github', owner: 'acme', repository: 'web', branch: 'main' }), access('https://github.com', TOKEN_USERS.github), null);
    assert.deepEqual(github, { url: 'https://github.com/acme/web.git', branch: 'main', submodules: false, auth: { kind: 'token', username: 'x-access-token', token: 'tok-123' } });

    const gitlab = gitSourceSpec(appRow({ sourceType: 'gitlab', gitlabPathNamespace: 'group/sub/web', gitlabBranch: 'dev', enableSubmodules: true }), access('https://gitlab.example.com/', 'oauth2'), null);
    assert.deepEqual(gitlab, { url: 'https://gitlab.example.com/group/sub/web.git', branch: 'dev', submodules: true, auth: { kind: 'token', username: 'oauth2', token: 'tok-123' } });

    const gitea = gitSourceSpec(appRow({ sourceType: 'gitea', giteaOwner: 'me', giteaRepository: 'site', giteaBranch: 'main' }), access('https://gitea.com', 'oauth2'), null);
    assert.equal(gitea.url, 'https://gitea.com/me/site.git');

    const bitbucket = gitSourceSpec(
      appRow({ sourceType: 'bitbucket', bitbucketOwner: 'ws', bitbucketRepository: 'Repo Name', bitbucketRepositorySlug: 'repo-name', bitbucketBranch: 'main' }),
      access('https://bitbucket.org', 'x-bitbucket-api-token-auth'),
      null,
    );
    assert.equal(bitbucket.url, 'https://bitbucket.org/ws/repo-name.git');
    assert.deepEqual(TOKEN_USERS, { github: 'x-access-token', gitlab: 'oauth2', gitea: 'oauth2', bitbucket: 'x-bitbucket-api-token-auth' });
  });

  test('a git URL: credentials pasted into it are taken out; SSH URLs take the SSH key; a commit pin is kept', () => {
    const https = gitSourceSpec(appRow({ sourceType: 'git', customGitUrl: 'https://bob:p%40ss@git.example.com/x/y.git', customGitBranch: 'main' }), null, null, 'ABCDEF1234567');
    assert.deepEqual(https, { url: 'https://git.example.com/x/y.git', branch: 'main', commit: 'abcdef1234567', submodules: false, auth: { kind: 'token', username: 'bob', token: 'p@ss' } });

    const ssh = gitSourceSpec(appRow({ sourceType: 'git', customGitUrl: 'git@github.com:acme/web.git', customGitBranch: 'main' }), null, { privateKey: 'KEY' });
    assert.deepEqual(ssh.auth, { kind: 'ssh', privateKey: 'KEY' });
    const open = gitSourceSpec(appRow({ sourceType: 'git', customGitUrl: 'https://github.com/acme/public.git', customGitBranch: 'main' }), null, null);
    assert.deepEqual(open.auth, { kind: 'none' });
    assert.ok(isSshUrl('ssh://git@host:2222/repo.git') && isSshUrl('git@host:o/r.git') && !isSshUrl('https://host/o/r.git'));
    assert.deepEqual(splitCredentials('https://host/r.git'), { url: 'https://host/r.git' });
  });

  test('local paths, file:// and other transports, bad branches and bad SHAs are refused', () => {
    const git = (customGitUrl: string, customGitBranch = 'main') => gitSourceSpec(appRow({ sourceType: 'git', customGitUrl, customGitBranch }), null, null);
    assert.throws(() => git('file:///etc'), /unsupported git URL/);
    assert.throws(() => git('/var/lib/berth'), /unsupported git URL/);
    assert.throws(() => git('ext::sh -c id'), /unsupported git URL/);
    assert.throws(() => git('https://h/r.git', '--upload-pack=touch /tmp/x'), /invalid branch/);
    assert.throws(() => git('https://h/r.git', ''), /no branch/);
    assert.throws(() => gitSourceSpec(appRow({ sourceType: 'git', customGitUrl: 'https://h/r.git', customGitBranch: 'main' }), null, null, 'HEAD~1'), /invalid commit SHA/);
    assert.throws(() => gitSourceSpec(appRow({ sourceType: 'github', owner: 'a', repository: 'b', branch: 'main' }), null, null), /no github provider/);
    assert.throws(() => repositoryUrl('https://github.com', '../../x'), /invalid repository path/);
    assert.equal(repositoryUrl('https://github.com', 'a b/c?d'), 'https://github.com/a%20b/c%3Fd.git');
  });

  test('the environment: host config shut out, network protocols only, the token as a header scoped to the origin', () => {
    const spec: GitSourceSpec = { url: 'https://github.com/acme/web.git', branch: 'main', submodules: false, auth: { kind: 'token', username: 'x-access-token', token: 'tok' } };
    assert.deepEqual(gitEnv(spec, { keyFile: '/w/ssh/key', knownHosts: '/w/ssh/known_hosts' }), {
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ALLOW_PROTOCOL: 'http:https:ssh:git',
      GIT_SSH_COMMAND: "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile='/w/ssh/known_hosts'",
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'http.https://github.com/.extraHeader',
      GIT_CONFIG_VALUE_1: `Authorization: Basic ${Buffer.from('x-access-token:tok').toString('base64')}`,
    });
    const ssh = gitEnv({ ...spec, url: 'git@h:r.git', auth: { kind: 'ssh', privateKey: 'K' } }, { keyFile: "/w/it's/key", knownHosts: '/w/kh' });
    assert.equal(ssh.GIT_SSH_COMMAND, "ssh -i '/w/it'\\''s/key' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile='/w/kh'");
    assert.equal(ssh.GIT_CONFIG_COUNT, '1');
  });

  test('clone argv: shallow single branch, submodules shallow too, -- before the URL', () => {
    const spec: GitSourceSpec = { url: 'https://h/r.git', branch: 'main', submodules: false, auth: { kind: 'none' } };
    assert.deepEqual(cloneCommand(spec, '/w/code'), ['git', 'clone', '--depth', '1', '--branch', 'main', '--single-branch', '--', 'https://h/r.git', '/w/code']);
    assert.deepEqual(cloneCommand({ ...spec, submodules: true }, '/w/code'), [
      'git', 'clone', '--depth', '1', '--branch', 'main', '--single-branch', '--recurse-submodules', '--shallow-submodules', '--', 'https://h/r.git', '/w/code',
    ]);
    const sha = 'a'.repeat(40);
    assert.deepEqual(pinnedCloneCommands({ ...spec, commit: sha, submodules: true }, '/w/code'), {
      init: [['git', 'init', '-q', '--', '/w/code'], ['git', '-C', '/w/code', 'remote', 'add', 'origin', '--', 'https://h/r.git']],
      fetchCommit: ['git', '-C', '/w/code', 'fetch', '--depth', '1', 'origin', '--', sha],
      fetchBranch: ['git', '-C', '/w/code', 'fetch', 'origin', '--', '+refs/heads/main:refs/remotes/origin/main'],
      checkout: ['git', '-C', '/w/code', '-c', 'advice.detachedHead=false', 'checkout', '--detach', sha, '--'],
      submodules: ['git', '-C', '/w/code', 'submodule', 'update', '--init', '--recursive', '--depth', '1'],
    });
    assert.equal(pinnedCloneCommands({ ...spec, commit: 'abcdef1' }, '/w/code').fetchCommit, undefined, 'an abbreviated SHA cannot be fetched alone');
    assert.deepEqual(lastCommitCommand('/w/code'), ['git', '-C', '/w/code', 'log', '-1', '--format=%H%n%s']);
  });
});

// --- provider rows → access ----------------------------------------------------------------

const appKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

/**
 * GitHub's installation-token endpoint, for a GitHub App with `appKey`: checks the App JWT
 * like GitHub does and hands out the test server's token. Everything else goes to the network.
 */
function fakeGitHub(apiRoot: string, seen: string[] = []): typeof fetch {
  return async (input, init) => {
    const url = String(input);
    if (!url.startsWith(apiRoot)) return fetch(input, init);
    seen.push(`${init?.method} ${url}`);
    const jwt = String((init?.headers as Record<string, string>).authorization).replace(/^Bearer /, '');
    const [head, body, sig] = jwt.split('.');
    const valid = createVerify('RSA-SHA256').update(`${head}.${body}`).verify(appKey.publicKey, Buffer.from(sig, 'base64url'));
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    if (!valid || claims.iss !== '4242' || claims.exp <= Date.now() / 1000) return new Response(JSON.stringify({ message: 'A JSON web token could not be decoded' }), { status: 401 });
    return new Response(JSON.stringify({ token, expires_at: new Date(Date.now() + 3600_000).toISOString() }), { status: 201 });
  };
}

const githubRow = (githubUrl: string): GithubRow => ({ githubId: 'gh1', githubUrl, githubAppId: 4242, githubInstallationId: '99', githubPrivateKey: appKey.privateKey } as GithubRow);

test('the registry gives each source type its source: one git source for every git kind', () => {
  const opts = { docker: 'docker', gitInputs: () => ({ provider: null, sshKey: null }), drop: { archive: () => '', maxBytes: 1 } };
  for (const kind of ['github', 'gitlab', 'bitbucket', 'gitea', 'git'] as const) assert.ok(sourceFor(kind, opts) instanceof GitSource);
  assert.ok(sourceFor('docker', opts) instanceof DockerSource);
  assert.ok(sourceFor('drop', opts) instanceof DropSource);
});

describe('provider access', () => {
  test('GitHub: the App JWT is traded for an installation token at the right API', async () => {
    assert.equal(githubApiUrl('https://github.com'), 'https://api.github.com');
    assert.equal(githubApiUrl('https://acme.ghe.com'), 'https://api.acme.ghe.com');
    assert.equal(githubApiUrl('https://ghe.example.com/'), 'https://ghe.example.com/api/v3');
    const seen: string[] = [];
    const got = await providerAccess({ type: 'github', row: githubRow('https://ghe.example.com') }, { fetch: fakeGitHub('https://ghe.example.com/api/v3', seen) });
    assert.deepEqual(got, { baseUrl: 'https://ghe.example.com', username: 'x-access-token', token });
    assert.deepEqual(seen, ['POST https://ghe.example.com/api/v3/app/installations/99/access_tokens']);
    const jwt = githubAppJwt(4242, appKey.privateKey, 1_700_000_000);
    assert.deepEqual(JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()), { iat: 1_699_999_940, exp: 1_700_000_540, iss: '4242' });
    await assert.rejects(
      providerAccess({ type: 'github', row: { ...githubRow('https://ghe.example.com'), githubAppId: 1 } }, { fetch: fakeGitHub('https://ghe.example.com/api/v3') }),
      /GitHub refused an installation token \(HTTP 401: A JSON web token could not be decoded\)/,
    );
    await assert.rejects(providerAccess({ type: 'github', row: { ...githubRow('https://github.com'), githubInstallationId: null } }), /not fully configured/);
  });

  test('GitLab and Gitea: their OAuth token, from the internal URL when set; Bitbucket: API token or app password', async () => {
    assert.deepEqual(await providerAccess({ type: 'gitlab', row: { gitlabUrl: 'https://gitlab.com', gitlabInternalUrl: 'http://gitlab.internal', accessToken: 'gl' } as GitlabRow }), {
      baseUrl: 'http://gitlab.internal',
      username: 'oauth2',
      token: 'gl',
    });
    assert.deepEqual(await providerAccess({ type: 'gitea', row: { giteaUrl: 'https://gitea.com', giteaInternalUrl: null, accessToken: 'gt' } as GiteaRow }), { baseUrl: 'https://gitea.com', username: 'oauth2', token: 'gt' });
    await assert.rejects(providerAccess({ type: 'gitea', row: { giteaUrl: 'https://gitea.com', accessToken: null } as GiteaRow }), /no access token: connect it again/);
    const bb = (row: Partial<BitbucketRow>) => providerAccess({ type: 'bitbucket', row: row as BitbucketRow });
    assert.deepEqual(await bb({ apiToken: 'at', bitbucketUsername: 'u', appPassword: 'ap' }), { baseUrl: 'https://bitbucket.org', username: 'x-bitbucket-api-token-auth', token: 'at' });
    assert.deepEqual(await bb({ apiToken: null, bitbucketUsername: 'u', appPassword: 'ap' }), { baseUrl: 'https://bitbucket.org', username: 'u', token: 'ap' });
    await assert.rejects(bb({ apiToken: null, bitbucketUsername: 'u', appPassword: null }), /neither an API token nor/);
  });
});

// --- real clones ----------------------------------------------------------------------------

/** What a clone must never leave behind: the token, or the Basic header made of it. */
function assertNoToken(dir: string, logText: string, user: string) {
  for (const secret of [token, base64Auth(user)]) {
    assert.ok(!fs.readFileSync(path.join(dir, '.git', 'config'), 'utf8').includes(secret), '.git/config holds no credential');
    assert.ok(!logText.includes(secret), 'the log holds no credential');
  }
  assert.equal(fs.readFileSync(path.join(dir, '.git', 'config'), 'utf8').match(/url = (.*)/)?.[1].includes('@'), false, 'the remote URL has no user info');
}

describe('git clone over HTTP with each provider token scheme', () => {
  const providers: { name: string; app: Parameters<typeof appRow>[0]; provider: ProviderRow; fetch?: typeof fetch; user: string }[] = [
    {
      name: 'github (App installation token)',
      app: { sourceType: 'github', owner, repository: 'app', branch: 'main' },
      provider: { type: 'github', row: githubRow(serverBase) },
      fetch: fakeGitHub(`${serverBase}/api/v3`),
      user: 'x-access-token',
    },
    { name: 'gitlab (oauth2, nested namespace)', app: { sourceType: 'gitlab', gitlabPathNamespace: `${owner}/group/sub/app`, gitlabBranch: 'main' }, provider: { type: 'gitlab', row: { gitlabUrl: 'https://gitlab.invalid', gitlabInternalUrl: serverBase, accessToken: token } as GitlabRow }, user: 'oauth2' },
    { name: 'gitea (oauth2)', app: { sourceType: 'gitea', giteaOwner: owner, giteaRepository: 'app', giteaBranch: 'main' }, provider: { type: 'gitea', row: { giteaUrl: serverBase, giteaInternalUrl: null, accessToken: token } as GiteaRow }, user: 'oauth2' },
  ];
  for (const p of providers) {
    test(`${p.name}: the branch tip, its commit and message; no token in .git/config or the log`, async () => {
      const job = testJob(appRow(p.app));
      const argvs: string[][] = [];
      const exec = job.ctx.exec;
      job.ctx.exec = (argv, opts) => (argvs.push(argv), exec(argv, opts));
      try {
        const source = sourceFor(p.app!.sourceType!, { docker: 'docker', gitInputs: () => ({ provider: p.provider, sshKey: null }), drop: { archive: () => '', maxBytes: 0 }, fetch: p.fetch });
        const fetched = await source.fetch(job.ctx);
        assert.equal(fetched.kind, 'code');
        if (fetched.kind !== 'code') return;
        assert.deepEqual({ commit: fetched.commit, message: fetched.message }, { commit: commits.second, message: 'second commit' });
        assert.equal(fs.readFileSync(path.join(fetched.dir, 'index.html'), 'utf8'), 'two\n');
        assert.deepEqual(filesUnder(fetched.dir), ['index.html'], 'only the branch asked for');
        assertNoToken(fetched.dir, job.logText(), p.user);
        assert.ok(argvs.length && !JSON.stringify(argvs).includes(token) && !JSON.stringify(argvs).includes(base64Auth(p.user)), 'no credential in any argv (ps shows argv)');
      } finally {
        job.cleanup();
      }
    });
  }

  test('bitbucket (API token scheme), against the test server', async () => {
    const job = testJob(appRow({ sourceType: 'bitbucket', bitbucketOwner: owner, bitbucketRepositorySlug: 'app', bitbucketBranch: 'main' }));
    try {
      const spec = gitSourceSpec(job.ctx.app, { baseUrl: serverBase, username: TOKEN_USERS.bitbucket, token }, null);
      const fetched = await cloneRepository(job.ctx, spec);
      assert.equal(fetched.kind === 'code' && fetched.commit, commits.second);
      assertNoToken(path.join(job.ctx.workDir, 'code'), job.logText(), TOKEN_USERS.bitbucket);
    } finally {
      job.cleanup();
    }
  });

  test('a git URL with the token pasted in: cloned, and the token still lands nowhere', async () => {
    const url = `${serverBase.replace('://', `://x-access-token:${token}@`)}/${owner}/app.git`;
    const job = testJob(appRow({ sourceType: 'git', customGitUrl: url, customGitBranch: 'main' }));
    try {
      const fetched = await new GitSource(() => ({ provider: null, sshKey: null })).fetch(job.ctx);
      assert.equal(fetched.kind === 'code' && fetched.commit, commits.second);
      assertNoToken(path.join(job.ctx.workDir, 'code'), job.logText(), 'x-access-token');
    } finally {
      job.cleanup();
    }
  });

  test('without a token, or with a wrong one, the clone fails and says why in the log', async () => {
    for (const [customGitUrl, why] of [
      [`${serverBase}/${owner}/app.git`, /could not read Username/],
      // git asks for credentials again when the server refuses the header it sent
      [`${serverBase.replace("://", "://x-access-token:wrong-token@")}/${owner}/app.git`, /could not read Username/],
    ] as const) {
      const job = testJob(appRow({ sourceType: 'git', customGitUrl, customGitBranch: 'main' }));
      try {
        await assert.rejects(new GitSource(() => ({ provider: null, sshKey: null })).fetch(job.ctx), { message: 'git exited with 128' });
        const text = job.logText();
        assert.match(text, why);
        assert.ok(!text.includes('wrong-token'));
      } finally {
        job.cleanup();
      }
    }
  });

  test('submodules on the same server are cloned with the same token, shallow', async () => {
    const job = testJob(appRow({ sourceType: 'gitea', giteaOwner: owner, giteaRepository: 'with-sub', giteaBranch: 'main', enableSubmodules: true }));
    try {
      const fetched = await new GitSource(() => ({ provider: { type: 'gitea', row: { giteaUrl: serverBase, accessToken: token } as GiteaRow }, sshKey: null })).fetch(job.ctx);
      assert.ok(fetched.kind === 'code');
      assert.equal(fs.readFileSync(path.join(job.ctx.workDir, 'code', 'vendor', 'lib', 'lib.txt'), 'utf8'), 'from the submodule\n');
      assert.ok(!job.logText().includes(token));
    } finally {
      job.cleanup();
    }
  });
});

describe('git clone pinned to a commit', () => {
  /** `protocol0`: speak git protocol v0, whose servers serve only advertised refs unless configured otherwise (v2 serves any reachable commit). */
  const pinned = async (repo: string, commit: string, protocol0 = false) => {
    const job = testJob(appRow({ sourceType: 'gitea', giteaOwner: owner, giteaRepository: repo, giteaBranch: 'main' }));
    if (protocol0) {
      const exec = job.ctx.exec;
      job.ctx.exec = (argv, opts = {}) => {
        const n = Number(opts.env?.GIT_CONFIG_COUNT ?? 0);
        return exec(argv, { ...opts, env: { ...opts.env, GIT_CONFIG_COUNT: String(n + 1), [`GIT_CONFIG_KEY_${n}`]: 'protocol.version', [`GIT_CONFIG_VALUE_${n}`]: '0' } });
      };
    }
    const source = new GitSource(() => ({ provider: { type: 'gitea', row: { giteaUrl: serverBase, accessToken: token } as GiteaRow }, sshKey: null, commit }));
    return { job, result: source.fetch(job.ctx) };
  };

  test('a full SHA is fetched alone (shallow) and checked out', async () => {
    const { job, result } = await pinned('app', commits.first);
    try {
      const fetched = await result;
      assert.deepEqual(fetched.kind === 'code' && [fetched.commit, fetched.message], [commits.first, 'first commit']);
      const dir = path.join(job.ctx.workDir, 'code');
      assert.equal(fs.readFileSync(path.join(dir, 'index.html'), 'utf8'), 'one\n');
      assert.equal((await run(['git', '-C', dir, 'rev-list', '--count', 'HEAD'])).trim(), '1', 'shallow: one commit');
      assertNoToken(dir, job.logText(), 'oauth2');
    } finally {
      job.cleanup();
    }
  });

  test('a server that does not serve single commits, or an abbreviated SHA: the branch is fetched instead', async () => {
    for (const [repo, commit] of [['no-sha-want', commits.first], ['app', commits.first.slice(0, 10)]]) {
      const { job, result } = await pinned(repo, commit, true);
      try {
        const fetched = await result;
        assert.equal(fetched.kind === 'code' && fetched.commit, commits.first);
        if (repo === 'no-sha-want') assert.match(job.logText(), /does not serve single commits: fetching the branch/);
      } finally {
        job.cleanup();
      }
    }
  });

  test('a commit that is not on the branch is refused', async () => {
    const { job, result } = await pinned('app', 'f'.repeat(12));
    try {
      await assert.rejects(result, { message: `commit ${'f'.repeat(12)} is not on branch main` });
    } finally {
      job.cleanup();
    }
  });
});

describe('git clone over SSH with the deploy key', () => {
  const key = fs.readFileSync(git.sshPrivateKeyPath, 'utf8');
  const sshUrl = git.repos['hello-static'].sshUrl;

  test("with the application's key: cloned; the per-job key file is gone afterwards; the key is not in the log", async () => {
    const job = testJob(appRow({ sourceType: 'git', customGitUrl: sshUrl, customGitBranch: 'main' }));
    try {
      const fetched = await new GitSource(() => ({ provider: null, sshKey: { privateKey: key } })).fetch(job.ctx);
      assert.deepEqual(fetched.kind === 'code' && fetched.commit, git.repos['hello-static'].commit);
      assert.deepEqual(filesUnder(path.join(job.ctx.workDir, 'code')), ['index.html']);
      assert.equal(fs.existsSync(path.join(job.ctx.workDir, 'ssh')), false, 'key and known_hosts removed');
      const text = job.logText();
      for (const line of key.split('\n').filter((l) => l.length > 20)) assert.ok(!text.includes(line));
    } finally {
      job.cleanup();
    }
  });

  test('without a key the clone fails (no host key or agent of the server is used)', async () => {
    const job = testJob(appRow({ sourceType: 'git', customGitUrl: sshUrl, customGitBranch: 'main' }));
    try {
      await assert.rejects(new GitSource(() => ({ provider: null, sshKey: null })).fetch(job.ctx), { message: 'git exited with 128' });
      assert.match(job.logText(), /Permission denied|Could not read from remote repository/);
    } finally {
      job.cleanup();
    }
  });
});
