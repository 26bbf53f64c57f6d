import { createHash, randomBytes } from 'node:crypto';

/** API tokens are random, shown once, and stored only as their SHA-256. */
export function generateToken(): string {
  return 'berth_' + randomBytes(30).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
