import { z } from 'zod';
import type { Procedure } from './procedure.js';

type JsonSchema = Record<string, any>;

function inputSchema(proc: Procedure): JsonSchema {
  const schema = z.toJSONSchema(proc.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete schema.$schema;
  return schema;
}

const errorRef = (code: string) => ({
  description: code,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/error.${code}` } } },
});

/** The OpenAPI 3.1 document of every procedure, generated from the same zod schemas that validate it. */
export function buildOpenApi(procedures: Procedure[], version: string) {
  const paths: Record<string, unknown> = {};
  for (const proc of procedures) {
    const schema = inputSchema(proc);
    const op: Record<string, unknown> = {
      operationId: proc.name.replace('.', '-'),
      tags: [proc.name.split('.')[0]],
      description: proc.description,
      security: [{ apiKey: [] }, { Authorization: [] }],
      'x-berth-access': proc.access,
      responses: {
        200: { description: 'Successful response', content: { 'application/json': { schema: {} } } },
        400: errorRef('BAD_REQUEST'),
        401: errorRef('UNAUTHORIZED'),
        403: errorRef('FORBIDDEN'),
        404: errorRef('NOT_FOUND'),
        500: errorRef('INTERNAL_SERVER_ERROR'),
      },
    };
    if (proc.kind === 'query') {
      const required = new Set<string>(schema.required ?? []);
      op.parameters = Object.entries<JsonSchema>(schema.properties ?? {}).map(([name, s]) => ({
        name,
        in: 'query',
        required: required.has(name),
        schema: s,
      }));
    } else {
      op.requestBody = { required: true, content: { 'application/json': { schema } } };
    }
    paths[`/${proc.name}`] = { [proc.kind === 'query' ? 'get' : 'post']: op };
  }
  const error = (code: string) => ({
    type: 'object',
    properties: {
      message: { type: 'string' },
      code: { type: 'string', const: code },
      issues: { type: 'array', items: { type: 'object' } },
    },
    required: ['message', 'code'],
  });
  const codes = ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'INTERNAL_SERVER_ERROR'];
  return {
    openapi: '3.1.0',
    info: { title: 'Berth API', version, description: 'Dokploy-compatible Applications API served by Berth' },
    servers: [{ url: '/api' }],
    paths,
    components: {
      schemas: Object.fromEntries(codes.map((c) => [`error.${c}`, error(c)])),
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        Authorization: { type: 'http', scheme: 'bearer' },
      },
    },
  };
}
