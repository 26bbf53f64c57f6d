import aws4 from 'aws4';

/** An S3-compatible bucket and the credentials to reach it. */
export interface S3Target {
  /** `http(s)://host[:port]`; empty: AWS's endpoint for the region. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretAccessKey: string;
}

export interface S3Call {
  method: 'GET' | 'PUT' | 'DELETE' | 'HEAD';
  /** The object's key; absent for bucket-level calls (ListObjectsV2). */
  key?: string;
  query?: Record<string, string>;
  /** sha256 (hex) of the body: signed, so a body altered on the way is refused. Empty body: not needed. */
  payloadSha256?: string;
  headers?: Record<string, string>;
}

export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The base URL of an endpoint (a bare host means https). */
export function endpointUrl(t: Pick<S3Target, 'endpoint' | 'region'>): URL {
  const raw = t.endpoint.trim() || `https://s3.${t.region || 'us-east-1'}.amazonaws.com`;
  return new URL(/^https?:\/\//i.test(raw) ? raw : `https://${raw}`);
}

const encodeSegment = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * One S3 request, path-style (`<endpoint>/<bucket>/<key>`, which MinIO, s3rver, R2 and AWS all
 * take), signed with AWS Signature v4 (pure but for the clock, which `now` replaces in tests).
 */
export function s3Request(t: S3Target, call: S3Call, now?: Date): SignedRequest {
  const base = endpointUrl(t);
  const basePath = base.pathname.replace(/\/+$/, '');
  const objectPath = [t.bucket, ...(call.key === undefined ? [] : call.key.split('/'))].map(encodeSegment).join('/');
  const query = call.query && Object.keys(call.query).length ? `?${new URLSearchParams(Object.entries(call.query).sort(([a], [b]) => a.localeCompare(b))).toString().replace(/\+/g, '%20')}` : '';
  const headers: Record<string, string> = { ...call.headers, 'X-Amz-Content-Sha256': call.payloadSha256 ?? EMPTY_SHA256 };
  if (now) headers['X-Amz-Date'] = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const signed = aws4.sign(
    { host: base.host, path: `${basePath}/${objectPath}${query}`, method: call.method, service: 's3', region: t.region || 'us-east-1', headers },
    { accessKeyId: t.accessKey, secretAccessKey: t.secretAccessKey },
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers ?? {})) if (k.toLowerCase() !== 'host') out[k] = String(v);
  return { method: call.method, url: `${base.protocol}//${base.host}${signed.path}`, headers: out };
}

const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&');
const tag = (xml: string, name: string) => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1]) : undefined;
};
const blocks = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]);

export interface ListPage {
  objects: { key: string; size: number }[];
  folders: string[];
  nextToken?: string;
}

/** One page of a ListObjectsV2 answer. */
export function parseListPage(xml: string): ListPage {
  return {
    objects: blocks(xml, 'Contents').map((c) => ({ key: tag(c, 'Key') ?? '', size: Number(tag(c, 'Size') ?? 0) })),
    folders: blocks(xml, 'CommonPrefixes').map((c) => tag(c, 'Prefix') ?? ''),
    nextToken: tag(xml, 'IsTruncated') === 'true' ? tag(xml, 'NextContinuationToken') : undefined,
  };
}

/** The provider's own words from an S3 error answer, e.g. "NoSuchBucket: The specified bucket does not exist". */
export function s3ErrorText(status: number, body: string): string {
  const code = tag(body, 'Code');
  const message = tag(body, 'Message');
  return code || message ? [code, message].filter(Boolean).join(': ') : `HTTP ${status}${body.trim() ? ` ${body.trim().slice(0, 200)}` : ''}`;
}
