import { header, type PullRequestAction } from '../event.js';
import { hmacMatches } from '../signature.js';
import { repository, text, type ProviderModule } from './common.js';

const prActions: Record<string, PullRequestAction> = {
  'pullrequest:created': 'opened',
  'pullrequest:updated': 'updated',
  'pullrequest:fulfilled': 'closed',
  'pullrequest:rejected': 'closed',
};

const repo = (r: any) => repository(r?.full_name, r?.links?.html?.href);

/**
 * Bitbucket Cloud: `X-Event-Key` (`repo:push`, `pullrequest:*`), HMAC-SHA256 in
 * `X-Hub-Signature`. Its pushes do not list changed files (watch paths cannot be checked
 * from the payload alone).
 */
export const bitbucket: ProviderModule = {
  detect: (h) => header(h, 'x-event-key') !== undefined,
  deliveryId: (h) => header(h, 'x-request-uuid') ?? null,
  parse(body, h) {
    const event = header(h, 'x-event-key') ?? '';
    if (event === 'repo:push') {
      const changes: any[] = Array.isArray(body?.push?.changes) ? body.push.changes : [];
      const change = changes.find((c) => c?.new) ?? changes[0];
      const ref = change?.new ?? change?.old ?? {};
      const commits = (Array.isArray(change?.commits) ? change.commits : []).map((c: any) => ({ id: text(c?.hash), message: text(c?.message), files: null }));
      return {
        kind: 'push',
        ref: { type: ref.type === 'tag' ? 'tag' : 'branch', name: text(ref.name) },
        sha: change?.new ? text(change.new.target?.hash) || null : null,
        headMessage: text(change?.new?.target?.message),
        commits,
        repository: repo(body?.repository),
      };
    }
    if (event.startsWith('pullrequest:')) {
      const pr = body?.pullrequest ?? {};
      return {
        kind: 'pull_request',
        action: prActions[event] ?? 'other',
        number: Number(pr.id),
        id: text(pr.id),
        title: text(pr.title),
        url: pr.links?.html?.href ? text(pr.links.html.href) : null,
        base: { branch: text(pr.destination?.branch?.name), repository: repo(pr.destination?.repository) },
        head: { branch: text(pr.source?.branch?.name), sha: text(pr.source?.commit?.hash), repository: repo(pr.source?.repository) },
        labels: [],
      };
    }
    return { kind: 'ignored', reason: `Bitbucket event "${event}" does not deploy` };
  },
  verify(h, raw, secret) {
    const sig = header(h, 'x-hub-signature');
    if (!sig) return 'missing';
    return hmacMatches(sig, secret, raw) ? 'ok' : 'bad';
  },
};
