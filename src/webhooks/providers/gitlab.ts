import { header, type PullRequestAction } from '../event.js';
import { sameSecret } from '../../secrets/compare.js';
import { commitsWithFiles, repository, splitRef, text, ZERO_SHA, type ProviderModule } from './common.js';

const mrActions: Record<string, PullRequestAction> = { open: 'opened', reopen: 'reopened', update: 'updated', close: 'closed', merge: 'closed' };

const project = (p: any) => repository(p?.path_with_namespace, p?.git_http_url, p?.git_ssh_url, p?.web_url);

/** GitLab: `X-Gitlab-Event` ("Push Hook", "Tag Push Hook", "Merge Request Hook"); the secret comes back verbatim in `X-Gitlab-Token`. */
export const gitlab: ProviderModule = {
  detect: (h) => header(h, 'x-gitlab-event') !== undefined,
  deliveryId: (h) => header(h, 'x-gitlab-event-uuid') ?? header(h, 'x-gitlab-webhook-uuid') ?? null,
  parse(body, h) {
    const event = header(h, 'x-gitlab-event');
    if (event === 'Push Hook' || event === 'Tag Push Hook') {
      const sha = text(body?.checkout_sha || body?.after);
      const commits = commitsWithFiles(body?.commits);
      const head = commits.find((c) => c.id === sha) ?? commits.at(-1);
      return {
        kind: 'push',
        ref: splitRef(text(body?.ref)),
        sha: !sha || ZERO_SHA.test(sha) ? null : sha,
        headMessage: text(head?.message ?? body?.message),
        commits,
        repository: project(body?.project),
      };
    }
    if (event === 'Merge Request Hook') {
      const mr = body?.object_attributes ?? {};
      return {
        kind: 'pull_request',
        action: mrActions[text(mr.action)] ?? 'other',
        number: Number(mr.iid),
        id: text(mr.id),
        title: text(mr.title),
        url: mr.url ? text(mr.url) : null,
        base: { branch: text(mr.target_branch), repository: project(mr.target ?? body?.project) },
        head: { branch: text(mr.source_branch), sha: text(mr.last_commit?.id), repository: project(mr.source) },
        labels: (Array.isArray(body?.labels) ? body.labels : []).map((l: any) => text(l?.title)).filter(Boolean),
      };
    }
    return { kind: 'ignored', reason: `GitLab event "${event}" does not deploy` };
  },
  verify(h, _raw, secret) {
    const token = header(h, 'x-gitlab-token');
    if (token === undefined) return 'missing';
    return sameSecret(token, secret) ? 'ok' : 'bad';
  },
};
