import { maskDotenv, maskSecret } from '../model/dotenv.js';
import type { Caller } from '../model/api-key.js';

/** The application columns holding dotenv text: values for admins (who may edit them), keys for others. */
const dotenvColumns = ['env', 'buildArgs', 'buildSecrets', 'previewEnv', 'previewBuildArgs', 'previewBuildSecrets'] as const;

type Secrets = Record<(typeof dotenvColumns)[number] | 'password', string | null>;

/**
 * Turns an application fresh from the store into what `caller` may see, in place (copying
 * a hundred columns per read would cost more than the read). The docker-source password
 * is never returned, only whether it is set; env-like texts keep their keys for non-admins.
 */
export function redactApplication<T extends Secrets>(caller: Caller, app: T): T {
  app.password = maskSecret(app.password);
  if (caller.role !== 'admin') for (const k of dotenvColumns) app[k] = maskDotenv(app[k]);
  return app;
}
