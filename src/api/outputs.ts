import { getTableColumns } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { z } from 'zod';
import { deploymentStages, jobTypes } from '../model/deployment.js';
import { httpHealthCheck } from '../model/swarm.js';
import * as t from '../store/schema.js';

/**
 * The shapes of the procedures' 200 answers, for the OpenAPI document only (answers are not
 * checked against them at run time; test/unit/openapi-answers.test.ts checks real answers).
 * Entity rows come from the Drizzle tables themselves, so a new column shows up here;
 * composite answers extend them. Procedures name their output (`output: 'application'`):
 * this module is loaded with the document, on the first `/api/openapi.json`, and each schema
 * is built once.
 */
export type Output = () => z.ZodType;
/** The name of an output schema: an export of this module. */
export type OutputName = { [K in keyof typeof import('./outputs.js')]: (typeof import('./outputs.js'))[K] extends Output ? K : never }[keyof typeof import('./outputs.js')];

const once = <T extends z.ZodType>(build: () => T): (() => T) => {
  let schema: T | undefined;
  return () => (schema ??= build());
};

const swarmObject = () => z.record(z.string(), z.unknown()).nullable();
const strings = () => z.array(z.string()).nullable();

/** JSON columns: what the table's `$type` says, which Drizzle keeps for the compiler only. */
const jsonColumns: Record<string, () => z.ZodType> = {
  watchPaths: strings,
  args: strings,
  networkIds: strings,
  previewLabels: strings,
  middlewares: strings,
  labelsSwarm: () => z.record(z.string(), z.string()).nullable(),
  networkSwarm: () => z.array(z.record(z.string(), z.unknown())).nullable(),
  ulimitsSwarm: () => z.array(z.record(z.string(), z.unknown())).nullable(),
  httpHealthCheck: () => httpHealthCheck.nullable(),
  stageTimes: () => z.partialRecord(z.enum(deploymentStages), z.string()).nullable(),
  additionalFlags: strings,
  metadata: () => z.unknown(),
};

function columnSchema(name: string, c: SQLiteColumn): z.ZodType {
  let s: z.ZodType;
  if (c.enumValues?.length) s = z.enum(c.enumValues as [string, ...string[]]);
  else if (c.dataType === 'json') return (jsonColumns[name] ?? swarmObject)();
  else if (c.dataType === 'boolean') s = z.boolean();
  else if (c.dataType === 'number') s = c.columnType === 'SQLiteInteger' ? z.int() : z.number();
  else s = z.string();
  return c.notNull ? s : s.nullable();
}

/** A table's row as the store returns it (secret columns hold ciphertext's plaintext or the mask). */
function rowOf<T extends SQLiteTable>(table: T) {
  const columns = getTableColumns(table) as Record<string, SQLiteColumn>;
  return z.object(Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, columnSchema(name, c)])));
}

const list = <T extends z.ZodType>(item: T) => z.array(item);
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.int() });

// --- answers that are not rows --------------------------------------------------------------
export const nothing: Output = once(() => z.null().describe('No body (REST: empty; tRPC: null)'));
export const ok: Output = once(() => z.literal(true));
export const text: Output = once(() => z.string());
export const optionalText: Output = once(() => z.string().nullable());
export const emptyList: Output = once(() => z.array(z.never()).describe('always empty in Berth'));
export const success: Output = once(() => z.object({ success: z.literal(true), message: z.string().optional() }));
/** An object of the Docker Engine API, as the engine returns it. */
export const engineObject: Output = once(() => z.looseObject({}).describe('The Docker Engine API object'));
export const engineObjects: Output = once(() => list(engineObject()));

// --- projects and environments --------------------------------------------------------------
export const project = once(() => rowOf(t.project));
export const environment = once(() => rowOf(t.environment));
const noOtherServices = () => Object.fromEntries(['compose', 'libsql', 'mariadb', 'mongo', 'mysql', 'postgres', 'redis'].map((k) => [k, z.array(z.never()).describe('Berth has no such services')]));
const appSummary = once(() =>
  application().pick({ applicationId: true, name: true, appName: true, description: true, applicationStatus: true, createdAt: true, serverId: true, icon: true }).extend({ server: z.null() }),
);
export const environmentWithApps = once(() => environment().extend({ applications: list(appSummary()), ...noOtherServices() }));
export const projectCreated = once(() => z.object({ project: project(), environment: environment() }));
export const projectOne = once(() => project().extend({ environments: list(environmentWithApps()), projectTags: z.array(z.never()) }));
const appStatusLine = () => application().pick({ applicationId: true, name: true, applicationStatus: true });
export const projectAll = once(() =>
  list(
    project().extend({
      environments: list(environment().pick({ environmentId: true, name: true, isDefault: true }).extend({ applications: list(appStatusLine()), ...noOtherServices() })),
      projectTags: z.array(z.never()),
    }),
  ),
);
export const projectsForPermissions = once(() =>
  list(z.object({ projectId: z.string(), name: z.string(), environments: list(z.object({ environmentId: z.string(), name: z.string(), isDefault: z.boolean(), applications: list(appStatusLine()) })) })),
);
export const homeStats = once(() => {
  const n = z.int();
  return z.object({ projects: n, environments: n, applications: n, compose: n, databases: n, services: n, status: z.object({ running: n, error: n, idle: n }) });
});
export const projectPage = once(() => page(project()));
export const environmentOne = once(() => environmentWithApps().extend({ project: project() }));
export const environments = once(() => list(environmentWithApps()));
export const environmentPage = once(() => page(environment()));

// --- applications and what hangs off them ---------------------------------------------------
export const application = once(() => rowOf(t.application));
/** What a child row read on its own carries of its application (null for other owners). */
const withApp = <T extends z.ZodObject>(row: T) => row.extend({ application: application().pick({ applicationId: true, appName: true, name: true }).nullable() });
export const domain = once(() => rowOf(t.domain));
export const domainOne = once(() => withApp(domain()));
export const domains = once(() => list(domainOne()));
export const domainToggled = once(() => domain().extend({ requiresRedeploy: z.literal(false) }));
export const domainCheck = once(() => z.object({ isValid: z.boolean(), resolvedIp: z.string().optional(), error: z.string().optional() }));
export const mount = once(() => rowOf(t.mount));
export const mountOne = once(() => withApp(mount()));
export const mounts = once(() => list(mount()));
export const dockerMounts = once(() => list(z.looseObject({ Type: z.literal('volume'), Name: z.string().optional(), Source: z.string(), Destination: z.string() })).optional());
export const port = once(() => rowOf(t.port));
export const portOne = once(() => withApp(port()));
export const redirect = once(() => rowOf(t.redirect));
export const security = once(() => rowOf(t.security));
export const health = once(() =>
  z.object({
    status: z.enum(['not deployed', 'stopped', 'running', 'starting', 'failing', 'unknown']),
    desired: z.int(),
    running: z.int(),
    lastExit: z.object({ state: z.string(), reason: z.string(), exitCode: z.int().nullable(), oomKilled: z.boolean(), at: z.string().nullable() }).nullable(),
    error: z.string().optional(),
  }),
);
const providerOf = (table: SQLiteTable) => rowOf(table).nullable();
export const applicationOne = once(() =>
  application().extend({
    domains: list(domain()),
    deployments: list(deployment()),
    mounts: mounts(),
    redirects: list(redirect()),
    ports: list(port()),
    previewDeployments: list(rowOf(t.previewDeployment)),
    security: list(security()),
    github: providerOf(t.github),
    gitlab: providerOf(t.gitlab),
    bitbucket: providerOf(t.bitbucket),
    gitea: providerOf(t.gitea),
    registry: registry().nullable(),
    buildRegistry: registry().nullable(),
    rollbackRegistry: registry().nullable(),
    environment: environment().extend({ project: project() }),
    server: z.null(),
    hasGitProviderAccess: z.boolean(),
    unauthorizedProvider: z.string().nullable(),
    release: deployment().pick({ deploymentId: true, type: true, title: true, image: true, commitHash: true, rollbackId: true, finishedAt: true }).nullable(),
    health: health(),
  }),
);
export const applicationPage = once(() =>
  page(application().pick({ applicationId: true, name: true, appName: true, description: true, environmentId: true, applicationStatus: true, sourceType: true, createdAt: true })),
);
export const appMonitoring = once(() => {
  const points = <T extends z.ZodType>(value: T) => list(z.object({ value, time: z.string() }));
  const mb = z.number();
  return z
    .object({
      cpu: points(z.string().describe('"12.34%"')),
      memory: points(z.object({ used: z.string(), total: z.string(), usedBytes: z.int(), totalBytes: z.int() })),
      disk: z.array(z.never()),
      network: points(z.object({ inputMb: mb, outputMb: mb })),
      block: points(z.object({ readMb: mb, writeMb: mb })),
      restarts: points(z.object({ tasks: z.int(), restarts: z.int() })),
    })
    .nullable();
});
export const serverPoints = once(() => {
  const usage = z.object({ usedBytes: z.int(), totalBytes: z.int() });
  const node = z.object({
    nodeId: z.string(),
    hostname: z.string(),
    cpus: z.number(),
    memoryTotalBytes: z.int(),
    tasks: z.int().nullable(),
    tasksCpuPercent: z.number().nullable(),
    tasksMemoryUsedBytes: z.int().nullable(),
  });
  return list(z.object({ time: z.string(), cpuPercent: z.number().nullable(), memory: usage, dataDisk: usage, dockerDisk: usage.nullable(), controlPlaneRssBytes: z.int(), nodes: list(node) }));
});

// --- deployments and releases ---------------------------------------------------------------
export const deployment = once(() => rowOf(t.deployment));
const listed = once(() => deployment().extend({ durationMs: z.int().nullable(), stageDurations: z.partialRecord(z.enum(deploymentStages), z.int()) }));
export const deployments = once(() => list(listed()));
export const rollback = once(() => rowOf(t.rollback).omit({ fullContext: true }));
export const deploymentsWithRollback = once(() => list(listed().extend({ rollback: rollback().nullable() })));
export const deploymentsCentralized = once(() =>
  list(
    listed().extend({
      application: application()
        .pick({ applicationId: true, name: true, appName: true, icon: true })
        .extend({ environment: environment().pick({ environmentId: true, name: true }).extend({ project: project().pick({ projectId: true, name: true }) }), server: z.null(), buildServer: z.null() }),
      compose: z.null(),
      server: z.null(),
      buildServer: z.null(),
    }),
  ),
);
export const preview = once(() => rowOf(t.previewDeployment).extend({ deployments: list(listed()), domain: domain().nullable() }));
export const previews = once(() => list(preview()));
export const previewOne = once(() => preview().extend({ application: z.object({ applicationId: z.string(), serverId: z.null() }) }));
export const webhookAnswer = once(() =>
  z.object({
    message: z.string(),
    deployed: z.boolean(),
    provider: z.enum(['github', 'gitlab', 'gitea', 'bitbucket', 'dockerhub', 'registry', 'generic']),
    applications: list(z.object({ applicationId: z.string(), deploymentId: z.string().optional(), reason: z.string().optional(), previewDeploymentId: z.string().optional() })),
  }),
);
export const queue = once(() =>
  list(
    z.object({
      id: z.string(),
      name: z.literal('deployments'),
      data: z.object({
        applicationId: z.string(),
        deploymentId: z.string().nullable(),
        titleLog: z.string(),
        descriptionLog: z.string(),
        type: z.enum(jobTypes),
        applicationType: z.literal('application'),
        server: z.literal(false),
      }),
      timestamp: z.number(),
      processedOn: z.number().nullable(),
      finishedOn: z.null(),
      failedReason: z.null(),
      state: z.enum(['active', 'waiting']),
      servicePath: z.object({ href: z.null(), label: z.string() }),
    }),
  ),
);

// --- tokens, registries, keys, providers ----------------------------------------------------
const apiKey = once(() => rowOf(t.apikey).omit({ keyHash: true, metadata: true }));
export const apiKeys = once(() => list(apiKey()));
export const apiKeyCreated = once(() => apiKey().extend({ key: z.string().describe('the token: shown in this answer only') }));
export const caller = once(() =>
  z.object({
    id: z.string(),
    userId: z.string(),
    organizationId: z.string(),
    role: z.enum(t.apikey.role.enumValues),
    user: z.object({ id: z.string(), name: z.string(), apiKeys: apiKeys() }),
  }),
);
/** A notification channel: the row, every provider's id and object (null but its own; secrets masked), and its delivery state. */
export const notification = once(() =>
  rowOf(t.notification)
    .omit({ config: true, providerId: true })
    .extend(Object.fromEntries(t.notification.notificationType.enumValues.flatMap((p) => [[`${p}Id`, z.string().nullable()], [p, z.looseObject({}).nullable()]]))),
);
export const notifications = once(() => list(notification()));
export const registry = once(() => rowOf(t.registry));
export const registries = once(() => list(registry()));
export const sshKey = once(() => rowOf(t.sshKey));
export const sshKeys = once(() => list(sshKey()));
export const sshKeyNames = once(() => list(sshKey().pick({ sshKeyId: true, name: true })));
export const keyPair = once(() => z.object({ privateKey: z.string(), publicKey: z.string() }));
export const gitProvider = once(() => rowOf(t.gitProvider));
export const gitProviderNames = once(() => list(gitProvider().pick({ gitProviderId: true, name: true, providerType: true })));
export const gitProviderSummaries = once(() =>
  list(
    gitProvider().extend({
      isOwner: z.boolean(),
      github: z.object({ githubId: z.string(), githubAppName: z.string().nullable(), githubAppId: z.int().nullable(), githubInstallationId: z.string().nullable(), githubUrl: z.string(), isConfigured: z.boolean() }).nullable(),
      gitlab: z.object({ gitlabId: z.string(), applicationId: z.string().nullable(), gitlabUrl: z.string(), isConfigured: z.boolean() }).nullable(),
      bitbucket: z.object({ bitbucketId: z.string(), bitbucketUsername: z.string().nullable(), isConfigured: z.boolean(), isDeprecated: z.boolean() }).nullable(),
      gitea: z.object({ giteaId: z.string(), giteaUrl: z.string(), clientId: z.string().nullable(), isConfigured: z.boolean() }).nullable(),
    }),
  ),
);
/** A provider's settings with its git provider row, secrets masked. */
const withProvider = (table: SQLiteTable) => rowOf(table).extend({ gitProvider: gitProvider() });
export const github = once(() => withProvider(t.github));
export const gitlab = once(() => withProvider(t.gitlab));
export const bitbucket = once(() => withProvider(t.bitbucket));
export const gitea = once(() => withProvider(t.gitea));
export const githubProviders = once(() => list(z.object({ githubId: z.string(), githubUrl: z.string(), gitProvider: gitProvider() })));
export const gitlabProviders = once(() => list(z.object({ gitlabId: z.string(), gitlabUrl: z.string(), gitProvider: gitProvider() })));
export const bitbucketProviders = once(() => list(z.object({ bitbucketId: z.string(), gitProvider: gitProvider() })));
export const giteaProviders = once(() => list(z.object({ giteaId: z.string(), gitProvider: gitProvider() })));
export const giteaCreated = once(() => z.object({ giteaId: z.string(), clientId: z.string().nullable(), giteaUrl: z.string() }));

// --- the Docker host ------------------------------------------------------------------------
export const containers = once(() => list(z.object({ containerId: z.string(), name: z.string(), image: z.string(), ports: z.string(), state: z.string(), status: z.string() })));
export const containersByName = once(() => list(z.object({ containerId: z.string(), name: z.string(), state: z.string(), status: z.string() })));
export const containersByLabel = once(() => list(z.object({ containerId: z.string(), name: z.string(), state: z.string() })));
export const serviceTasks = once(() =>
  list(z.object({ containerId: z.string(), name: z.string(), state: z.string(), currentState: z.string(), node: z.string(), error: z.string() })),
);
export const swarmNodes = once(() =>
  list(
    z.object({
      Availability: z.string(),
      EngineVersion: z.string(),
      Hostname: z.string(),
      ID: z.string(),
      ManagerStatus: z.string(),
      Self: z.boolean(),
      Status: z.string(),
      TLSStatus: z.string(),
      Role: z.string(),
      Address: z.string(),
      CPUs: z.number(),
      MemoryBytes: z.int(),
      Labels: z.record(z.string(), z.string()),
    }),
  ),
);
const nodeSummary = once(() =>
  z.object({
    nodeId: z.string(),
    hostname: z.string(),
    role: z.string(),
    availability: z.string(),
    state: z.string(),
    address: z.string(),
    managerStatus: z.string().nullable(),
    self: z.boolean(),
    cpus: z.number(),
    memoryBytes: z.int(),
    labels: z.record(z.string(), z.string()),
    engineVersion: z.string(),
    engine: z.string().nullable().describe('The `berth.engine` label: where Berth reads the node\'s containers'),
  }),
);
/** A node: the Engine API's object, with Berth's summary beside it. */
export const clusterNode = once(() => z.looseObject({ ID: z.string(), summary: nodeSummary() }).describe('The Docker Engine API object, plus `summary`'));
export const clusterNodes = once(() => list(clusterNode()));
export const joinCommand = once(() =>
  z.object({ command: z.string(), version: z.string(), role: z.enum(['worker', 'manager']), token: z.string(), address: z.string().describe('host:port the new node dials') }),
);
export const nodeRemoval = once(() =>
  z.object({
    nodeId: z.string(),
    hostname: z.string(),
    steps: list(z.object({ step: z.enum(['demote', 'drain', 'wait for tasks', 'leave', 'remove']), detail: z.string() })),
    tasksLeft: z.int(),
    removed: z.literal(true),
  }),
);
export const containerStats = once(() =>
  list(z.object({ BlockIO: z.string(), CPUPerc: z.string(), Container: z.string(), ID: z.string(), MemPerc: z.string(), MemUsage: z.string(), Name: z.string(), NetIO: z.string() })),
);
export const swarmServices = once(() => list(z.object({ ID: z.string(), Image: z.string(), Mode: z.string(), Name: z.string(), Ports: z.string(), Replicas: z.string() })));

// --- backups (issue 15 §2) -------------------------------------------------------------------
export const destination = once(() => rowOf(t.destination).describe('secretAccessKey is always masked'));
export const destinations = once(() => list(destination()));
export const backupRun = once(() => rowOf(t.backupRun));
export const backup = once(() => rowOf(t.backup).extend({ destination: destination(), runs: list(backupRun()).describe('the newest 20 runs, newest first') }));
export const backupRow = once(() => rowOf(t.backup));
export const backupFiles = once(() => list(z.object({ Path: z.string(), Name: z.string(), Size: z.int(), IsDir: z.boolean() })));
const kindReport = () =>
  z.object({ removed: z.int(), freedBytes: z.int(), failed: list(z.object({ name: z.string(), error: z.string().describe("the engine's refusal") })) });
const kindReports = () => ({ containers: kindReport().optional(), images: kindReport().optional(), volumes: kindReport().optional(), buildCache: kindReport().optional() });
/** What one Docker cleanup freed, per kind it ran. */
export const cleanupReport = once(() =>
  z.object({
    freedBytes: z.int().describe('Bytes freed in all (images: the bytes no other image shares, as /system/df counts them)'),
    startedAt: z.string(),
    finishedAt: z.string(),
    ...kindReports(),
    nodes: list(
      z.object({
        node: z.string().describe('hostname'),
        freedBytes: z.int(),
        error: z.string().optional().describe('why the node could not be cleaned'),
        ...kindReports(),
      }),
    )
      .optional()
      .describe("The Swarm's other nodes whose engine Berth reaches (label berth.engine)"),
  }),
);
export const cleanAll = once(() => cleanupReport().extend({ status: z.literal('done'), message: z.string() }));
export const dockerDiskUsage = once(() =>
  list(
    z.object({
      type: z.enum(['Images', 'Containers', 'Local Volumes', 'Build Cache']),
      totalCount: z.string(),
      active: z.string(),
      size: z.string().describe('As docker system df prints it'),
      reclaimable: z.string(),
      sizeBytes: z.int(),
      reclaimableBytes: z.int(),
    }),
  ),
);
// --- schedules ---------------------------------------------------------------------------------
export const scheduleRun = once(() => rowOf(t.scheduleRun));
export const schedule = once(() => rowOf(t.schedule).extend({ nextRunAt: z.string().nullable().describe('The next due time (null while disabled)') }));
export const schedules = once(() => list(schedule().extend({ deployments: list(scheduleRun()) })));
/** `deployment.allByType`: an application's or preview's deployments, or a schedule's runs. */
export const deploymentsOrScheduleRuns = once(() => z.union([deploymentsWithRollback(), list(scheduleRun())]));
