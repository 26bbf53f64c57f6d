import type { Config } from '../config.js';
import { BerthError } from '../model/errors.js';
import { listTraefikFiles, readTraefikFile, removeTraefikFile, writeTraefikFile } from './files.js';
import { cachedHash, prepareHashes } from './htpasswd.js';
import { followHttpsPort } from './https-port.js';
import { fileHeader, renderTraefikFile, type RoutedDomain, type RoutedRedirect } from './render.js';

/** What an application's file is rendered from (the store's `routing` reads). */
export interface RoutingSource {
  rowsOf(applicationId: string): {
    appName: string;
    domains: RoutedDomain[];
    redirects: RoutedRedirect[];
    users: { username: string; password: string }[];
  };
  applications(): { applicationId: string; appName: string }[];
  /** Services of previews: their files are kept at start. */
  previewAppNames(): string[];
}

/** The settings a file depends on beyond the rows: where it goes, and the HTTPS port its redirect names. */
export type RoutingConfig = Pick<Config, 'dataDir'> & { edge: Pick<Config['edge'], 'httpsPort'> };

const MAX_ATTEMPTS = 5;

/**
 * Brings the application's file in line with its rows: rewritten, or removed when no
 * domain of it is enabled. Hashing is asynchronous, but the read of the rows and the
 * write happen in one synchronous step, so concurrent changes cannot leave an older
 * render on disk, and a render never brings back the file of a deleted application.
 */
export async function syncTraefikFile(config: RoutingConfig, source: RoutingSource, applicationId: string): Promise<void> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    await prepareHashes(source.rowsOf(applicationId).users);
    if (writeIfHashed(config, source, applicationId)) return;
  }
  throw new BerthError('INTERNAL_SERVER_ERROR', 'The basic-auth users changed while the routing file was being written; retry');
}

function writeIfHashed({ dataDir, edge }: RoutingConfig, source: RoutingSource, applicationId: string): boolean {
  const { appName, domains, redirects, users } = source.rowsOf(applicationId);
  const hashed = users.map((u) => ({ username: u.username, passwordHash: cachedHash(u.username, u.password) }));
  if (hashed.some((u) => u.passwordHash === undefined)) return false;
  const text = renderTraefikFile({ appName, httpsPort: edge.httpsPort, domains, redirects, users: hashed as { username: string; passwordHash: string }[] });
  if (text === null) removeTraefikFile(dataDir, appName);
  else if (readTraefikFile(dataDir, appName) !== text) writeTraefikFile(dataDir, appName, text);
  return true;
}

/** A preview's file: its one domain to its own service (no redirects or basic auth of the application). */
export function writePreviewFile({ dataDir, edge }: RoutingConfig, appName: string, domain: RoutedDomain): void {
  const text = renderTraefikFile({ appName, httpsPort: edge.httpsPort, domains: [domain], redirects: [], users: [] });
  if (text === null) removeTraefikFile(dataDir, appName);
  else writeTraefikFile(dataDir, appName, text);
}

/**
 * At start: files Berth rendered for applications that no longer exist are removed, and
 * applications with enabled domains but no file get one (a crash between a change and its
 * write). Existing files are left as they are, so an operator's edit survives a restart,
 * except for the port of their HTTP→HTTPS redirect when BERTH_HTTPS_PORT changed.
 */
export async function reconcileTraefikFiles(config: RoutingConfig, source: RoutingSource, warn: (message: string) => void): Promise<void> {
  const { dataDir } = config;
  followHttpsPort(dataDir, config.edge.httpsPort);
  const apps = source.applications();
  const known = new Set([...apps.map((a) => a.appName), ...source.previewAppNames()]);
  const files = listTraefikFiles(dataDir);
  for (const f of files) {
    if (!known.has(f.appName) && f.firstLine === fileHeader(f.appName).split('\n', 1)[0]) removeTraefikFile(dataDir, f.appName);
  }
  const present = new Set(files.map((f) => f.appName));
  for (const app of apps.filter((a) => !present.has(a.appName))) {
    try {
      await syncTraefikFile(config, source, app.applicationId);
    } catch (err) {
      // deleted meanwhile, or a disk error that the next change will report to its caller
      if (!(err instanceof BerthError && err.code === 'NOT_FOUND')) warn(`could not write the Traefik file of ${app.appName}: ${(err as Error).message}`);
    }
  }
}
