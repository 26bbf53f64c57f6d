import { createHmac } from 'node:crypto';
import { sameSecret } from '../secrets/compare.js';

/**
 * Signature checks over the RAW body bytes (PURE): re-serialized JSON can differ from what
 * the forge signed (key order, unicode escapes), so nothing here sees parsed JSON.
 */

export const hmacSha256Hex = (secret: string, raw: Buffer) => createHmac('sha256', secret).update(raw).digest('hex');

/** `sha256=<hex>` (GitHub's `X-Hub-Signature-256`, Bitbucket's `X-Hub-Signature`) or a bare hex digest (Gitea). */
export function hmacMatches(presented: string, secret: string, raw: Buffer): boolean {
  const hex = presented.trim().replace(/^sha256=/i, '').toLowerCase();
  return sameSecret(hex, hmacSha256Hex(secret, raw));
}
