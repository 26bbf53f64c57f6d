import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { deploymentId, dropInput } from '../model/deployment.js';
import { BerthError } from '../model/errors.js';
import { validate } from './input.js';
import { mayCall, type Access } from './procedure.js';
import type { ServerDeps } from './server.js';

/** Largest text field of the upload form (applicationId, dropBuildPath). */
const MAX_FIELD_BYTES = 4096;
/** An idle stream still sends a comment this often, so proxies keep it open. */
const HEARTBEAT_MS = 15_000;

/**
 * What the multipart parser throws is the client's doing: its limits become 4xx in Berth's
 * words, a body it cannot read (no boundary, cut short, bad part headers) a 400. Errors of
 * the disk (they carry a syscall) stay server errors.
 */
function uploadError(err: unknown, uploadLimit: number): unknown {
  if (err instanceof BerthError || (err as NodeJS.ErrnoException).syscall) return err;
  const { code, message } = err as { code?: string; message?: string };
  switch (code) {
    case 'FST_FILES_LIMIT':
      return new BerthError('BAD_REQUEST', 'Send one archive only, as the "zip" field');
    case 'FST_REQ_FILE_TOO_LARGE':
      return new BerthError('PAYLOAD_TOO_LARGE', `The archive is larger than ${uploadLimit} bytes`);
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new BerthError('PAYLOAD_TOO_LARGE', 'Too many form fields: send applicationId, zip and dropBuildPath');
  }
  return new BerthError('BAD_REQUEST', `Malformed multipart/form-data body: ${message ?? 'unreadable'}`);
}

/** The upload form: its text fields, and the `zip` part written to a fresh `target()` (removed again when the form fails). */
async function readForm(req: FastifyRequest, target: () => string, uploadLimit: number) {
  const fields: Record<string, string> = {};
  let archive: string | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'field') {
        if (part.valueTruncated) throw new BerthError('PAYLOAD_TOO_LARGE', `The field "${part.fieldname}" is longer than ${MAX_FIELD_BYTES} bytes`);
        fields[part.fieldname] = String(part.value);
      } else if (part.fieldname !== 'zip') throw new BerthError('BAD_REQUEST', `Unexpected file field "${part.fieldname}": send the archive as "zip"`);
      else {
        archive = target();
        // opened before anything streams: an asynchronous open could create the file after a failed upload removed it
        await pipeline(part.file, fs.createWriteStream(archive, { fd: fs.openSync(archive, 'wx', 0o600) }));
      }
    }
    return { fields, archive };
  } catch (err) {
    if (archive) fs.rmSync(archive, { force: true });
    throw uploadError(err, uploadLimit);
  }
}

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
    const { uploadLimit } = deps.config;
    await upload.register(multipart, { limits: { fileSize: uploadLimit, files: 1, fields: 10, fieldSize: MAX_FIELD_BYTES } });
    const drop = async (req: FastifyRequest) => {
      allow(req, 'deploy', 'application.dropDeployment');
      if (!req.isMultipart()) throw new BerthError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with the fields applicationId, zip (the archive) and dropBuildPath');
      const form = await readForm(req, () => deploy.uploadTarget(), uploadLimit);
      let archive = form.archive;
      try {
        const input = validate(dropInput, form.fields);
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
