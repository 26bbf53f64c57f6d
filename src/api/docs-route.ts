import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BerthError } from '../model/errors.js';
import { innerServer } from './inner-server.js';

/** Where the page, its initializer and Swagger UI's files are served. */
export const DOCS_PATH = '/api/docs';
/** Swagger UI files the page loads; no other file of the package is served. */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);
/** Berth's initializer of Swagger UI (the package's own points at a petstore). */
const INITIALIZER = 'berth-docs.js';

// Scripts only from files (no inline script); Swagger UI sets inline styles and shows data: images.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Berth API</title>
<link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/${INITIALIZER}"></script>
</body>
</html>
`;

// Swagger UI's own index carries this inline; as a file it passes the CSP above.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayOperationId: true,
  tryItOutEnabled: false,
});
`;

/**
 * The docs' own Fastify instance, with @fastify/static over the swagger-ui-dist package. Built
 * on the first request: an idle server loads neither. The package is found through Node's
 * resolution from this file, so it works from `src/` (tsx) and from the `dist/` bundle alike.
 */
async function docsServer(): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: fastifyStatic }] = await Promise.all([import('fastify'), import('@fastify/static')]);
  const root = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const docs = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  const html = (body: string, type: string) => async (_: FastifyRequest, reply: FastifyReply) =>
    reply.type(type).header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').send(body);
  docs.get(DOCS_PATH, html(PAGE, 'text/html; charset=utf-8'));
  docs.get(`${DOCS_PATH}/${INITIALIZER}`, html(INIT, 'text/javascript; charset=utf-8'));
  await docs.register(fastifyStatic, { root, prefix: `${DOCS_PATH}/`, allowedPath: (p) => ASSETS.has(p.slice(1)), maxAge: '1d', index: false });
  await docs.ready();
  return docs;
}

/**
 * `GET /api/docs`: the interactive API reference (Swagger UI) over `/api/openapi.json`,
 * readable without a token, every asset served from the installed package (no CDN: the
 * server may be offline). Rate-limited like every public route.
 */
export function registerDocsRoutes(app: FastifyInstance): void {
  const docs = innerServer(docsServer);
  // One route for the page and its files; the docs server answers what this one lets through.
  app.get(`${DOCS_PATH}*`, { config: { public: true }, exposeHeadRoute: false }, async (req, reply) => {
    const rest = (req.params as { '*': string })['*'];
    const file = rest.replace(/^\//, '');
    if (!(rest === '' || rest === '/' || (rest.startsWith('/') && (file === INITIALIZER || ASSETS.has(file)))))
      throw new BerthError('NOT_FOUND', `No procedure or file at GET ${DOCS_PATH}${rest}`);
    return docs(req, reply);
  });
}
