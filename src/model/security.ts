import { z } from 'zod';
import { id } from './common.js';
import { templateSafe } from './traefik-text.js';

/** Basic-auth users end up as `user:hash` lines: a colon or a control character would break the line. */
const username = templateSafe(
  z
    .string()
    .min(1)
    .regex(/^[^:\p{Cc}]+$/u, 'must not contain ":" or control characters'),
);

const securityFields = { username, password: z.string().min(1) };

export const securityCreate = z.object({ applicationId: id(), ...securityFields });
export const securityUpdate = z.object({ securityId: id(), ...securityFields });
export const securityId = z.object({ securityId: id() });

export type SecurityCreate = z.output<typeof securityCreate>;
export type SecurityUpdate = z.output<typeof securityUpdate>;
