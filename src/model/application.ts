import { z } from 'zod';
import { id, nullableString, emptyIsNull, pagination } from './common.js';
import { applicationStatuses, buildTypes, certificateTypes, sourceTypes, triggerTypes } from './enums.js';
import { APP_NAME_MAX } from './app-name.js';
import { httpHealthCheck, swarmSettings } from './swarm.js';

/** Inputs of the `application.*` procedures (reference/API.md §3, §6.1). */

/** Git refs Berth accepts: the contract's branch charset. */
export const branchName = () =>
  z
    .string()
    .min(1)
    .regex(/^[a-zA-Z0-9._\-/#]+$/, 'A branch may contain only letters, digits and . _ - / #');

/** A path inside the source tree; a `..` segment could climb out of the build folder. */
const treePath = () =>
  z.string().refine((p) => !p.includes('\0') && !p.split(/[\\/]/).includes('..'), 'Must stay inside the source tree (no ".." segments)');

/** Remote Git URLs only: local paths and file:// or ext:: transports would read the server itself. */
const gitUrl = () =>
  z
    .string()
    .regex(/^(?:(?:https?|ssh|git):\/\/[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$/, 'Must be an http(s), ssh or git URL, or user@host:path');

/** Builder image tags and versions end up in image names and install scripts. */
const version = () => z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/, 'Must be a version or image tag');

/** Integer text (bytes, nano-CPUs); empty means unlimited. */
const integerText = () => z.string().regex(/^\d*$/, 'Must be an integer, as text');

/** Berth has no remote servers yet: only the local host (null) is accepted. */
const localServer = () =>
  emptyIsNull()
    .optional()
    .refine((v) => v === null || v === undefined, 'Remote servers are not supported yet; leave this null');

const appNameInput = () =>
  z
    .string()
    .min(1)
    .max(APP_NAME_MAX)
    .regex(/^[a-zA-Z0-9._-]+$/, 'Letters, digits, ".", "_" and "-" only');

const strings = () => z.array(z.string());

/** Every writable column and its rule; `update` and the save* procedures take them optional. */
const columns = {
  name: z.string().min(1),
  appName: appNameInput(),
  description: nullableString(),
  // §3.4 dotenv text
  env: nullableString(),
  buildArgs: nullableString(),
  buildSecrets: nullableString(),
  previewEnv: nullableString(),
  previewBuildArgs: nullableString(),
  previewBuildSecrets: nullableString(),
  // §3.8 previews
  previewLabels: emptyIsNull(strings()),
  previewWildcard: emptyIsNull(z.string().startsWith('*.', 'Must start with "*."')),
  previewPort: z.number().int().min(1).max(65535).nullable(),
  previewHttps: z.boolean(),
  previewPath: nullableString(),
  previewCertificateType: z.enum(certificateTypes),
  previewCustomCertResolver: nullableString(),
  previewLimit: z.number().int().min(0).nullable(),
  isPreviewDeploymentsActive: z.boolean().nullable(),
  previewAllowForks: z.boolean(),
  previewRequireCollaboratorPermissions: z.boolean().nullable(),
  rollbackActive: z.boolean().nullable(),
  // §3.5 resources
  memoryReservation: emptyIsNull(integerText()),
  memoryLimit: emptyIsNull(integerText()),
  cpuReservation: emptyIsNull(integerText()),
  cpuLimit: emptyIsNull(integerText()),
  replicas: z.number().int().min(0),
  // §3.1 metadata
  title: nullableString(),
  enabled: z.boolean().nullable(),
  subtitle: nullableString(),
  icon: emptyIsNull(z.string().max(2_097_152)),
  refreshToken: emptyIsNull(z.string().min(16, 'A webhook token needs at least 16 characters')),
  autoDeploy: z.boolean().nullable(),
  webhookSecret: emptyIsNull(z.string().max(512)),
  applicationStatus: z.enum(applicationStatuses),
  createdAt: z.string(),
  environmentId: id(),
  buildServerId: localServer(),
  // §3.2 sources
  sourceType: z.enum(sourceTypes),
  watchPaths: emptyIsNull(strings()),
  enableSubmodules: z.boolean(),
  githubId: nullableString(),
  repository: nullableString(),
  owner: nullableString(),
  branch: emptyIsNull(branchName()),
  buildPath: emptyIsNull(treePath()),
  triggerType: z.enum(triggerTypes).nullable(),
  gitlabId: nullableString(),
  gitlabProjectId: z.number().int().nullable(),
  gitlabRepository: nullableString(),
  gitlabOwner: nullableString(),
  gitlabBranch: emptyIsNull(branchName()),
  gitlabBuildPath: emptyIsNull(treePath()),
  gitlabPathNamespace: nullableString(),
  giteaId: nullableString(),
  giteaRepository: nullableString(),
  giteaOwner: nullableString(),
  giteaBranch: emptyIsNull(branchName()),
  giteaBuildPath: emptyIsNull(treePath()),
  bitbucketId: nullableString(),
  bitbucketRepository: nullableString(),
  bitbucketRepositorySlug: nullableString(),
  bitbucketOwner: nullableString(),
  bitbucketBranch: emptyIsNull(branchName()),
  bitbucketBuildPath: emptyIsNull(treePath()),
  customGitUrl: emptyIsNull(gitUrl()),
  customGitBranch: emptyIsNull(branchName()),
  customGitBuildPath: emptyIsNull(treePath()),
  customGitSSHKeyId: nullableString(),
  dockerImage: nullableString(),
  username: nullableString(),
  password: nullableString(),
  registryUrl: nullableString(),
  dropBuildPath: emptyIsNull(treePath()),
  // §3.3 build
  buildType: z.enum(buildTypes),
  dockerfile: emptyIsNull(treePath()),
  dockerContextPath: emptyIsNull(treePath()),
  dockerBuildStage: nullableString(),
  herokuVersion: emptyIsNull(version()),
  railpackVersion: emptyIsNull(version()),
  publishDirectory: emptyIsNull(treePath()),
  isStaticSpa: z.boolean().nullable(),
  cleanCache: z.boolean().nullable(),
  createEnvFile: z.boolean(),
  command: nullableString(),
  args: emptyIsNull(strings()),
  registryId: nullableString(),
  buildRegistryId: nullableString(),
  rollbackRegistryId: nullableString(),
  // §3.6, §3.7
  ...swarmSettings,
  httpHealthCheck: httpHealthCheck.nullable(),
  networkIds: emptyIsNull(strings()),
  detachDokployNetwork: z.boolean(),
  /** Berth's own: false runs the image's entrypoint as PID 1 instead of behind an init process. */
  initProcess: z.boolean(),
};

type Columns = typeof columns;
const optional = <K extends keyof Columns>(...keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, columns[k].optional()])) as { [P in K]: z.ZodOptional<Columns[P]> };

export const applicationId = z.object({ applicationId: id() });

export const applicationCreate = z.object({
  name: columns.name,
  appName: appNameInput().optional(),
  description: nullableString().optional(),
  environmentId: id(),
  serverId: localServer(),
  sourceType: columns.sourceType.optional(),
});

/** Any column, optional. `appName` is validated then ignored (it cannot change); `createdAt` is ignored too. */
export const applicationUpdate = z.object({
  applicationId: id(),
  ...optional(...(Object.keys(columns) as (keyof Columns)[])),
  serverId: localServer(),
});

/** The save* procedures: an absent field leaves its column as it is (Dokploy requires them all; MCP clients send only what they change). */
export const saveEnvironment = z.object({
  applicationId: id(),
  ...optional('env', 'buildArgs', 'buildSecrets', 'createEnvFile'),
});

export const saveBuildType = z.object({
  applicationId: id(),
  ...optional('buildType', 'dockerfile', 'dockerContextPath', 'dockerBuildStage', 'herokuVersion', 'railpackVersion', 'publishDirectory', 'isStaticSpa'),
});

/** What every git save* accepts besides its own fields. */
const gitExtras = () => optional('enableSubmodules', 'watchPaths');

// The branch stays required, as in the contract: a git source is nothing without one.
export const saveGithubProvider = z.object({
  applicationId: id(),
  ...optional('repository', 'owner', 'buildPath', 'githubId', 'triggerType'),
  branch: branchName(),
  ...gitExtras(),
});

export const saveGitlabProvider = z.object({
  applicationId: id(),
  ...optional('gitlabBuildPath', 'gitlabOwner', 'gitlabRepository', 'gitlabId', 'gitlabProjectId', 'gitlabPathNamespace'),
  gitlabBranch: branchName(),
  ...gitExtras(),
});

export const saveBitbucketProvider = z.object({
  applicationId: id(),
  ...optional('bitbucketBuildPath', 'bitbucketOwner', 'bitbucketRepository', 'bitbucketRepositorySlug', 'bitbucketId'),
  bitbucketBranch: branchName(),
  ...gitExtras(),
});

export const saveGiteaProvider = z.object({
  applicationId: id(),
  ...optional('giteaBuildPath', 'giteaOwner', 'giteaRepository', 'giteaId'),
  giteaBranch: branchName(),
  ...gitExtras(),
});

export const saveDockerProvider = z.object({
  applicationId: id(),
  ...optional('dockerImage', 'username', 'password', 'registryUrl'),
});

export const saveGitProvider = z.object({
  applicationId: id(),
  ...optional('customGitBuildPath', 'customGitUrl', 'watchPaths', 'customGitSSHKeyId', 'enableSubmodules'),
  customGitBranch: branchName(),
});

export const applicationMove = z.object({ applicationId: id(), targetEnvironmentId: id() });

export const applicationSearch = z.object({
  q: z.string().optional(),
  name: z.string().optional(),
  appName: z.string().optional(),
  description: z.string().optional(),
  repository: z.string().optional(),
  owner: z.string().optional(),
  dockerImage: z.string().optional(),
  projectId: z.string().optional(),
  environmentId: z.string().optional(),
  ...pagination,
});

/** What `disconnectGitProvider` writes: every git source field back to empty; docker/drop fields stay. */
export const disconnectedSource = {
  githubId: null,
  repository: null,
  owner: null,
  branch: null,
  buildPath: '/',
  triggerType: 'push',
  gitlabId: null,
  gitlabProjectId: null,
  gitlabRepository: null,
  gitlabOwner: null,
  gitlabBranch: null,
  gitlabBuildPath: '/',
  gitlabPathNamespace: null,
  bitbucketId: null,
  bitbucketRepository: null,
  bitbucketRepositorySlug: null,
  bitbucketOwner: null,
  bitbucketBranch: null,
  bitbucketBuildPath: '/',
  giteaId: null,
  giteaRepository: null,
  giteaOwner: null,
  giteaBranch: null,
  giteaBuildPath: '/',
  customGitUrl: null,
  customGitBranch: null,
  customGitBuildPath: null,
  customGitSSHKeyId: null,
  watchPaths: null,
  enableSubmodules: false,
  sourceType: 'github',
  applicationStatus: 'idle',
} as const;

export type ApplicationUpdate = z.output<typeof applicationUpdate>;
export type ApplicationSearch = z.output<typeof applicationSearch>;
