/**
 * Docker image references (`nginx:1.27`, `ghcr.io/o/app`, `127.0.0.1:5000/x/y@sha256:…`)
 * parsed the way Docker does (pure): which registry, which repository, which tag.
 */
import { DOCKER_HUB } from '../../docker/registry-auth.js';

export interface ImageRef {
  /** The name as written, without tag or digest: what `<name>@<digest>` is built from. */
  name: string;
  /** `host[:port]`; `docker.io` for Docker Hub. */
  domain: string;
  /** The path on the registry (`library/nginx` for the official `nginx`). */
  repository: string;
  tag: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseImageRef(ref: string): ImageRef {
  const invalid = (why: string) => new Error(`invalid image reference "${ref}": ${why}`);
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid('the digest must be sha256:<64 hex digits>');
  }
  let tag = 'latest';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`bad tag "${tag}"`);
  }
  const name = rest;
  const parts = name.split('/');
  // The first part is a registry when it looks like a host: a dot, a port, or localhost.
  const hasDomain = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost');
  const domain = hasDomain ? parts.shift()! : 'docker.io';
  if (!parts.length || !parts.every((p) => COMPONENT.test(p))) throw invalid('a repository name has lowercase letters, digits and separators');
  const repository = domain === 'docker.io' && parts.length === 1 ? `library/${parts[0]}` : parts.join('/');
  return { name, domain, repository, tag, ...(digest ? { digest } : {}) };
}

/** The host serving a registry's API (Docker Hub's differs from its name). */
export const registryHost = (domain: string) => (domain === 'docker.io' ? DOCKER_HUB : domain);

const HUB_ALIASES = new Set(['', 'docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** `https://index.docker.io/v1/` → `docker.io`; `127.0.0.1:5000/` → `127.0.0.1:5000`. */
export function normalizeRegistry(registryUrl: string | null | undefined): string {
  const host = (registryUrl ?? '').trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return HUB_ALIASES.has(host) ? 'docker.io' : host;
}
