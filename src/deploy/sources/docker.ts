/**
 * The docker source: the image's tag is resolved to a digest at every deploy (Registry HTTP
 * API v2), then pulled by digest (unless the engine has it already) and run by digest, so
 * `:latest` really updates and a deployment always says which image it ran. Credentials live in a per-job docker config,
 * never in the server's own (`docker login` would write root's global config).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { manifestRequest } from '../../docker/registry-manifests.js';
import type { Fetched, JobContext, Source } from '../types.js';
import { normalizeRegistry, parseImageRef, registryHost, type ImageRef } from './image-ref.js';

/** Manifest kinds Docker accepts, multi-platform indexes first: the digest is the one `docker pull` resolves. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface Credentials {
  username: string;
  password: string;
}

export interface ResolveOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The digest the registry serves for `ref`'s tag right now; null when it has no such tag. */
export async function manifestDigest(ref: ImageRef, creds: Credentials | undefined, opts: ResolveOptions = {}): Promise<string | null> {
  const host = registryHost(ref.domain);
  const image = `${ref.name}:${ref.tag}`;
  const fail = (why: string) => new Error(`Could not resolve ${image} on registry ${host}: ${why}`);
  const { res, send } = await manifestRequest(
    {
      host: ref.domain === 'docker.io' ? '' : host,
      repository: ref.repository,
      reference: ref.tag,
      method: 'HEAD',
      accept: MANIFEST_ACCEPT,
      fail,
      missingCredentials: 'it requires credentials; set the username and password of the docker source',
    },
    creds,
    opts,
  );
  if (res.status === 401 || res.status === 403) throw fail(creds ? 'unauthorized: incorrect username or password, or no pull access' : 'unauthorized: the image is private; set the credentials of the docker source');
  if (res.status === 404) return null;
  if (!res.ok) throw fail(`the registry answered HTTP ${res.status}`);
  const digest = res.headers.get('docker-content-digest');
  if (digest && /^sha256:[a-f0-9]{64}$/.test(digest)) return digest;
  // A registry that does not send the header: the digest is the manifest's own hash.
  const body = Buffer.from(await (await send('GET')).arrayBuffer());
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** The digest the registry serves for `ref`'s tag right now. */
export async function resolveDigest(ref: ImageRef, creds: Credentials | undefined, opts: ResolveOptions = {}): Promise<string> {
  const digest = await manifestDigest(ref, creds, opts);
  if (!digest) throw new Error(`Could not resolve ${ref.name}:${ref.tag} on registry ${registryHost(ref.domain)}: no such image or tag`);
  return digest;
}

/** The credentials of the application for `ref`'s registry, if it has some for that one. */
export function credentialsFor(ref: ImageRef, app: { username: string | null; password: string | null; registryUrl: string | null }): Credentials | undefined {
  if (!app.username || !app.password) return undefined;
  const configured = normalizeRegistry(app.registryUrl);
  // No registry URL: the credentials are for the image's own registry.
  return !app.registryUrl || configured === ref.domain ? { username: app.username, password: app.password } : undefined;
}

/** A docker CLI config.json holding only these credentials (pure); Docker Hub's key is its v1 index URL. */
export function dockerConfigJson(ref: ImageRef, creds: Credentials | undefined): string {
  const key = ref.domain === 'docker.io' ? 'https://index.docker.io/v1/' : ref.domain;
  const auths = creds ? { [key]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } } : {};
  return JSON.stringify({ auths });
}

/** `docker --config <dir> pull <name>@<digest>` (pure). */
export const pullCommand = (docker: string, configDir: string, image: string) => [docker, '--config', configDir, 'pull', image];

export interface DockerSourceOptions {
  docker: string;
  fetch?: typeof fetch;
  /** Whether the engine has an image by that reference (the engine's image inspect). */
  imageExists?: (ref: string) => Promise<boolean>;
}

export class DockerSource implements Source {
  constructor(private readonly opts: DockerSourceOptions) {}

  async fetch(ctx: JobContext): Promise<Fetched> {
    const { app } = ctx;
    if (!app.dockerImage) throw new Error('the application has no docker image set');
    const ref = parseImageRef(app.dockerImage);
    const creds = credentialsFor(ref, app);
    if (creds) ctx.log.secret?.(Buffer.from(`${creds.username}:${creds.password}`).toString('base64'));
    let digest = ref.digest;
    if (!digest) {
      ctx.log.line(`Resolving ${ref.name}:${ref.tag}`);
      digest = await resolveDigest(ref, creds, { fetch: this.opts.fetch, signal: ctx.signal });
    }
    const image = `${ref.name}@${digest}`;
    // A digest names one content: if the engine has it, a pull would only ask the registry again.
    if (await this.opts.imageExists?.(image).catch(() => false)) {
      ctx.log.line(`${image} is already on this machine: no pull needed`);
      return { kind: 'image', image };
    }
    ctx.log.line(`Pulling ${image}`);
    // Always a private config: the server's own registry logins never serve an application.
    const configDir = path.join(ctx.workDir, 'docker-config');
    await fs.mkdir(configDir, { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(configDir, 'config.json'), dockerConfigJson(ref, creds), { mode: 0o600 });
    try {
      await ctx.exec(pullCommand(this.opts.docker, configDir, image));
    } finally {
      await fs.rm(configDir, { recursive: true, force: true });
    }
    return { kind: 'image', image };
  }
}
