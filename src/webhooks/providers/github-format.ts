import type { PullRequestAction, PullRequestEvent, PushEvent } from '../event.js';
import { commitsWithFiles, repository, splitRef, text, ZERO_SHA } from './common.js';

/** A push in GitHub's format, which Gitea (and Gogs, Forgejo) send too (PURE). */
export function githubStylePush(body: any): PushEvent {
  const after = text(body?.after);
  const commits = commitsWithFiles(body?.commits);
  const head = body?.head_commit ?? commits.find((c) => c.id === after) ?? commits.at(-1);
  return {
    kind: 'push',
    ref: splitRef(text(body?.ref)),
    sha: body?.deleted === true || !after || ZERO_SHA.test(after) ? null : after,
    headMessage: text(head?.message),
    commits,
    repository: repository(body?.repository?.full_name, body?.repository?.clone_url, body?.repository?.ssh_url, body?.repository?.html_url),
  };
}

/** A pull request in GitHub's format; `actions` maps the forge's action names to Berth's. */
export function githubStylePullRequest(body: any, actions: Record<string, PullRequestAction>): PullRequestEvent {
  const pr = body?.pull_request ?? {};
  const side = (s: any) => ({
    branch: text(s?.ref),
    sha: text(s?.sha),
    repository: repository(s?.repo?.full_name, s?.repo?.clone_url, s?.repo?.ssh_url),
  });
  return {
    kind: 'pull_request',
    action: actions[text(body?.action)] ?? 'other',
    number: Number(pr.number ?? body?.number),
    id: text(pr.id),
    title: text(pr.title),
    url: pr.html_url ? text(pr.html_url) : null,
    base: side(pr.base),
    head: side(pr.head),
    labels: (Array.isArray(pr.labels) ? pr.labels : []).map((l: any) => text(l?.name)).filter(Boolean),
  };
}
