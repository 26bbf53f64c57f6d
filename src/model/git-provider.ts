import { z } from 'zod';
import { id } from './common.js';
import type { gitProviderTypes } from './enums.js';
import { maskColumns, unlessMasked } from './masking.js';
import { normalizePrivateKey } from './ssh-key.js';

export type GitProviderType = (typeof gitProviderTypes)[number];

/** Columns holding credentials: encrypted at rest, masked in every answer. */
export const secretColumns = {
  github: ['githubClientSecret', 'githubPrivateKey', 'githubWebhookSecret'],
  gitlab: ['secret', 'accessToken', 'refreshToken'],
  bitbucket: ['appPassword', 'apiToken'],
  gitea: ['clientSecret', 'accessToken', 'refreshToken'],
} as const satisfies Record<GitProviderType, readonly string[]>;

/** A provider row as the API answers it: credentials masked. */
export const maskProvider = <T extends object>(kind: GitProviderType, row: T): T =>
  maskColumns(row, secretColumns[kind] as readonly string[] as (keyof T)[]);

/** Update values with every credential sent back as the mask dropped, so the stored one stays. */
export function withoutMasks<T extends object>(kind: GitProviderType, values: T): T {
  const out = { ...values } as Record<string, unknown>;
  for (const c of secretColumns[kind]) if (c in out) out[c] = unlessMasked(out[c]);
  return out as T;
}

const name = z.string().min(1).max(255);
const text = () => z.string().max(4096).optional();
const httpUrl = z.url({ protocol: /^https?$/, error: 'Expected an http(s) URL' }).max(2048);
/** Optional URLs: forms send "" for a field left blank. */
const optionalUrl = () => z.union([z.literal(''), httpUrl]);

// ---- gitProvider ------------------------------------------------------------------

export const gitProviderId = z.object({ gitProviderId: id() });
export const gitProviderToggleShare = z.object({ gitProviderId: id(), sharedWithOrganization: z.boolean() });

// ---- github -----------------------------------------------------------------------

export const githubId = z.object({ githubId: id() });

export const githubUpdate = z.object({ githubId: id(), name, gitProviderId: id(), githubAppName: z.string().min(1).max(255) });

const GITHUB_APP_KEY = /^-----BEGIN (RSA )?PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END \1PRIVATE KEY-----\n$/;

/** Berth's extension: GitHub App credentials as GitHub shows them, without the manifest redirect flow. */
export const githubCreate = z.object({
  name,
  githubAppName: text(),
  githubAppId: z.number().int().positive().optional(),
  githubClientId: text(),
  githubClientSecret: text(),
  githubInstallationId: z.string().regex(/^\d{1,20}$/, 'Expected the numeric installation id').optional(),
  githubPrivateKey: z
    .string()
    .max(16384)
    .transform(normalizePrivateKey)
    .pipe(z.string().regex(GITHUB_APP_KEY, 'Expected the App\'s PEM "RSA PRIVATE KEY" or "PRIVATE KEY" block'))
    .optional(),
  githubWebhookSecret: text(),
  githubUrl: httpUrl.optional(),
});

// ---- gitlab -----------------------------------------------------------------------

export const gitlabId = z.object({ gitlabId: id() });

const gitlabFields = {
  name,
  gitlabUrl: httpUrl,
  applicationId: text(),
  secret: text(),
  groupName: text(),
  redirectUri: optionalUrl().optional(),
  gitlabInternalUrl: optionalUrl().nullable().optional(),
};

export const gitlabCreate = z.object({
  ...gitlabFields,
  // Required by the contract for the OAuth flow; not stored.
  authId: z.string().min(1),
  // Accepted for compatibility; Berth makes its own ids.
  gitProviderId: z.string().optional(),
});

export const gitlabUpdate = z.object({ gitlabId: id(), gitProviderId: id(), ...gitlabFields });

// ---- bitbucket --------------------------------------------------------------------

export const bitbucketId = z.object({ bitbucketId: id() });

const bitbucketFields = {
  name,
  bitbucketUsername: text(),
  bitbucketEmail: z.email().max(255).optional(),
  appPassword: text(),
  apiToken: text(),
  bitbucketWorkspaceName: text(),
};

export const bitbucketCreate = z.object({
  ...bitbucketFields,
  authId: z.string().min(1),
  gitProviderId: z.string().optional(),
  bitbucketId: z.string().optional(),
});

export const bitbucketUpdate = z.object({
  bitbucketId: id(),
  gitProviderId: id(),
  ...bitbucketFields,
  organizationId: z.string().optional(),
});

// ---- gitea ------------------------------------------------------------------------

export const giteaId = z.object({ giteaId: id() });

const giteaFields = {
  name,
  giteaUrl: httpUrl,
  giteaInternalUrl: optionalUrl().nullable().optional(),
  redirectUri: optionalUrl().optional(),
  clientId: text(),
  clientSecret: text(),
  accessToken: text(),
  refreshToken: text(),
  expiresAt: z.number().int().nonnegative().optional(),
  scopes: text(),
  lastAuthenticatedAt: z.number().int().nonnegative().optional(),
  // Used by Dokploy's UI during the OAuth flow; not stored.
  giteaUsername: text(),
  organizationName: text(),
};

export const giteaCreate = z.object({ ...giteaFields, gitProviderId: z.string().optional(), giteaId: z.string().optional() });

export const giteaUpdate = z.object({ ...giteaFields, giteaId: id(), gitProviderId: id() });

// ---- "configured" and the redacted summaries of gitProvider.getAll -----------------

interface GithubCreds { githubAppId: number | null; githubPrivateKey: string | null; githubInstallationId: string | null }
interface TokenCreds { accessToken: string | null; refreshToken: string | null }
interface BitbucketCreds { bitbucketUsername: string | null; bitbucketEmail: string | null; appPassword: string | null; apiToken: string | null }

/** A provider is usable (listed by `*Providers`) once its credentials are complete. */
export const isConfigured = {
  github: (r: GithubCreds) => !!(r.githubAppId && r.githubPrivateKey && r.githubInstallationId),
  gitlab: (r: TokenCreds) => !!(r.accessToken && r.refreshToken),
  bitbucket: (r: BitbucketCreds) => !!((r.bitbucketUsername || r.bitbucketEmail) && (r.apiToken || r.appPassword)),
  gitea: (r: TokenCreds) => !!(r.accessToken && r.refreshToken),
};
