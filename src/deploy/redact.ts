import { secretDotenvColumns, secretValueColumns, type SecretColumn } from '../model/application-secrets.js';
import { parseDotenv } from '../model/dotenv.js';
import type { ApplicationRow } from '../store/schema.js';
import { Redactor } from '../secrets/redact.js';


/**
 * What a deployment log of `app` must never show: every value of its env, build args and
 * build secrets, its docker-source password and webhook secret, and `extra` (registry passwords, git tokens,
 * SSH private keys, provider secrets: what the pipeline read besides the application row).
 */
export function redactorFor(app: Pick<ApplicationRow, SecretColumn>, extra: (string | null | undefined)[] = []): Redactor {
  const values = secretDotenvColumns.flatMap((c) => Object.values(parseDotenv(app[c])));
  return new Redactor([...values, ...secretValueColumns.map((c) => app[c]), ...extra]);
}
