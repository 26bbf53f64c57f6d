import { z } from 'zod';

import { apiKeyRoles as roles } from "./enums.js";

export const apiKeyCreate = z.object({
  name: z.string().min(1).max(32),
  metadata: z.object({ organizationId: z.string() }).optional(),
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
