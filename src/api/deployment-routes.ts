import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { deploymentId, dropInput } from '../model/deployment.js';
import { BerthError } from '../model/errors.js';
import { validate } from './input.js';
import { mayCall, type Access } from './procedure.js';
import type { ServerDeps } from './server.js';

/** Largest archive `application.dropDeployment` accepts. */
const MAX_UPLOAD_BYTES = 512 * 1024 ** 2;
/** An idle stream still sends a comment this often, so proxies keep it open. */
const HEARTBEAT_MS = 15_000;

export function allow(req: FastifyRequest, access: Access, what: string) {
  const { role } = req.caller!;
  if (!mayCall(role, access)) throw new BerthError('FORBIDDEN', `A ${role} token may not call ${what}`);
}

/**
 * The two deploy routes that are not JSON procedures: the archive upload of
 * `application.dropDeployment` (multipart, as Dokploy takes it) and
 * `GET /api/deployment.stream?deploymentId=…`, a deployment's log as Server-Sent Events:
 * every line so far, then each new one, then an `end` event with the final status.
 * Both go through the server's rate limit and token check like every route.
 */
export async function registerDeploymentRoutes(app: FastifyInstance, deps: ServerDeps) {
  const { deploy } = deps;

  // Encapsulated: only this route parses multipart bodies.
  await app.register(async (upload) => {
    await upload.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, fieldSize: 4096 } });
    const drop = async (req: FastifyRequest) => {
      allow(req, 'deploy', 'application.dropDeployment');
      if (!req.isMultipart()) throw new BerthError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with the fields applicationId, zip (the archive) and dropBuildPath');
      const fields: Record<string, string> = {};
      let archive: string | undefined;
      try {
        for await (const part of req.parts()) {
          if (part.type === 'field') fields[part.fieldname] = String(part.value);
          else if (part.fieldname !== 'zip') throw new BerthError('BAD_REQUEST', `Unexpected file field "${part.fieldname}": send the archive as "zip"`);
          else {
            archive = deploy.uploadTarget();
            await pipeline(part.file, fs.createWriteStream(archive, { mode: 0o600 }));
          }
        }
        const input = validate(dropInput, fields);
        if (!archive) throw new BerthError('BAD_REQUEST', 'Input validation failed: zip: the archive is missing', [{ path: ['zip'], message: 'Required', code: 'invalid_type' }]);
        deploy.enqueueDrop(input.applicationId, archive, input.dropBuildPath ?? undefined);
        archive = undefined;
        return true;
      } finally {
        if (archive) fs.rmSync(archive, { force: true });
      }
    };
    upload.post('/api/application.dropDeployment', drop);
    upload.post('/api/trpc/application.dropDeployment', async (req) => ({ result: { data: { json: await drop(req) } } }));
  });

  app.get('/api/deployment.stream', async (req, reply) => {
    allow(req, 'read', 'deployment.stream');
    const input = validate(deploymentId, req.query);
    deps.store.deployments.get(input.deploymentId); // 404 before the stream starts
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const stop = deploy.follow(input.deploymentId, (event) => {
      if (event.type === 'line') return void res.write(`data: ${event.line}\n\n`);
      res.end(`event: end\ndata: ${JSON.stringify({ status: event.status })}\n\n`);
    });
    res.on('close', () => {
      clearInterval(heartbeat);
      stop();
    });
  });
}
