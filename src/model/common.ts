import { z } from 'zod';

/** The one organization a Berth server serves; Dokploy rows carry its id. */
export const ORGANIZATION_ID = 'berth';

/** A 1+ character id field (the contract's `min(1)`), named in validation errors. */
export const id = () => z.string().min(1).max(64);
export const nullableString = () => z.string().nullable();
export const optionalNullableString = () => z.string().nullable().optional();

/** Search inputs shared by the `*.search` procedures. */
export const pagination = {
  limit: z.number().int().min(1).max(100).default(20),
  offset: z.number().int().min(0).default(0),
};
