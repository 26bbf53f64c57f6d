import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * A Fastify instance of its own, built on the first request handed to it (built again when
 * that failed), that answers the requests the main server passes through. What it loads
 * (@fastify/static, the files it serves) stays out of an idle server's memory and start-up.
 */
export function innerServer(build: () => Promise<FastifyInstance>) {
  let server: Promise<FastifyInstance> | undefined;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const inner = await (server ??= build().catch((err) => {
      server = undefined;
      throw err;
    }));
    reply.hijack();
    inner.routing(req.raw, reply.raw);
  };
}
