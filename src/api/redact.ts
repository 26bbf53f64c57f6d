import { maskDotenv } from '../model/dotenv.js';
import type { Caller } from '../model/api-key.js';

/** Only admins may edit env text, so only admins read its values; others see keys. */
export function envFor<T extends { env: string | null }>(caller: Caller, row: T): T {
  return caller.role === 'admin' ? row : { ...row, env: maskDotenv(row.env) as T['env'] };
}
