import { header } from '../event.js';
import { hmacMatches } from '../signature.js';
import type { ProviderModule } from './common.js';
import { githubStylePullRequest, githubStylePush } from './github-format.js';

const eventOf = (h: Parameters<ProviderModule['detect']>[0]) => header(h, 'x-gitea-event') ?? header(h, 'x-gogs-event');

/**
 * Gitea (and Forgejo, Gogs): GitHub-format payloads under `X-Gitea-Event`, HMAC-SHA256 as
 * bare hex in `X-Gitea-Signature`. Gitea also sends `X-GitHub-Event`, so it is detected first.
 */
export const gitea: ProviderModule = {
  detect: (h) => eventOf(h) !== undefined,
  deliveryId: (h) => header(h, 'x-gitea-delivery') ?? header(h, 'x-gogs-delivery') ?? null,
  parse(body, h) {
    const event = eventOf(h);
    if (event === 'push') return githubStylePush(body);
    if (event === 'pull_request')
      return githubStylePullRequest(body, { opened: 'opened', reopened: 'reopened', synchronized: 'updated', label_updated: 'updated', closed: 'closed' });
    return { kind: 'ignored', reason: `Gitea event "${event}" does not deploy` };
  },
  verify(h, raw, secret) {
    const sig = header(h, 'x-gitea-signature') ?? header(h, 'x-gogs-signature') ?? header(h, 'x-hub-signature-256');
    if (!sig) return 'missing';
    return hmacMatches(sig, secret, raw) ? 'ok' : 'bad';
  },
};
