import { MASK, maskSecret } from './dotenv.js';

/** A row as the API returns it: each named secret column replaced by the mask (null stays null). */
export function maskColumns<T extends object>(row: T, columns: readonly (keyof T)[]): T {
  const out = { ...row };
  for (const c of columns) out[c] = maskSecret(out[c] as string | null) as T[typeof c];
  return out;
}

/**
 * Clients that edit what they read send the mask back: that means "keep the stored
 * secret", never "store these eight asterisks".
 */
export const unlessMasked = <T>(value: T): T | undefined => (value === MASK ? undefined : value);
