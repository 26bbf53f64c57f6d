import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Headers } from '../webhooks/event.js';
import type { ServerDeps } from './server.js';

/** GitHub's own cap on a webhook payload; larger deliveries are refused with 413. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 ** 2;

/**
 * The push-to-deploy receivers (API.md §8), outside the procedure table: no API token (the
 * path's token or the provider's signature is the credential), any content type read as raw
 * bytes (signatures are over the bytes sent), answered as soon as the deployments are queued.
 * The receiver itself is built on the first delivery.
 */
export async function registerWebhookRoutes(app: FastifyInstance, deps: Pick<ServerDeps, 'store' | 'deploy' | 'config'>) {
  let receiver: import('../webhooks/receive.js').WebhookReceiver | undefined;
  const receive = async () =>
    (receiver ??= (await import('../webhooks/receive.js')).createWebhookReceiver({ ...deps, wildcard: deps.config.domains.wildcard, warn: (message, err) => app.log.warn({ err }, message) }));
  const args = (req: FastifyRequest) => [req.headers as Headers, (req.body as Buffer | undefined) ?? Buffer.alloc(0), req.headers['content-type']] as const;

  await app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES }, (_req, body, done) => done(null, body));
    const config = { public: true };
    hooks.post('/api/deploy/github', { config }, async (req) => (await receive()).forGithubApp(...args(req)));
    hooks.post('/api/deploy/:refreshToken', { config }, async (req) => (await receive()).forToken((req.params as { refreshToken: string }).refreshToken, ...args(req)));
  });
}
