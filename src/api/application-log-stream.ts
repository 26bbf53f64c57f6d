import type { FastifyInstance } from 'fastify';
import { logStreamInput, logWindow } from '../model/container-logs.js';
import { appLogs, followAppLogs } from './application-logs.js';
import { allow } from './deployment-routes.js';
import { fromQuery, validate } from './input.js';
import type { ServerDeps } from './server.js';

/** An idle stream still sends a comment this often, so proxies keep it open. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/application.logStream?applicationId=&previewDeploymentId=&tail=&since=&search=`:
 * an application's (or one of its previews') runtime logs as Server-Sent Events, the
 * transport of `deployment.stream`. The latest `tail` lines, then each new one, across
 * redeploys; an `end` event only when the service is gone. Closing the connection ends the
 * engine's log request with it.
 */
export function registerApplicationLogStream(app: FastifyInstance, deps: ServerDeps) {
  app.get('/api/application.logStream', async (req, reply) => {
    allow(req, 'read', 'application.logStream');
    const input = validate(logStreamInput, fromQuery(logStreamInput, req.query as Record<string, string>));
    const logs = await appLogs(deps, input.applicationId, input.previewDeploymentId); // 404 before the stream starts
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const closed = new AbortController();
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    res.on('close', () => {
      clearInterval(heartbeat);
      closed.abort();
    });
    try {
      // a line holds no newline; a carriage return would end an SSE line early
      await followAppLogs(deps.containers, logs, logWindow(input, Date.now()), (line) => res.write(`data: ${line.replace(/\r/g, '')}\n\n`), closed.signal);
      res.end(`event: end\ndata: ${JSON.stringify({ reason: 'the application has no service' })}\n\n`);
    } catch (err) {
      if (closed.signal.aborted) return;
      req.log.error({ err }, 'application log stream failed');
      res.end(`event: error\ndata: ${JSON.stringify({ message: 'Reading the logs from Docker failed' })}\n\n`);
    }
  });
}
