#!/usr/bin/env node
// post-receive hook of the test git server: for each updated ref, POSTs a push event in
// Gitea's format (X-Gitea-Event, X-Gitea-Delivery, X-Gitea-Signature = hex HMAC-SHA256 of the
// body), as a Gitea server would, to every webhook the repository lists in
// <repo>.git/berth-webhooks.json: [{"url": "...", "secret": "..."}] (written by a test).
// git runs it with GIT_DIR set; it never fails the push (a forge does not either).
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const gitDir = path.resolve(process.env.GIT_DIR || '.');
const hooksFile = path.join(gitDir, 'berth-webhooks.json');
if (!existsSync(hooksFile)) process.exit(0);
const hooks = JSON.parse(readFileSync(hooksFile, 'utf8'));
const git = (...args) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' });
const ZERO = /^0+$/;

const name = path.basename(gitDir).replace(/\.git$/, '');
const httpBase = process.env.BERTH_GIT_PUBLIC_BASE || 'http://127.0.0.1:3080';
const repository = {
  id: 1,
  owner: { id: 1, login: 'git', username: 'git' },
  name,
  full_name: `git/${name}`,
  private: true,
  html_url: `${httpBase}/git/${name}`,
  clone_url: `${httpBase}/git/${name}.git`,
  ssh_url: `ssh://git@127.0.0.1:2222${gitDir}`,
  default_branch: 'main',
};

function commitOf(sha) {
  const [author, email, timestamp, ...message] = git('show', '-s', '--format=%an%n%ae%n%aI%n%B', sha).replace(/\n+$/, '').split('\n');
  const files = { added: [], removed: [], modified: [] };
  for (const line of git('diff-tree', '--no-commit-id', '--root', '-r', '--name-status', sha).split('\n').filter(Boolean)) {
    const [status, file] = line.split('\t');
    (status === 'A' ? files.added : status === 'D' ? files.removed : files.modified).push(file);
  }
  const person = { name: author, email, username: 'git' };
  return { id: sha, message: message.join('\n') + '\n', url: `${repository.html_url}/commit/${sha}`, author: person, committer: person, timestamp, ...files };
}

const lines = readFileSync(0, 'utf8').split('\n').filter(Boolean);
for (const line of lines) {
  const [before, after, ref] = line.split(' ');
  const range = ZERO.test(after) ? [] : git('rev-list', '--reverse', ZERO.test(before) ? after : `${before}..${after}`).split('\n').filter(Boolean);
  const commits = range.map(commitOf);
  const body = JSON.stringify({
    ref,
    before,
    after,
    compare_url: `${repository.html_url}/compare/${before}...${after}`,
    commits,
    total_commits: commits.length,
    head_commit: commits.at(-1) ?? null,
    repository,
    pusher: repository.owner,
    sender: repository.owner,
  });
  for (const hook of hooks) {
    const headers = { 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-gitea-event-type': 'push', 'x-gitea-delivery': randomUUID(), 'x-github-event': 'push', 'x-gogs-event': 'push' };
    if (hook.secret) headers['x-gitea-signature'] = createHmac('sha256', hook.secret).update(body).digest('hex');
    try {
      const res = await fetch(hook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      process.stderr.write(`webhook ${hook.url.replace(/\/deploy\/.*/, '/deploy/…')}: ${res.status} ${(await res.text()).slice(0, 300)}\n`);
    } catch (err) {
      process.stderr.write(`webhook failed: ${err.message}\n`);
    }
  }
}
