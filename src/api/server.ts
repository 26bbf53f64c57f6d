import type { Schedules } from '../schedule/index.js';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Deployer } from '../deploy/deployer.js';
import type { EdgeStatus } from '../docker/edge.js';
import type { Backups } from '../backup/index.js';
import type { Cleanup } from '../cleanup/index.js';
import type { Cluster } from '../cluster/index.js';
import type { Containers } from '../docker/containers.js';
import { BerthError } from '../model/errors.js';
import { hashToken } from '../secrets/tokens.js';
import type { Store } from '../store/index.js';
import { restErrorBody, toBerthError, trpcErrorBody } from './error-body.js';
import { fromCliText, fromQuery, validate } from './input.js';
import { registerDeploymentRoutes } from './deployment-routes.js';
import { registerMetricsRoute } from './metrics-route.js';
import { registerApplicationLogStream } from './application-log-stream.js';
import { registerEventStream } from './event-stream.js';
import { registerWebhookRoutes } from './webhook-routes.js';
import type { buildOpenApi } from './openapi.js';
import { registerDocsRoutes } from './docs-route.js';
import type { Caller } from '../model/api-key.js';
import type { Notify } from '../model/events.js';
import { mayCall, type Context, type Procedure } from './procedure.js';
import { RateLimiter } from './rate-limit.js';
import { registerDashboard } from './dashboard.js';
import { ResponseCache } from './response-cache.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyContextConfig {
    public?: boolean;
    /** Static files (the dashboard's): rate-limited in a bucket of their own, apart from the API's. */
    staticFiles?: boolean;
  }
}

export interface ServerDeps {
  store: Store;
  config: Config;
  procedures: Procedure[];
  version: string;
  deploy: Deployer;
  containers: Containers;
  cluster: Cluster;
  backups: Backups;
  cleanup: Cleanup;
  /** The scheduler of `schedule.*` (loaded on first use). */
  schedules: Schedules;
  notify: Notify;
  /** How the edge (Traefik) is doing, for the health answer. */
  edge?: () => EdgeStatus;
}

const TRPC_PREFIX = '/api/trpc/';

export function presentedToken(req: FastifyRequest): string | undefined {
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key) return key;
  const auth = req.headers.authorization;
  if (auth && auth.startsWith('Bearer ')) return auth.slice(7).trim() || undefined;
  return undefined;
}

/** tRPC clients may wrap the input as `{"json": input}` (superjson); plain input is accepted too. */
function unwrapTrpc(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'json' in value) {
    const keys = Object.keys(value);
    if (keys.every((k) => k === 'json' || k === 'meta')) return (value as { json: unknown }).json;
  }
  return value;
}

function trpcQueryInput(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    return unwrapTrpc(JSON.parse(raw));
  } catch {
    throw new BerthError('PARSE_ERROR', 'The "input" query parameter is not valid JSON');
  }
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { store, config } = deps;
  const app = Fastify({
    logger: { level: config.logLevel },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    // Dokploy paths carry dots; keep them as one segment.
    routerOptions: { ignoreTrailingSlash: true },
  });
  // Mutations take JSON only (415 otherwise), as Dokploy does.
  app.removeContentTypeParser('text/plain');
  const limiter = new RateLimiter(config.rateLimit);

  const isTrpc = (req: FastifyRequest) => req.url.startsWith(TRPC_PREFIX);
  const procPath = (req: FastifyRequest) => {
    const url = req.url.split('?')[0];
    return url.startsWith(TRPC_PREFIX) ? url.slice(TRPC_PREFIX.length) : url.replace(/^\/api\//, '');
  };

  app.setErrorHandler((err, req, reply) => {
    const e = toBerthError(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    sendError(req, reply, e);
  });
  app.setNotFoundHandler((req, reply) => {
    sendError(req, reply, new BerthError('NOT_FOUND', `No procedure at ${req.method} ${req.url.split('?')[0]}`));
  });

  function sendError(req: FastifyRequest, reply: FastifyReply, e: BerthError) {
    const body = isTrpc(req) ? trpcErrorBody(e, procPath(req)) : restErrorBody(e, procPath(req));
    reply.code(e.status).type('application/json').send(body);
  }

  // Rate limit first (per token, else per IP; static files apart), then authentication.
  // A stream counts once, when it opens.
  app.addHook('onRequest', async (req, reply) => {
    const isPublic = req.routeOptions.config?.public === true;
    let caller: Caller | undefined;
    if (!isPublic) {
      const token = presentedToken(req);
      caller = token ? store.apiKeys.verify(hashToken(token)) : undefined;
    }
    const key = req.routeOptions.config?.staticFiles ? `static:${req.ip}` : caller ? `token:${caller.tokenId}` : `ip:${req.ip}`;
    const wait = limiter.hit(key);
    if (wait > 0) {
      reply.header('Retry-After', String(wait));
      throw new BerthError('TOO_MANY_REQUESTS', `Rate limit exceeded; retry in ${wait} s`);
    }
    if (isPublic) return;
    if (!caller) throw new BerthError('UNAUTHORIZED', 'Unauthorized: send a valid token as "x-api-key" or "Authorization: Bearer"');
    req.caller = caller;
  });

  app.get('/api/health', { config: { public: true } }, async () => ({ status: 'ok', version: deps.version, ...(deps.edge && { edge: deps.edge() }) }));

  // Built (and its module loaded) on first request: most servers never serve it, and start-up
  // stays short. Public, as /api/docs reads it: it describes the API every Berth serves, and
  // no data of this one.
  let openApi: ReturnType<typeof buildOpenApi> | undefined;
  app.get('/api/openapi.json', { config: { public: true } }, async () => (openApi ??= (await import('./openapi.js')).buildOpenApi(deps.procedures, deps.version)));
  registerDocsRoutes(app);
  registerDashboard(app, config.webDir);

  const byName = new Map(deps.procedures.map((p) => [p.name, p]));
  const cache = new ResponseCache(() => store.dataVersion());

  /** Runs a procedure and returns its answer serialized (undefined when it answers nothing). */
  const run = async (method: string, name: string, rawInput: (proc: Procedure) => unknown, caller: Caller) => {
    const proc = byName.get(name);
    if (!proc || (proc.kind === 'query') !== (method === 'GET'))
      throw new BerthError('NOT_FOUND', `No procedure at ${method} ${name}`);
    if (!mayCall(caller.role, proc.access)) throw new BerthError('FORBIDDEN', `A ${caller.role} token may not call ${proc.name}`);
    const input = validate(proc.input, rawInput(proc));
    const ctx: Context = { store, config, caller, deploy: deps.deploy, containers: deps.containers, cluster: deps.cluster, backups: deps.backups, cleanup: deps.cleanup, schedules: deps.schedules, notify: deps.notify };
    const key = proc.cached ? `${proc.name}|${caller.role}|${JSON.stringify(input)}` : undefined;
    let body = key ? cache.get(key) : undefined;
    if (body === undefined) {
      const result = await proc.handler(input, ctx);
      body = result === undefined ? undefined : JSON.stringify(result);
      if (key && body !== undefined) cache.set(key, body);
    }
    // spliced into the serialized object: the cached part is not parsed again
    if (proc.live && body?.startsWith('{') && body !== '{}') body = `${body.slice(0, -1)},${JSON.stringify(await proc.live(input, ctx)).slice(1)}`;
    return body;
  };

  registerMetricsRoute(app, deps);
  await registerDeploymentRoutes(app, deps);
  registerApplicationLogStream(app, deps);
  registerEventStream(app, deps);
  await registerWebhookRoutes(app, deps);

  // One route per transport and method: the procedure table is looked up by name.
  app.route({
    method: ['GET', 'POST'],
    url: '/api/:proc',
    handler: async (req, reply) => {
      const { proc } = req.params as { proc: string };
      const body = await run(req.method, proc, (p) => (req.method === 'GET' ? fromQuery(p.input, req.query as Record<string, string>) : req.body), req.caller!);
      return reply.type('application/json').send(body ?? '');
    },
  });
  app.route({
    method: ['GET', 'POST'],
    url: `${TRPC_PREFIX}:proc`,
    handler: async (req, reply) => {
      const { proc } = req.params as { proc: string };
      const body = await run(req.method, proc, (p) => fromCliText(p.input, req.method === 'GET' ? trpcQueryInput((req.query as Record<string, unknown>).input) : unwrapTrpc(req.body)), req.caller!);
      const data = body === undefined ? '{"json":null,"meta":{"values":["undefined"]}}' : `{"json":${body}}`;
      return reply.type('application/json').send(`{"result":{"data":${data}}}`);
    },
  });
  return app;
}
