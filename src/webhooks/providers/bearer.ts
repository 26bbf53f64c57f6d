import { header, type Headers } from '../event.js';
import { sameSecret } from '../../secrets/compare.js';

/**
 * Senders that cannot sign (a registry's notifications, a CI job's plain POST) prove the
 * secret with `Authorization: Bearer <secret>` (the registry's `headers` setting can send it).
 */
export function verifyBearer(h: Headers, secret: string): 'ok' | 'bad' | 'missing' {
  const auth = header(h, 'authorization');
  if (!auth) return 'missing';
  const token = /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1];
  return token !== undefined && sameSecret(token, secret) ? 'ok' : 'bad';
}
