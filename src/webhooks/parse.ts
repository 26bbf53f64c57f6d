import type { Delivery, Headers, WebhookProvider } from './event.js';
import { verifyBearer } from './providers/bearer.js';
import { bitbucket } from './providers/bitbucket.js';
import type { ProviderModule } from './providers/common.js';
import { dockerhub } from './providers/dockerhub.js';
import { gitea } from './providers/gitea.js';
import { github } from './providers/github.js';
import { gitlab } from './providers/gitlab.js';
import { registry } from './providers/registry.js';

/** A plain POST (a CI job, curl): deploys what the application is configured with. */
const generic: ProviderModule = {
  detect: () => true,
  deliveryId: () => null,
  parse: () => ({ kind: 'manual' }),
  verify: (h, _raw, secret) => verifyBearer(h, secret),
};

/** In detection order: Gitea before GitHub (Gitea sends `X-GitHub-Event` too), the generic sender last. */
const providers: [WebhookProvider, ProviderModule][] = [
  ['gitea', gitea],
  ['github', github],
  ['gitlab', gitlab],
  ['bitbucket', bitbucket],
  ['registry', registry],
  ['dockerhub', dockerhub],
  ['generic', generic],
];

export function providerOf(headers: Headers, body: unknown): { name: WebhookProvider; module: ProviderModule } {
  const [name, module] = providers.find(([, p]) => p.detect(headers, body))!;
  return { name, module };
}

/** What a delivery says (PURE). `body` is the parsed JSON (null for an empty body). */
export function parseDelivery(headers: Headers, body: unknown): Delivery {
  const { name, module } = providerOf(headers, body);
  return { provider: name, deliveryId: module.deliveryId(headers, body), event: module.parse(body, headers) };
}

/** Checks the delivery's proof of `secret` the way its provider signs (PURE). */
export function verifyDelivery(headers: Headers, body: unknown, raw: Buffer, secret: string) {
  return providerOf(headers, body).module.verify(headers, raw, secret);
}
