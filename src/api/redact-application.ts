import { secretDotenvColumns, secretValueColumns, type SecretColumn } from '../model/application-secrets.js';
import { maskDotenv, maskSecret } from '../model/dotenv.js';
import type { Caller } from '../model/api-key.js';

type Secrets = Record<SecretColumn, string | null>;

/**
 * Turns an application fresh from the store into what `caller` may see, in place (copying
 * a hundred columns per read would cost more than the read). The docker-source password
 * and the webhook secret are never returned, only whether they are set; the dotenv texts show
 * their values to admins (who may edit them) and only their keys to others.
 */
export function redactApplication<T extends Secrets>(caller: Caller, app: T): T {
  for (const k of secretValueColumns) app[k] = maskSecret(app[k]);
  if (caller.role !== 'admin') for (const k of secretDotenvColumns) app[k] = maskDotenv(app[k]);
  return app;
}
