import { z } from 'zod';

/** The one organization a Berth server serves; Dokploy rows carry its id. */
export const ORGANIZATION_ID = 'berth';

/** A 1+ character id field (the contract's `min(1)`), named in validation errors. */
export const id = () => z.string().min(1).max(64);

/**
 * A value a client may leave empty. Dokploy's CLI requires every flag it knows, so its users
 * (and MCP clients) send "" for what they do not set, and Dokploy takes that as "not set":
 * "" becomes null, and only a non-empty value has to pass `rule`. Other types stay a 400.
 */
export const emptyIsNull = <T extends z.ZodType = z.ZodString>(rule: T = z.string() as unknown as T) =>
  z.preprocess((v) => (v === '' ? null : v), rule.nullable());
export const nullableString = () => emptyIsNull();

/** Search inputs shared by the `*.search` procedures. */
export const pagination = {
  limit: z.number().int().min(1).max(100).default(20),
  offset: z.number().int().min(0).default(0),
};
