import { z } from 'zod';
import { logStreamInput } from '../model/container-logs.js';
import { deploymentId, dropInput } from '../model/deployment.js';
import { eventFilter } from '../model/live-events.js';
import * as outputs from './outputs.js';
import type { Access, Procedure } from './procedure.js';

type JsonSchema = Record<string, any>;

function inputSchema(input: z.ZodType): JsonSchema {
  const schema = z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete schema.$schema;
  return schema;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const errorRef = (code: string) => ({
  description: code,
  content: { 'application/json': { schema: ref(`error.${code}`) } },
});

const errors = {
  400: errorRef('BAD_REQUEST'),
  401: errorRef('UNAUTHORIZED'),
  403: errorRef('FORBIDDEN'),
  404: errorRef('NOT_FOUND'),
  500: errorRef('INTERNAL_SERVER_ERROR'),
};

const tokenSecurity = [{ apiKey: [] }, { Authorization: [] }];

/**
 * Every output schema of src/api/outputs.ts as a component named as its export; a schema
 * used inside another (an application's domains, a deployment list's rows) becomes a `$ref`.
 */
function outputComponents(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [name, build] of Object.entries(outputs)) {
    const schema = (build as outputs.Output)();
    // one component per schema: an export that names another's schema is left out
    if (!registry.has(schema)) registry.add(schema, { id: name });
  }
  const { schemas } = z.toJSONSchema(registry, { io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  // components are addressed by name; a relative $id would move where their $refs resolve
  for (const s of Object.values(schemas)) {
    delete (s as JsonSchema).$schema;
    delete (s as JsonSchema).$id;
  }
  return schemas as Record<string, JsonSchema>;
}

/** A query's input as query parameters. */
function parameters(input: z.ZodType) {
  const schema = inputSchema(input);
  const required = new Set<string>(schema.required ?? []);
  return Object.entries<JsonSchema>(schema.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: required.has(name), schema: s }));
}

/** A GET route answering Server-Sent Events. */
const sseRoute = (name: string, summary: string, description: string, input: z.ZodType, events: string, access: Record<string, unknown>) => ({
  get: {
    operationId: name.replace('.', '-'),
    tags: [name.split('.')[0]],
    summary,
    description,
    security: tokenSecurity,
    ...access,
    parameters: parameters(input),
    responses: { 200: { description: events, content: { 'text/event-stream': { schema: { type: 'string', description: events } } } }, ...errors },
  },
});

/** A public webhook receiver: any JSON (or form-encoded) body, read as raw bytes. */
const webhookRoute = (summary: string, description: string, parameters: unknown[]) => ({
  post: {
    operationId: `deploy-${parameters.length ? 'token' : 'github'}`,
    tags: ['webhooks'],
    summary,
    description,
    security: [],
    parameters,
    requestBody: { required: false, content: { 'application/json': { schema: { type: 'object' } } } },
    responses: {
      200: { description: 'Deployments queued, or the reason nothing was deployed', content: { 'application/json': { schema: ref('webhookAnswer') } } },
      ...errors,
      413: errorRef('PAYLOAD_TOO_LARGE'),
    },
  },
});

/** The routes that are not JSON procedures, from the same input schemas their handlers validate with. */
function otherRoutes(access: (a: Access) => Record<string, unknown>) {
  return {
    '/deployment.stream': sseRoute(
      'deployment.stream',
      "Follow a deployment's log live (Server-Sent Events)",
      'Every line of the deployment log so far, then each new one, each as `data: <line>`; then `event: end` with `data: {"status": "done" | "error" | "cancelled"}`, and the connection closes. A comment line every 15 s keeps idle proxies from closing it.',
      deploymentId,
      '`data: <log line>` events, then `event: end`',
      access('read'),
    ),
    '/application.logStream': sseRoute(
      'application.logStream',
      "Follow an application's (or its preview's) runtime logs live (Server-Sent Events)",
      'The latest `tail` lines of every task of the service (filtered as application.readLogs does), then each new line, across redeploys, as `data: <timestamp> <line>`, secrets redacted. With `previewDeploymentId` (Berth\'s addition; "" = not set), the service of that preview deployment of the application, its env, build args and build secrets redacted too; a preview of another application is a 404 before the stream starts. `event: end` only when the service is gone; `event: error` when Docker fails.',
      logStreamInput,
      '`data: <timestamp> <line>` events',
      access('read'),
    ),
    '/events': sseRoute(
      'events',
      "Follow applications' status and health and deployments' progress live (Server-Sent Events; Berth's addition)",
      'What a dashboard needs to stay current without polling, for a token of any role. On connect, `event: application` for every application the filter selects (all without one), then one whenever an application\'s status or health changes: `data: {"applicationId", "environmentId", "applicationStatus": "idle" | "running" | "done" | "error", "health": {"status", "desired", "running"}}` (health as application.one shows it). `event: deployment` whenever a deployment starts or its status or stage changes: `data: {"deploymentId", "applicationId", "status", "stage"}`. Filter with `projectId` or `applicationId` (404 when it does not exist). Changes are noticed within about a second, health within a few seconds. A comment line every 15 s keeps idle proxies from closing it; browsers read it with fetch streaming, as `EventSource` cannot send the token header.',
      eventFilter,
      '`event: application` and `event: deployment` with JSON data',
      access('read'),
    ),
    '/application.dropDeployment': {
      post: {
        operationId: 'application-dropDeployment',
        tags: ['application'],
        summary: 'Upload an archive and queue its deployment',
        description:
          'multipart/form-data with the fields `applicationId`, `dropBuildPath` (optional) and the archive as `zip` (.zip or .tar.gz, at most 512 MiB). Entries that leave the archive (traversal, links, devices) are refused before anything is written. The application becomes a drop source.',
        security: tokenSecurity,
        ...access('deploy'),
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: (() => {
                const s = inputSchema(dropInput);
                return { ...s, properties: { ...s.properties, zip: { type: 'string', format: 'binary' } }, required: [...(s.required ?? []), 'zip'] };
              })(),
            },
          },
        },
        responses: { 200: { description: 'Queued', content: { 'application/json': { schema: ref('ok') } } }, ...errors, 413: errorRef('PAYLOAD_TOO_LARGE'), 415: errorRef('UNSUPPORTED_MEDIA_TYPE') },
      },
    },
    '/deploy/{refreshToken}': webhookRoute(
      'Push to deploy: a forge\'s or registry\'s webhook',
      "No API token: the application's webhook token in the path is the credential, and with a `webhookSecret` the delivery must be signed the sender's way (GitHub `X-Hub-Signature-256`, Gitea `X-Gitea-Signature`, GitLab `X-Gitlab-Token`, Bitbucket `X-Hub-Signature`, others `Authorization: Bearer`). Pushes deploy the pushed commit when branch or tag, repository, watch paths, skip keywords and autoDeploy allow; pull requests make previews; image pushes deploy docker applications. Filtered events answer 200 with the reason. Bodies over 25 MB: 413.",
      [{ name: 'refreshToken', in: 'path', required: true, schema: { type: 'string' } }],
    ),
    '/deploy/github': webhookRoute(
      "A GitHub App's webhook",
      "The delivery's `installation.id` picks the GitHub provider; its `githubWebhookSecret` must sign it (`X-Hub-Signature-256`). Every GitHub-source application of the provider is considered as for /deploy/{refreshToken}.",
      [],
    ),
    '/metrics': {
      get: {
        operationId: 'metrics',
        tags: ['monitoring'],
        summary: 'Prometheus metrics (text exposition format)',
        description:
          'HTTP requests by procedure and status, deploy queue length, deployments by status, build durations, each running application\'s and preview deployment\'s latest sample (`berth_app_*{app="<appName>"}`, a preview labelled with its own appName `preview-<appName>-<id>`), the host\'s (`berth_host_*`) and Berth\'s RSS. Any API token, or BERTH_METRICS_TOKEN, as `Authorization: Bearer`.',
        servers: [{ url: '/' }],
        security: [{ Authorization: [] }],
        responses: {
          200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } },
          401: errorRef('UNAUTHORIZED'),
        },
      },
    },
  };
}

/** The OpenAPI 3.1 document of every procedure, generated from the same zod schemas that validate it. */
export function buildOpenApi(procedures: Procedure[], version: string) {
  const schemas = outputComponents();
  const access = (a: Access) => ({ 'x-berth-access': a });
  const paths: Record<string, unknown> = {};
  for (const proc of procedures) {
    const op: Record<string, unknown> = {
      operationId: proc.name.replace('.', '-'),
      tags: [proc.name.split('.')[0]],
      summary: proc.summary,
      description: proc.description,
      security: tokenSecurity,
      ...access(proc.access),
      responses: { 200: { description: 'Successful response', content: { 'application/json': { schema: ref(proc.output) } } }, ...errors },
    };
    if (proc.kind === 'query') op.parameters = parameters(proc.input);
    else op.requestBody = { required: true, content: { 'application/json': { schema: inputSchema(proc.input) } } };
    paths[`/${proc.name}`] = { [proc.kind === 'query' ? 'get' : 'post']: op };
  }
  Object.assign(paths, otherRoutes(access));
  const error = (code: string) => ({
    type: 'object',
    properties: {
      message: { type: 'string' },
      code: { type: 'string', const: code },
      issues: { type: 'array', items: { type: 'object' } },
    },
    required: ['message', 'code'],
  });
  const codes = ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'INTERNAL_SERVER_ERROR'];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Berth API',
      version,
      description:
        "Dokploy-compatible Applications API served by Berth. Queries are `GET /api/<group>.<procedure>?field=…`, mutations `POST` with a JSON body; the same procedures answer in tRPC's wire shape at `/api/trpc/<group>.<procedure>`. Send a token as `x-api-key` or `Authorization: Bearer` (*Authorize*). `x-berth-access` says which role may call an operation: read (any token), deploy (deployer or admin), admin.",
    },
    servers: [{ url: '/api' }],
    paths,
    components: {
      schemas: { ...schemas, ...Object.fromEntries(codes.map((c) => [`error.${c}`, error(c)])) },
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        Authorization: { type: 'http', scheme: 'bearer' },
      },
    },
  };
}
