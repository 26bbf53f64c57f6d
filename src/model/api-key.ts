import { z } from 'zod';
import { ORGANIZATION_ID } from './common.js';
import { apiKeyRoles as roles } from './enums.js';

export const apiKeyCreate = z.object({
  name: z.string().min(1).max(32),
  // Dokploy binds a key to an organization the caller belongs to; Berth serves exactly one.
  metadata: z.object({
    organizationId: z.literal(ORGANIZATION_ID, { error: `Berth's organization id is "${ORGANIZATION_ID}" (see user.get)` }),
  }),
  prefix: z.string().max(32).optional(),
  expiresIn: z.number().int().positive().nullable().optional(),
  // Berth's addition: what the token may do. Keys made by Dokploy clients act as their admin user.
  role: z.enum(roles).default('admin'),
  // Dokploy's per-key limits and quotas: accepted for compatibility; Berth's server-wide limit applies.
  rateLimitEnabled: z.boolean().optional(),
  rateLimitTimeWindow: z.number().optional(),
  rateLimitMax: z.number().optional(),
  remaining: z.number().nullable().optional(),
  refillAmount: z.number().optional(),
  refillInterval: z.number().optional(),
});

export const apiKeyId = z.object({ apiKeyId: z.string().min(1) });

export type Role = (typeof roles)[number];

/** Who calls: the token a request authenticated with. */
export interface Caller {
  tokenId: string;
  name: string;
  role: Role;
}
