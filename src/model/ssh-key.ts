import { z } from 'zod';
import { id, emptyIsNull } from './common.js';

export const sshKeyTypes = ['rsa', 'ed25519'] as const;
export type SshKeyType = (typeof sshKeyTypes)[number];

/**
 * OpenSSH refuses key files with CRLF endings or no final newline, which a pasted key
 * often has: store every private key the way `ssh` will read it.
 */
export const normalizePrivateKey = (key: string) => `${key.replace(/\r\n?/g, '\n').trim()}\n`;

const PRIVATE_KEY = /^-----BEGIN (RSA|OPENSSH) PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END \1 PRIVATE KEY-----\n$/;
const PUBLIC_KEY = /^(ssh-rsa|ssh-ed25519) [A-Za-z0-9+/]+={0,3}(?: [^\r\n]*)?$/;

export const privateKey = z
  .string()
  .max(16384)
  .transform(normalizePrivateKey)
  .pipe(z.string().regex(PRIVATE_KEY, 'Expected a PEM "RSA PRIVATE KEY" or "OPENSSH PRIVATE KEY" block'));

export const publicKey = z
  .string()
  .max(8192)
  .transform((k) => k.trim())
  .pipe(z.string().regex(PUBLIC_KEY, 'Expected an OpenSSH public key: "ssh-rsa …" or "ssh-ed25519 …"'));

/** The key type and base64 body of a public key: two lines naming the same key differ only in their comment. */
export const publicKeyIdentity = (key: string) => key.trim().split(/\s+/).slice(0, 2).join(' ');

export const sshKeyCreate = z.object({
  name: z.string().min(1).max(255),
  description: z.string().max(1024).nullable().optional(),
  privateKey,
  publicKey,
  // Required by the contract; Berth's single organization is used whatever is sent.
  organizationId: z.string(),
});

export const sshKeyId = z.object({ sshKeyId: id() });

export const sshKeyUpdate = z.object({
  sshKeyId: id(),
  name: z.string().min(1).max(255).optional(),
  description: z.string().max(1024).nullable().optional(),
  lastUsedAt: emptyIsNull(z.iso.datetime({ offset: true })).optional(),
});

export const sshKeyGenerate = z.object({ type: z.enum(sshKeyTypes).default('rsa') });

export type SshKeyCreate = z.output<typeof sshKeyCreate>;
export type SshKeyUpdate = z.output<typeof sshKeyUpdate>;
