import type { FastifyInstance } from 'fastify';
import { BerthError } from '../model/errors.js';
import { CONTENT_TYPE, exposition } from '../monitoring/exposition.js';
import { metricsFamilies } from '../monitoring/metrics-page.js';
import { RequestCounter } from '../monitoring/request-counter.js';
import { sameSecret } from '../secrets/compare.js';
import { hashToken } from '../secrets/tokens.js';
import { presentedToken, type ServerDeps } from './server.js';

/** An application's latest sample older than this is a stopped application's: not exposed. */
const freshMs = (intervalMs: number) => Math.max(3 * intervalMs, 30_000);

/**
 * `GET /metrics` in the Prometheus text format, readable with any API token or with
 * BERTH_METRICS_TOKEN (a token that can read nothing else), and the request counter it
 * reports, fed by an onResponse hook on every route.
 */
export function registerMetricsRoute(app: FastifyInstance, deps: Pick<ServerDeps, 'store' | 'config' | 'procedures'>): void {
  const { store, config } = deps;
  const requests = new RequestCounter();
  const procedures = new Set(deps.procedures.map((p) => p.name));

  app.addHook('onResponse', (req, reply, done) => {
    const url = req.routeOptions.url;
    let route = url ?? 'unmatched';
    // one series per procedure, never per client-chosen path
    if (url === '/api/:proc' || url === '/api/trpc/:proc') {
      const proc = (req.params as { proc?: string }).proc;
      route = proc !== undefined && procedures.has(proc) ? proc : 'unknown';
    }
    requests.hit(route, reply.statusCode);
    done();
  });

  // public to the API's token check: this route accepts the metrics token as well
  app.get('/metrics', { config: { public: true } }, async (req, reply) => {
    const token = presentedToken(req);
    const metricsToken = config.monitoring.metricsToken;
    const allowed = token !== undefined && ((metricsToken !== undefined && sameSecret(token, metricsToken)) || store.apiKeys.verify(hashToken(token)) !== undefined);
    if (!allowed) throw new BerthError('UNAUTHORIZED', 'Unauthorized: send an API token or BERTH_METRICS_TOKEN as "Authorization: Bearer"');
    const text = exposition(
      metricsFamilies({
        requests: requests.entries(),
        queue: store.metrics.queueLength(),
        deployments: store.metrics.deploymentsByStatus(),
        builds: store.metrics.builtStageTimes(),
        apps: store.metrics.latestApps(Date.now() - freshMs(config.monitoring.intervalMs)),
        server: store.metrics.latestServer(),
        rss: process.memoryUsage.rss(),
      }),
    );
    return reply.type(CONTENT_TYPE).send(text);
  });
}
