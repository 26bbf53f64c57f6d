/**
 * Manifest requests to a registry's API (Registry HTTP API v2) as Docker makes them: https
 * first, plain http only on loopback, a 401 answered with the credentials (Basic, or a
 * token from the realm) and the request sent again. Used to resolve tags and to delete
 * the manifests of releases Berth no longer keeps.
 */
import { authorizationFor, registryOrigins } from './registry-auth.js';
import { fetchFailure } from './registry-fetch.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RequestOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ManifestRequest {
  /** `host[:port]` serving the API; "" for Docker Hub. */
  host: string;
  repository: string;
  /** A tag or a digest. */
  reference: string;
  method: 'HEAD' | 'GET' | 'DELETE';
  accept?: string;
  /** Why the request failed, as the caller words it. */
  fail(why: string): Error;
  /** What a registry asking for credentials none were given for means to the caller. */
  missingCredentials: string;
}

/** One manifest request, logged in as needed; answers the response, and the origin and authorization that got it (to ask again). */
export async function manifestRequest(
  req: ManifestRequest,
  creds: RegistryCredentials | undefined,
  opts: RequestOptions = {},
): Promise<{ res: Response; send(method: ManifestRequest['method']): Promise<Response> }> {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const signal = () => {
    const t = AbortSignal.timeout(timeoutMs);
    return opts.signal ? AbortSignal.any([opts.signal, t]) : t;
  };
  const request = (origin: string, method: string, authorization?: string) =>
    doFetch(`${origin}/v2/${req.repository}/manifests/${encodeURIComponent(req.reference)}`, {
      method,
      headers: { ...(req.accept ? { accept: req.accept } : {}), ...(authorization ? { authorization } : {}) },
      signal: signal(),
    });

  let origin: string | undefined;
  let res: Response | undefined;
  let unreachable: unknown;
  for (const o of registryOrigins(req.host)) {
    try {
      res = await request(o, req.method);
      origin = o;
      break;
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      unreachable = err;
    }
  }
  if (!res || !origin) throw req.fail(`not reachable (${fetchFailure(unreachable, timeoutMs)})`);
  let authorization: string | undefined;
  if (res.status === 401) {
    await res.body?.cancel();
    authorization = await authorizationFor(res.headers.get('www-authenticate'), creds, req.fail, { fetch: doFetch, signal: signal() });
    if (!authorization) throw req.fail(req.missingCredentials);
    res = await request(origin, req.method, authorization);
  }
  const at = origin;
  return { res, send: (method) => request(at, method, authorization) };
}

export type DeleteOutcome = 'deleted' | 'absent' | 'refused';

/**
 * What a registry's answer to a manifest DELETE means (pure): 202 deleted, 404 already
 * gone, 405 or Distribution's UNSUPPORTED its deletes are off (`storage.delete.enabled`);
 * anything else is an error.
 */
export function deleteOutcome(status: number, body: string): DeleteOutcome | undefined {
  if (status === 202 || status === 200) return 'deleted';
  if (status === 404) return 'absent';
  if (status === 405 || /"code"\s*:\s*"UNSUPPORTED"/.test(body)) return 'refused';
  return undefined;
}

/** Deletes one manifest by its digest (every tag pointing at it goes with it). */
export async function deleteManifest(
  m: { host: string; repository: string; digest: string },
  creds: RegistryCredentials | undefined,
  opts: RequestOptions = {},
): Promise<DeleteOutcome> {
  const fail = (why: string) => new Error(`Could not delete ${m.host}/${m.repository}@${m.digest}: ${why}`);
  const { res } = await manifestRequest({ ...m, reference: m.digest, method: 'DELETE', fail, missingCredentials: 'the registry asks for credentials' }, creds, opts);
  const body = await res.text().catch(() => '');
  const outcome = deleteOutcome(res.status, body);
  if (!outcome) throw fail(`the registry answered HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (no delete access)' : ''}`);
  return outcome;
}
