import { text, type ProviderModule } from './common.js';
import { verifyBearer } from './bearer.js';

/**
 * Docker Hub's push webhook: `{push_data: {tag}, repository: {repo_name}}`, no signature
 * and no delivery id (so a Docker Hub webhook cannot carry a secret: leave it unset).
 */
export const dockerhub: ProviderModule = {
  detect: (_h, body: any) => !!body && typeof body === 'object' && 'push_data' in body && typeof body.repository?.repo_name === 'string',
  deliveryId: () => null,
  parse: (body) => ({ kind: 'image', repository: text(body.repository.repo_name), tag: body.push_data?.tag ? text(body.push_data.tag) : null, digest: null }),
  verify: (h, _raw, secret) => verifyBearer(h, secret),
};
