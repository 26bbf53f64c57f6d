import { header } from '../event.js';
import { text, type ProviderModule } from './common.js';
import { verifyBearer } from './bearer.js';

const ENVELOPE = 'application/vnd.docker.distribution.events.v1+json';

/** The first manifest push by tag of a registry notification envelope (others: layer pushes, pulls). */
const tagPush = (body: any) => (Array.isArray(body?.events) ? body.events : []).find((e: any) => e?.action === 'push' && e?.target?.tag);

/**
 * The Distribution registry's notifications (`docker-registry`, Harbor, GitLab's registry):
 * an envelope of events; a push of a tagged manifest deploys.
 */
export const registry: ProviderModule = {
  detect: (h, body: any) => (header(h, 'content-type') ?? '').startsWith(ENVELOPE) || (Array.isArray(body?.events) && body.events.some((e: any) => e?.target?.repository)),
  deliveryId: (_h, body) => {
    const e = tagPush(body) ?? body?.events?.[0];
    return e?.id ? text(e.id) : null;
  },
  parse(body) {
    const e = tagPush(body);
    if (!e) return { kind: 'ignored', reason: 'the notification holds no push of a tagged image' };
    const host = text(e.request?.host);
    return { kind: 'image', repository: host ? `${host}/${text(e.target.repository)}` : text(e.target.repository), tag: text(e.target.tag), digest: e.target.digest ? text(e.target.digest) : null };
  },
  verify: (h, _raw, secret) => verifyBearer(h, secret),
};
