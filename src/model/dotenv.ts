import { parse } from 'dotenv';

/** Parses dotenv text (`KEY=value` lines, `#` comments, quoted multi-line values). */
export function parseDotenv(text: string | null | undefined): Record<string, string> {
  return text ? parse(text) : {};
}

export const MASK = '********';

/**
 * Dotenv text as a caller without edit rights sees it: every key, no value.
 * Keys tell an operator what is configured; values may be secrets.
 */
export function maskDotenv(text: string | null): string | null {
  if (text === null) return null;
  return Object.keys(parseDotenv(text))
    .map((k) => `${k}=${MASK}`)
    .join('\n');
}

/** A secret never returned by the API: only whether it is set. */
export function maskSecret(value: string | null | undefined): string | null {
  return value ? MASK : (value ?? null);
}
