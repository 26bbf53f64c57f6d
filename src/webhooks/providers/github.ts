import { header } from '../event.js';
import { hmacMatches } from '../signature.js';
import type { ProviderModule } from './common.js';
import { githubStylePullRequest, githubStylePush } from './github-format.js';

/** GitHub (repository webhooks and GitHub Apps): `X-GitHub-Event`, HMAC-SHA256 in `X-Hub-Signature-256`. */
export const github: ProviderModule = {
  detect: (h) => header(h, 'x-github-event') !== undefined,
  deliveryId: (h) => header(h, 'x-github-delivery') ?? null,
  parse(body, h) {
    const event = header(h, 'x-github-event');
    if (event === 'ping') return { kind: 'ping' };
    if (event === 'push') return githubStylePush(body);
    if (event === 'pull_request')
      return githubStylePullRequest(body, { opened: 'opened', reopened: 'reopened', synchronize: 'updated', labeled: 'updated', closed: 'closed' });
    return { kind: 'ignored', reason: `GitHub event "${event}" does not deploy` };
  },
  verify(h, raw, secret) {
    const sig = header(h, 'x-hub-signature-256');
    if (!sig) return 'missing';
    return hmacMatches(sig, secret, raw) ? 'ok' : 'bad';
  },
};
