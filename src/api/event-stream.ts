import type { FastifyInstance } from 'fastify';
import { eventFilter } from '../model/live-events.js';
import { allow } from './deployment-routes.js';
import { fromQuery, validate } from './input.js';
import type { LiveEvents } from './live-events.js';
import type { ServerDeps } from './server.js';

/** An idle stream still sends a comment this often, so proxies keep it open. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/events?projectId=&applicationId=` (Berth's addition): applications' status and
 * health and deployments' status and stage as Server-Sent Events, so a dashboard never polls.
 * The watcher behind it (live-events.ts) is built on the first stream and runs only while
 * one is open.
 */
export function registerEventStream(app: FastifyInstance, deps: ServerDeps) {
  let live: LiveEvents | undefined;
  app.get('/api/events', async (req, reply) => {
    allow(req, 'read', 'events');
    const filter = validate(eventFilter, fromQuery(eventFilter, req.query as Record<string, string>));
    // 404 before the stream starts
    if (filter.projectId) deps.store.projects.getProject(filter.projectId);
    if (filter.applicationId) deps.store.applications.one(filter.applicationId);
    live ??= new (await import('./live-events.js')).LiveEvents(deps.store, deps.containers, (err) => app.log.error({ err }, 'event stream failed'));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': open\n\n');
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    let stop: (() => void) | undefined;
    let closed = false;
    res.on('close', () => {
      closed = true;
      clearInterval(heartbeat);
      stop?.();
    });
    try {
      const unsubscribe = await live.subscribe(filter, (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      if (closed) unsubscribe();
      else stop = unsubscribe;
    } catch (err) {
      req.log.error({ err }, 'event stream failed');
      res.end(`event: error\ndata: ${JSON.stringify({ message: 'Reading the current state failed' })}\n\n`);
    }
  });
}
