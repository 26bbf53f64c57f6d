import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError } from '../model/errors.js';
import { innerServer } from './inner-server.js';

/**
 * The dashboard's page allows scripts, styles and requests of this origin only: no inline
 * script, no other origin, never framed.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Vite's hashed file names: a changed file gets a new name, so a year of caching is safe. */
const HASHED = /^\/assets\//;

/** The built dashboard's own server: precompressed files, and index.html for every page's path. */
async function dashboardServer(webDir: string): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: fastifyStatic }] = await Promise.all([import('fastify'), import('@fastify/static')]);
  const web = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  web.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', DASHBOARD_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
  });
  await web.register(fastifyStatic, {
    root: webDir,
    preCompressed: true,
    index: false,
    wildcard: false,
    cacheControl: false,
    setHeaders: (res, file) => {
      const rel = `/${path.relative(webDir, file).split(path.sep).join('/')}`;
      res.setHeader('cache-control', HASHED.test(rel) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // the page's own paths (/project/…, /application/…) are routes of the dashboard, not files
  web.setNotFoundHandler((req, reply) => {
    if (HASHED.test(req.url)) return reply.code(404).type('text/plain').send('Not found');
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
  await web.ready();
  return web;
}

/**
 * `GET /` and every path outside `/api/`: the dashboard (web/, built into `webDir` by
 * `npm run build`; `npm start` builds it on demand). Public like any static file: it holds
 * no data, and signs in with an API token against the public API.
 */
export function registerDashboard(app: FastifyInstance, webDir: string): void {
  const serve = innerServer(() => dashboardServer(webDir));
  // looked for until found (a build may come after start), then never again
  let built = false;
  app.get('/*', { config: { public: true, staticFiles: true } }, async (req, reply) => {
    const url = req.url.split('?')[0];
    if (url === '/api' || url.startsWith('/api/')) throw new BerthError('NOT_FOUND', `No procedure at GET ${url}`);
    if (!(built ||= fs.existsSync(path.join(webDir, 'index.html'))))
      throw new BerthError('NOT_FOUND', `The dashboard is not built in ${webDir}: run "npm run build" (npm start builds it when missing)`);
    return serve(req, reply);
  });
}
