/**
 * `docker login`'s check without Docker and without a shell: the Registry HTTP API v2
 * handshake. `GET /v2/` answers 401 with a challenge; Basic means "send the credentials
 * again", Bearer means "trade them for a token at the realm first"; 200 with the
 * credentials (or the token) means the login is good.
 */
import { badRequest } from '../model/errors.js';
import { fetchFailure } from './registry-fetch.js';

/** Where `docker login` goes when no registry is named. */
export const DOCKER_HUB = 'registry-1.docker.io';

export interface RegistryLogin {
  /** `hostname[:port]`, or "" for Docker Hub. */
  registryUrl: string;
  username: string;
  password: string;
}

export type ChallengeAnswer =
  | { kind: 'basic'; authorization: string }
  | { kind: 'token'; url: string; authorization: string };

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** The auth-params of a `WWW-Authenticate` header (quoted or bare values). */
function challengeParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of text.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g))
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  return params;
}

/**
 * What to send after a 401 from `/v2/`, as Docker does: the credentials for Basic, or the
 * token request (realm + service + scope + account, credentials attached) for Bearer.
 * Undefined for a scheme a Docker client cannot answer.
 */
export function answerChallenge(header: string | null, login: Pick<RegistryLogin, 'username' | 'password'>): ChallengeAnswer | undefined {
  const m = header && /^\s*([A-Za-z]+)\b(.*)$/s.exec(header);
  if (!m) return undefined;
  const authorization = basic(login.username, login.password);
  const scheme = m[1].toLowerCase();
  if (scheme === 'basic') return { kind: 'basic', authorization };
  if (scheme !== 'bearer') return undefined;
  const { realm, service, scope } = challengeParams(m[2]);
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (service) url.searchParams.set('service', service);
  if (scope) url.searchParams.set('scope', scope);
  url.searchParams.set('account', login.username);
  url.searchParams.set('client_id', 'berth');
  return { kind: 'token', url: url.toString(), authorization };
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/** Origins to try, in order: https always; plain http only on loopback, as Docker allows. */
export function registryOrigins(registryUrl: string): string[] {
  const host = registryUrl || DOCKER_HUB;
  return LOOPBACK.test(host) ? [`https://${host}`, `http://${host}`] : [`https://${host}`];
}

export interface LoginOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * The Authorization header answering a registry's 401 challenge (the credentials for
 * Basic, a token from the realm for Bearer; anonymous token requests for public images).
 * Undefined for Basic without credentials; throws `fail(why)` when it cannot be answered.
 */
export async function authorizationFor(
  challenge: string | null,
  creds: Pick<RegistryLogin, 'username' | 'password'> | undefined,
  fail: (why: string) => Error,
  opts: { fetch: typeof fetch; signal: AbortSignal },
): Promise<string | undefined> {
  const answer = answerChallenge(challenge, creds ?? { username: '', password: '' });
  if (!answer) throw fail('it asks for an authentication scheme Docker clients do not support');
  if (answer.kind === 'basic') return creds ? answer.authorization : undefined;
  const res = await opts.fetch(answer.url, { headers: creds ? { authorization: answer.authorization } : {}, signal: opts.signal });
  if (!res.ok) throw fail(res.status === 401 || res.status === 403 ? 'unauthorized: incorrect username or password' : `its token service answered HTTP ${res.status}`);
  const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw fail('its token service returned no token');
  return `Bearer ${token}`;
}

/** Logs in the way `docker login` would; resolves when it succeeds, throws a 400 saying why otherwise. */
export async function checkRegistryLogin(login: RegistryLogin, opts: LoginOptions = {}): Promise<void> {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const host = login.registryUrl || DOCKER_HUB;
  const failed = (why: string) => badRequest(`Login to registry "${host}" failed: ${why}`);

  /** A fetch whose network failure becomes a 400 naming `what` could not be reached. */
  const reaching =
    (what: string): typeof fetch =>
    async (url, init) => {
      try {
        return await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw badRequest(`Could not reach ${what}: ${fetchFailure(err, timeoutMs)}`);
      }
    };
  const request = (url: string, authorization?: string) => reaching(`registry "${host}"`)(url, { headers: authorization ? { authorization } : {} });
  const status = async (res: Response) => {
    await res.body?.cancel();
    return res.status;
  };

  /** The first origin that answers `/v2/`. */
  const probe = async ([origin, ...rest]: string[]): Promise<{ origin: string; first: Response }> => {
    try {
      return { origin, first: await request(`${origin}/v2/`) };
    } catch (err) {
      if (!rest.length) throw err;
      return probe(rest);
    }
  };
  const { origin, first } = await probe(registryOrigins(login.registryUrl));
  const firstStatus = await status(first);
  if (first.ok) return; // the registry lets anyone in
  if (firstStatus !== 401) throw failed(`GET /v2/ answered HTTP ${firstStatus}; is this a Docker registry?`);

  const authorization = await authorizationFor(first.headers.get('www-authenticate'), login, failed, {
    fetch: reaching(`the token service of registry "${host}"`),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const s = await status(await request(`${origin}/v2/`, authorization));
  if (s < 200 || s >= 300) throw failed(s === 401 || s === 403 ? 'unauthorized: incorrect username or password' : `GET /v2/ answered HTTP ${s}`);
}
