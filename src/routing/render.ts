import { stringify } from 'yaml';
import type { certificateTypes } from '../model/enums.js';

/**
 * An application's Traefik dynamic configuration, rendered from its rows. Names follow
 * Dokploy's (`<app>-router-<key>`, `<app>-router-websecure-<key>`, `<app>-service-<key>`,
 * `stripprefix-<app>-<key>`, `addprefix-<app>-<key>`, `redirect-<app>-<key>`, `auth-<app>`)
 * so configurations and habits carry over; unlike Dokploy, the middlewares an
 * application uses live in its own file, so deleting that file leaves nothing behind.
 */

/** The columns of a domain that routing reads. */
export interface RoutedDomain {
  uniqueConfigKey: number;
  host: string;
  path: string | null;
  port: number | null;
  https: boolean;
  certificateType: (typeof certificateTypes)[number];
  customCertResolver: string | null;
  customEntrypoint: string | null;
  internalPath: string | null;
  stripPath: boolean;
  middlewares: string[] | null;
  enabled: boolean;
}

export interface RoutedRedirect {
  uniqueConfigKey: number;
  regex: string;
  replacement: string;
  permanent: boolean;
}

/** A basic-auth user as an htpasswd line would hold it: the password already hashed. */
export interface RoutedUser {
  username: string;
  passwordHash: string;
}

export interface RoutingInput {
  appName: string;
  /** The host port of `websecure` (BERTH_HTTPS_PORT), where the HTTP→HTTPS redirect sends clients. */
  httpsPort: number;
  domains: RoutedDomain[];
  redirects: RoutedRedirect[];
  users: RoutedUser[];
}

export interface Router {
  rule: string;
  service: string;
  entryPoints: string[];
  middlewares?: string[];
  tls?: { certResolver?: string };
}

export type Middleware =
  | { redirectScheme: { scheme: 'https'; permanent: true; port?: string } }
  | { stripPrefix: { prefixes: string[] } }
  | { addPrefix: { prefix: string } }
  | { redirectRegex: { regex: string; replacement: string; permanent: boolean } }
  | { basicAuth: { users: string[]; removeHeader: true } };

export interface TraefikConfig {
  http: {
    routers: Record<string, Router>;
    middlewares?: Record<string, Middleware>;
    services: Record<string, { loadBalancer: { servers: { url: string }[]; passHostHeader: true } }>;
  };
}

/** The LetsEncrypt resolver of Berth's Traefik (edge-spec.ts declares it). */
export const DEFAULT_CERT_RESOLVER = 'letsencrypt';
/** Where traffic goes when a domain's port is null (Dokploy's fallback). */
const FALLBACK_PORT = 80;
const DEFAULT_HTTPS_PORT = 443;

/** The middleware of an application's web routers that sends its https domains to websecure. */
export const httpsRedirectName = (appName: string) => `redirect-to-https-${appName}`;

/** Without a port Traefik redirects to 443, which is not where websecure is published when BERTH_HTTPS_PORT moves it. */
export const httpsRedirectPort = (httpsPort: number) => (httpsPort === DEFAULT_HTTPS_PORT ? undefined : String(httpsPort));

const isPrefix = (path: string | null): path is string => !!path && path !== '/';

/**
 * `certificateType: none` still gets a `tls` section: without one a router on
 * `websecure` would speak plain HTTP on port 443 (Dokploy's #3762). Traefik then serves
 * its default certificate, or one the operator put in the dynamic folder.
 */
function tlsOf(d: RoutedDomain): Router['tls'] {
  if (d.certificateType === 'letsencrypt') return { certResolver: DEFAULT_CERT_RESOLVER };
  if (d.certificateType === 'custom' && d.customCertResolver) return { certResolver: d.customCertResolver };
  return {};
}

/** The configuration of the application's enabled domains, or null when it has none (no file then). */
export function renderTraefikConfig({ appName, httpsPort, domains, redirects, users }: RoutingInput): TraefikConfig | null {
  const enabled = domains.filter((d) => d.enabled).sort((a, b) => a.uniqueConfigKey - b.uniqueConfigKey);
  if (enabled.length === 0) return null;

  const routers: Record<string, Router> = {};
  const middlewares: Record<string, Middleware> = {};
  const services: TraefikConfig['http']['services'] = {};

  // Shared by every domain of the application.
  const appMiddlewares: string[] = [];
  for (const r of [...redirects].sort((a, b) => a.uniqueConfigKey - b.uniqueConfigKey)) {
    const name = `redirect-${appName}-${r.uniqueConfigKey}`;
    middlewares[name] = { redirectRegex: { regex: r.regex, replacement: r.replacement, permanent: r.permanent } };
    appMiddlewares.push(name);
  }
  if (users.length > 0) {
    const name = `auth-${appName}`;
    middlewares[name] = { basicAuth: { users: users.map((u) => `${u.username}:${u.passwordHash}`), removeHeader: true } };
    appMiddlewares.push(name);
  }

  for (const d of enabled) {
    const key = d.uniqueConfigKey;
    const service = `${appName}-service-${key}`;
    services[service] = { loadBalancer: { servers: [{ url: `http://${appName}:${d.port ?? FALLBACK_PORT}` }], passHostHeader: true } };

    const rule = isPrefix(d.path) ? `Host(\`${d.host}\`) && PathPrefix(\`${d.path}\`)` : `Host(\`${d.host}\`)`;
    const serving: string[] = [];
    if (d.stripPath && isPrefix(d.path)) {
      const name = `stripprefix-${appName}-${key}`;
      middlewares[name] = { stripPrefix: { prefixes: [d.path] } };
      serving.push(name);
    }
    if (isPrefix(d.internalPath) && d.internalPath !== d.path) {
      const name = `addprefix-${appName}-${key}`;
      middlewares[name] = { addPrefix: { prefix: d.internalPath } };
      serving.push(name);
    }
    serving.push(...appMiddlewares, ...(d.middlewares ?? []));
    const withMiddlewares = (r: Router, names: string[]): Router => (names.length > 0 ? { ...r, middlewares: names } : r);

    if (d.customEntrypoint) {
      routers[`${appName}-router-${key}`] = withMiddlewares(
        { rule, service, entryPoints: [d.customEntrypoint], ...(d.https && { tls: tlsOf(d) }) },
        serving,
      );
    } else if (d.https) {
      const redirect = httpsRedirectName(appName);
      const port = httpsRedirectPort(httpsPort);
      middlewares[redirect] = { redirectScheme: { scheme: 'https', permanent: true, ...(port && { port }) } };
      routers[`${appName}-router-${key}`] = withMiddlewares({ rule, service, entryPoints: ['web'] }, [redirect]);
      routers[`${appName}-router-websecure-${key}`] = withMiddlewares({ rule, service, entryPoints: ['websecure'], tls: tlsOf(d) }, serving);
    } else {
      routers[`${appName}-router-${key}`] = withMiddlewares({ rule, service, entryPoints: ['web'] }, serving);
    }
  }

  return { http: { routers, ...(Object.keys(middlewares).length > 0 && { middlewares }), services } };
}

/** The first line of every file Berth renders: says whose it is and how long an edit lasts. */
export const fileHeader = (appName: string) =>
  `# Berth: routing of application ${appName}. An edit made with application.updateTraefikConfig\n` +
  `# lasts until the application's domains, redirects or basic-auth users change.\n`;

/** The YAML text of the application's file, or null when it should have none. */
export function renderTraefikFile(input: RoutingInput): string | null {
  const config = renderTraefikConfig(input);
  return config && fileHeader(input.appName) + stringify(config, { lineWidth: 0 });
}
