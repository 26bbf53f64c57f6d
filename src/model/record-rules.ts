import { z } from 'zod';
import { emptyIsNull } from './common.js';
import { BerthError } from './errors.js';

/**
 * A rule that spans several fields of a record: the field it blames and why.
 * Each entity has one function returning its violations; it is checked on create
 * inputs (through zod) and again on the stored row merged with an update (in the
 * store's transaction), so both paths answer 400 naming the field.
 */
export interface Violation {
  field: string;
  message: string;
}

/** Reports violations from a zod `superRefine`. */
export function reportViolations(ctx: z.core.$RefinementCtx, violations: Violation[]): void {
  for (const v of violations) ctx.addIssue({ code: 'custom', path: [v.field], message: v.message });
}

/** Throws the 400 `validate()` would throw for the same violations. */
export function rejectViolations(violations: Violation[]): void {
  if (violations.length === 0) return;
  const summary = violations.map((v) => `${v.field}: ${v.message}`).join('; ');
  throw new BerthError(
    'BAD_REQUEST',
    `Input validation failed: ${summary}`,
    violations.map((v) => ({ path: [v.field], message: v.message, code: 'custom' })),
  );
}

/** An owner field of a service kind Berth does not run (compose, databases): accepted as a key, only null (or ""). */
export const nullOnly = (message = 'Berth runs applications only; leave this field null') =>
  emptyIsNull()
    .optional()
    .refine((v) => v == null, message);
