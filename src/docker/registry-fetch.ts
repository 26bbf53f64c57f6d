/**
 * How Berth itself talks to registries over HTTPS (tag resolution, logins, manifest
 * deletes): Node's `fetch`, or, when the operator gives registry CAs (BERTH_REGISTRY_CA_FILE),
 * a fetch-shaped client over `node:https` that trusts them beside the usual roots. Node's
 * fetch cannot be given CAs without the `undici` package, and NODE_EXTRA_CA_CERTS is read
 * only when the process starts, so a setting Berth reads itself works however Berth is
 * started and on every Node release it supports.
 */
import fs from 'node:fs';

/** Statuses whose answer never has a body (the Response constructor refuses one). */
const NULL_BODY = new Set([204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** The CAs Node would trust anyway: its bundled roots and NODE_EXTRA_CA_CERTS (an explicit `ca` replaces both). */
function defaultRoots(tls: typeof import('node:tls')): string[] {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  let extraPem: string[] = [];
  try {
    if (extra) extraPem = [fs.readFileSync(extra, 'utf8')];
  } catch {
    // Node itself warns at start about an unreadable NODE_EXTRA_CA_CERTS
  }
  return [...tls.rootCertificates, ...extraPem];
}

/** A fetch for registry calls that also trusts the PEM certificates in `ca`; node:https loads on its first call (only servers with a CA set need it). */
function trustingFetch(ca: string): typeof fetch {
  let loaded: Promise<{ http: typeof import('node:http'); https: typeof import('node:https'); Readable: typeof import('node:stream').Readable; agent: import('node:https').Agent }> | undefined;
  const load = () =>
    (loaded ??= Promise.all([import('node:http'), import('node:https'), import('node:stream'), import('node:tls')]).then(([http, https, stream, tls]) => ({
      http,
      https,
      Readable: stream.Readable,
      agent: new https.Agent({ keepAlive: true, ca: [...defaultRoots(tls), ca] }),
    })));
  const send = async (url: URL, init: RequestInit, hops: number): Promise<Response> => {
    if (init.body != null && typeof init.body !== 'string') throw new TypeError('this registry client sends text bodies only');
    const { http, https, Readable, agent } = await load();
    return new Promise((resolve, reject) => {
      const method = (init.method ?? 'GET').toUpperCase();
      const headers = Object.fromEntries(new Headers(init.headers));
      const secure = url.protocol === 'https:';
      const req = (secure ? https : http).request(url, { method, headers, agent: secure ? agent : undefined, signal: init.signal ?? undefined }, (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (REDIRECTS.has(status) && location && hops < MAX_REDIRECTS) {
          res.resume();
          const next = new URL(location, url);
          // as fetch does: credentials never follow a redirect to another origin
          const { authorization: _dropped, ...rest } = headers;
          resolve(send(next, { ...init, headers: next.origin === url.origin ? headers : rest }, hops + 1));
          return;
        }
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) for (const v of [value ?? []].flat()) out.append(name, v);
        const empty = method === 'HEAD' || NULL_BODY.has(status);
        if (empty) res.resume();
        resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream), { status, statusText: res.statusMessage, headers: out }));
      });
      // the shape fetch rejects with, so callers read `cause` the same way for both
      req.on('error', (err) => reject(init.signal?.aborted ? init.signal.reason : new TypeError('fetch failed', { cause: err })));
      // registry calls send no body, or a text one
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
  };
  return ((input: string | URL | Request, init: RequestInit = {}) => send(new URL(input instanceof Request ? input.url : String(input)), init, 0)) as typeof fetch;
}

const clients = new Map<string, typeof fetch>();

/** The fetch Berth's registry calls use: Node's own, or one trusting `ca` (PEM) too; one client (and its connections) per CA. */
export function registryFetch(ca: string | undefined): typeof fetch {
  if (!ca) return fetch;
  let client = clients.get(ca);
  if (!client) clients.set(ca, (client = trustingFetch(ca)));
  return client;
}

/** OpenSSL's verdicts for a chain that ends in a CA nobody here trusts. */
const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
const OTHER_CERT_PROBLEMS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_REVOKED', 'CERT_SIGNATURE_FAILURE']);

/**
 * Why a registry request got no answer, in words an operator can act on (pure): a
 * certificate problem says so and, when the CA is simply unknown, which setting fixes it.
 */
export function fetchFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const code = e?.cause?.code ?? '';
  const said = e?.cause?.message || code;
  if (UNTRUSTED.has(code)) return `its TLS certificate is not trusted (${said}): give Berth the registry's CA certificate in BERTH_REGISTRY_CA_FILE`;
  if (OTHER_CERT_PROBLEMS.has(code)) return `its TLS certificate is refused (${said})`;
  // Node's fetch refuses the Fetch standard's "bad ports" (e.g. 1, 22, 6000) before connecting.
  if (e?.cause?.message === 'bad port') return 'the port is one HTTP clients refuse to use';
  return said || e?.message || String(err);
}
