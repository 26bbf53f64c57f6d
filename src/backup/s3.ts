import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadable } from 'node:stream/web';
import type { Destination } from './destination.js';
import { sha256Of } from './files.js';
import { endpointUrl, parseListPage, s3ErrorText, s3Request, type S3Call, type S3Target } from './s3-request.js';

/** Small calls give up after this long; uploads and downloads run as long as they move. */
const CALL_TIMEOUT_MS = 30_000;

/** An S3-compatible bucket over Node's fetch: PUT, GET, ListObjectsV2, DELETE. */
export class S3Bucket implements Destination {
  constructor(private readonly target: S3Target) {}

  private async send(call: S3Call, body?: Readable, timeout = true): Promise<Response> {
    const req = s3Request(this.target, call);
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: body as unknown as BodyInit | undefined,
        signal: timeout ? AbortSignal.timeout(CALL_TIMEOUT_MS) : undefined,
        ...(body && { duplex: 'half' }),
      } as RequestInit);
    } catch (err) {
      const cause = (err as { cause?: Error }).cause;
      throw new Error(`cannot reach ${endpointUrl(this.target).origin}: ${cause?.message ?? (err as Error).message}`);
    }
    if (!res.ok) throw new Error(`S3 ${call.method} ${call.key ?? this.target.bucket}: ${s3ErrorText(res.status, await res.text())}`);
    return res;
  }

  async put(key: string, file: string): Promise<void> {
    const { size } = await fs.stat(file);
    const res = await this.send({ method: 'PUT', key, payloadSha256: await sha256Of(file), headers: { 'Content-Length': String(size) } }, createReadStream(file), false);
    await res.arrayBuffer();
  }

  async get(key: string): Promise<Readable> {
    const res = await this.send({ method: 'GET', key }, undefined, false);
    return Readable.fromWeb(res.body as WebReadable<Uint8Array>);
  }

  async list(folder: string) {
    const prefix = folder ? `${folder.replace(/\/+$/, '')}/` : '';
    const files: { key: string; size: number }[] = [];
    const folders: string[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', delimiter: '/', prefix, ...(token && { 'continuation-token': token }) };
      const page = parseListPage(await (await this.send({ method: 'GET', query })).text());
      files.push(...page.objects.filter((o) => o.key !== prefix));
      folders.push(...page.folders);
      token = page.nextToken;
    } while (token);
    return { files, folders };
  }

  async remove(key: string): Promise<void> {
    await (await this.send({ method: 'DELETE', key })).arrayBuffer();
  }
}
