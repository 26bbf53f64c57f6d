import { and, desc, eq, getTableName, inArray, isNull, or, sql, type SQL, type Table } from 'drizzle-orm';
import { appNameBase, buildAppName } from '../model/app-name.js';
import { secretColumns } from '../model/application-secrets.js';
import type { ApplicationSearch } from '../model/application.js';
import { MASK } from '../model/dotenv.js';
import { badRequest, conflict, notFound } from '../model/errors.js';
import type { Cipher } from '../secrets/cipher.js';
import { nextConfigKey } from './app-children.js';
import type { DB } from './db.js';
import { jsonObjectSql } from './json-rows.js';
import { newId, now } from './ids.js';
import { contains, type ProjectStore } from './projects.js';
import {
  application,
  bitbucket,
  deployment,
  domain,
  environment,
  gitea,
  github,
  gitlab,
  mount,
  port,
  previewDeployment,
  project,
  redirect,
  registry,
  security,
  sshKey,
  type ApplicationRow,
  type BitbucketRow,
  type DeploymentRow,
  type DomainRow,
  type EnvironmentRow,
  type GiteaRow,
  type GithubRow,
  type GitlabRow,
  type MountRow,
  type NewApplicationRow,
  type PortRow,
  type PreviewDeploymentRow,
  type ProjectRow,
  type RedirectRow,
  type RegistryRow,
  type SecurityRow,
} from './schema.js';

/** The columns an update may write: everything but the identity and creation facts. */
export type ApplicationChanges = Partial<Omit<NewApplicationRow, 'applicationId' | 'appName' | 'createdAt' | 'serverId'>>;

const p = (name: string) => sql.placeholder(name);

/** Columns of nested rows that `application.one` never shows: left out of its SQL. */
const hidden = {
  github: ['githubClientSecret', 'githubPrivateKey', 'githubWebhookSecret'],
  gitlab: ['secret', 'accessToken', 'refreshToken'],
  bitbucket: ['appPassword', 'apiToken'],
  gitea: ['clientSecret', 'accessToken', 'refreshToken'],
  registry: ['password'],
  security: ['password'],
} as const;
type Shown<Row, K extends keyof typeof hidden> = Omit<Row, (typeof hidden)[K][number]>;

/** What the one-statement read of `application.one` parses to. */
interface OneJson {
  app: ApplicationRow;
  environment: EnvironmentRow;
  project: ProjectRow;
  domains: DomainRow[];
  deployments: DeploymentRow[];
  mounts: MountRow[];
  redirects: RedirectRow[];
  security: Shown<SecurityRow, 'security'>[];
  ports: PortRow[];
  previewDeployments: PreviewDeploymentRow[];
  github: Shown<GithubRow, 'github'> | null;
  gitlab: Shown<GitlabRow, 'gitlab'> | null;
  bitbucket: Shown<BitbucketRow, 'bitbucket'> | null;
  gitea: Shown<GiteaRow, 'gitea'> | null;
  registry: Shown<RegistryRow, 'registry'> | null;
  buildRegistry: Shown<RegistryRow, 'registry'> | null;
  rollbackRegistry: Shown<RegistryRow, 'registry'> | null;
}

/** The rows an application owns that project.duplicate copies with it. */
type ChildTable = typeof domain | typeof redirect | typeof security | typeof mount | typeof port;
type NewChildRow = ChildTable['$inferInsert'];

/** Reference columns a write may set, and what must exist for each (else 404). */
const references = {
  environmentId: { label: 'Environment', table: environment, key: environment.environmentId },
  registryId: { label: 'Registry', table: registry, key: registry.registryId },
  buildRegistryId: { label: 'Registry', table: registry, key: registry.registryId },
  rollbackRegistryId: { label: 'Registry', table: registry, key: registry.registryId },
  githubId: { label: 'GitHub provider', table: github, key: github.githubId },
  gitlabId: { label: 'GitLab provider', table: gitlab, key: gitlab.gitlabId },
  bitbucketId: { label: 'Bitbucket provider', table: bitbucket, key: bitbucket.bitbucketId },
  giteaId: { label: 'Gitea provider', table: gitea, key: gitea.giteaId },
  customGitSSHKeyId: { label: 'SSH key', table: sshKey, key: sshKey.sshKeyId },
} as const;

/** Applications: the row, its relations for `application.one`, search, and project duplication. */
export function applicationStore(db: DB, cipher: Cipher, projects: ProjectStore) {

  /** Decrypts in place: rows come fresh from the driver, and copying 100 columns costs more than the query. */
  const open = (row: ApplicationRow): ApplicationRow => {
    for (const k of secretColumns) row[k] = cipher.decrypt(row[k]);
    return row;
  };
  const seal = <T extends Partial<ApplicationRow>>(values: T): T => {
    const out = { ...values };
    for (const k of secretColumns) if (out[k] !== undefined) out[k] = cipher.encrypt(out[k]);
    return out;
  };

  /** Environment and project env texts change rarely and `one` shows them on every call: decrypt each ciphertext once. */
  const envTexts = new Map<string, string>();
  const openEnvText = (stored: string): string => {
    let text = envTexts.get(stored);
    if (text === undefined) {
      if (envTexts.size >= 1000) envTexts.clear();
      text = cipher.decrypt(stored);
      envTexts.set(stored, text);
    }
    return text;
  };

  const appById = db.select().from(application).where(eq(application.applicationId, p('id'))).prepare();

  // application.one is a hot path: the row and every relation come from one prepared statement.
  const children = (table: Table, alias: string, order: string, omit: readonly string[] = []) =>
    `(select json_group_array(${jsonObjectSql(table, alias, omit)} order by ${order}) from "${getTableName(table)}" ${alias} where ${alias}."applicationId" = a."applicationId")`;
  const byId = (table: Table, key: string, ref: string, omit: readonly string[] = []) =>
    `json((select ${jsonObjectSql(table, 'x', omit)} from "${getTableName(table)}" x where x."${key}" = ${ref}))`;
  const oneJson = db
    .select({
      json: sql<string>`${sql.raw(`json_object(
        'app', ${jsonObjectSql(application, 'a')},
        'environment', ${byId(environment, 'environmentId', 'a."environmentId"')},
        'project', ${byId(project, 'projectId', '(select e."projectId" from "environment" e where e."environmentId" = a."environmentId")')},
        'domains', ${children(domain, 'd', 'd."createdAt", d."uniqueConfigKey"')},
        'deployments', ${children(deployment, 'd', 'd."createdAt" desc')},
        'mounts', ${children(mount, 'm', 'm.rowid')},
        'redirects', ${children(redirect, 'r', 'r."createdAt", r."uniqueConfigKey"')},
        'security', ${children(security, 's', 's."createdAt"', hidden.security)},
        'ports', ${children(port, 'pt', 'pt.rowid')},
        'previewDeployments', ${children(previewDeployment, 'pd', 'pd."createdAt" desc')},
        'github', ${byId(github, 'githubId', 'a."githubId"', hidden.github)},
        'gitlab', ${byId(gitlab, 'gitlabId', 'a."gitlabId"', hidden.gitlab)},
        'bitbucket', ${byId(bitbucket, 'bitbucketId', 'a."bitbucketId"', hidden.bitbucket)},
        'gitea', ${byId(gitea, 'giteaId', 'a."giteaId"', hidden.gitea)},
        'registry', ${byId(registry, 'registryId', 'a."registryId"', hidden.registry)},
        'buildRegistry', ${byId(registry, 'registryId', 'a."buildRegistryId"', hidden.registry)},
        'rollbackRegistry', ${byId(registry, 'registryId', 'a."rollbackRegistryId"', hidden.registry)})`)}`,
    })
    .from(sql`"application" a`)
    .where(sql`a."applicationId" = ${p('id')}`)
    .prepare();

  /** The stored row as it is (ciphertext included), or 404. */
  function rawRow(applicationId: string): ApplicationRow {
    const row = appById.get({ id: applicationId });
    if (!row) throw notFound('Application', applicationId);
    return row;
  }

  const get = (applicationId: string): ApplicationRow => open(rawRow(applicationId));

  function assertReferences(values: ApplicationChanges) {
    for (const [column, ref] of Object.entries(references)) {
      const value = values[column as keyof typeof references];
      if (value === undefined || value === null) continue;
      const found = db.select({ k: ref.key }).from(ref.table).where(eq(ref.key, value)).get();
      if (!found) throw notFound(ref.label, value);
    }
  }

  // application.create is a hot path: its checks and insert are prepared once.
  const environmentExists = db.select({ k: environment.environmentId }).from(environment).where(eq(environment.environmentId, p('id'))).prepare();
  const appNameTaken = db.select({ k: application.applicationId }).from(application).where(eq(application.appName, p('name'))).prepare();
  const previewNameTaken = db.select({ k: previewDeployment.previewDeploymentId }).from(previewDeployment).where(eq(previewDeployment.appName, p('name'))).prepare();
  const insertNew = db
    .insert(application)
    .values({
      applicationId: p('applicationId'),
      name: p('name'),
      appName: p('appName'),
      description: p('description'),
      environmentId: p('environmentId'),
      createdAt: p('createdAt'),
      refreshToken: p('refreshToken'),
      sourceType: p('sourceType'),
    })
    .prepare();

  /** appNames are shared by applications and their previews (all are Swarm services). */
  function assertAppNameFree(appName: string) {
    if (appNameTaken.get({ name: appName }) ?? previewNameTaken.get({ name: appName }))
      throw conflict(`The app name "${appName}" is already in use`);
  }

  function assertTokenFree(applicationId: string, token: string | null | undefined) {
    if (!token) return;
    const other = db.select({ id: application.applicationId }).from(application).where(eq(application.refreshToken, token)).get();
    if (other && other.id !== applicationId) throw conflict('That refreshToken is already used by another application');
  }

  /** Copies one application (raw row, secrets stay sealed) with its routing and storage rows into an environment. */
  function copyApplication(src: ApplicationRow, environmentId: string, nameSuffix: string) {
    const copy: ApplicationRow = {
      ...src,
      applicationId: newId(),
      name: src.name + nameSuffix,
      appName: buildAppName(appNameBase(src.appName)),
      environmentId,
      refreshToken: newId(),
      applicationStatus: 'idle',
      createdAt: now(),
    };
    assertAppNameFree(copy.appName);
    db.insert(application).values(copy).run();
    const copyRows = (table: ChildTable, idKey: string, fresh: () => Record<string, unknown>, only?: SQL) => {
      for (const row of db.select().from(table as typeof port).where(and(eq(table.applicationId, src.applicationId), only)).all())
        db.insert(table).values({ ...row, applicationId: copy.applicationId, [idKey]: newId(), ...fresh() } as NewChildRow).run();
    };
    // Copied hosts would route the same traffic to two services: copies start disabled. Preview domains stay behind.
    copyRows(domain, 'domainId', () => ({ enabled: false, uniqueConfigKey: nextConfigKey(db, domain), createdAt: now() }), isNull(domain.previewDeploymentId));
    copyRows(redirect, 'redirectId', () => ({ uniqueConfigKey: nextConfigKey(db, redirect), createdAt: now() }));
    copyRows(security, 'securityId', () => ({ createdAt: now() }));
    copyRows(mount, 'mountId', () => ({}));
    copyRows(port, 'portId', () => ({}));
  }

  return {
    get,

    /** A new application in an existing environment; `appName` is the final (already built) name. */
    create(input: { name: string; appName: string; description?: string | null; environmentId: string; sourceType?: ApplicationRow['sourceType'] }) {
      return db.transaction(() => {
        if (!environmentExists.get({ id: input.environmentId })) throw notFound('Environment', input.environmentId);
        assertAppNameFree(input.appName);
        const applicationId = newId();
        insertNew.run({
          applicationId,
          name: input.name,
          appName: input.appName,
          description: input.description ?? null,
          environmentId: input.environmentId,
          createdAt: now(),
          refreshToken: newId(),
          sourceType: input.sourceType ?? 'github',
        });
        return get(applicationId);
      });
    },

    /** The GitHub-source applications of one GitHub provider (a GitHub App's webhook serves them all). */
    withGithubProvider(githubId: string): ApplicationRow[] {
      return db.select().from(application).where(and(eq(application.sourceType, 'github'), eq(application.githubId, githubId))).all().map(open);
    },

    /** The row with every relation `application.one` shows; nested rows carry no secrets. */
    one(applicationId: string) {
      const json = oneJson.get({ id: applicationId })?.json;
      if (!json) throw notFound('Application', applicationId);
      const { app, environment: env, project: proj, security: users, ...relations } = JSON.parse(json) as OneJson;
      env.env = openEnvText(env.env);
      proj.env = openEnvText(proj.env);
      return Object.assign(open(app), relations, {
        environment: Object.assign(env, { project: proj }),
        security: users.map((u) => ({ ...u, password: MASK })),
        server: null,
        hasGitProviderAccess: true,
        unauthorizedProvider: null,
      });
    },

    /** Writes exactly the given columns, after checking every reference they set. */
    update(applicationId: string, changes: ApplicationChanges) {
      db.transaction(() => {
        rawRow(applicationId);
        assertReferences(changes);
        assertTokenFree(applicationId, changes.refreshToken);
        if (Object.keys(changes).length === 0) return;
        db.update(application).set(seal(changes)).where(eq(application.applicationId, applicationId)).run();
      });
    },

    /** Removes the row (the database cascades to its domains, mounts, ports, deployments…); returns it as it was. */
    remove(applicationId: string) {
      return db.transaction(() => {
        const row = get(applicationId);
        db.delete(application).where(eq(application.applicationId, applicationId)).run();
        return row;
      });
    },

    move(applicationId: string, targetEnvironmentId: string) {
      return db.transaction(() => {
        rawRow(applicationId);
        projects.getEnvironment(targetEnvironmentId);
        db.update(application).set({ environmentId: targetEnvironmentId }).where(eq(application.applicationId, applicationId)).run();
        return get(applicationId);
      });
    },

    search(input: ApplicationSearch) {
      const filters: SQL[] = [];
      const searchable = ['name', 'appName', 'description', 'repository', 'owner', 'dockerImage'] as const;
      if (input.q) filters.push(or(...searchable.map((key) => contains(application[key], input.q!)))!);
      for (const key of searchable) {
        const value = input[key];
        if (value) filters.push(contains(application[key], value));
      }
      if (input.environmentId) filters.push(eq(application.environmentId, input.environmentId));
      if (input.projectId)
        filters.push(
          inArray(application.environmentId, db.select({ id: environment.environmentId }).from(environment).where(eq(environment.projectId, input.projectId))),
        );
      const where = filters.length ? and(...filters) : undefined;
      const items = db
        .select({
          applicationId: application.applicationId,
          name: application.name,
          appName: application.appName,
          description: application.description,
          environmentId: application.environmentId,
          applicationStatus: application.applicationStatus,
          sourceType: application.sourceType,
          createdAt: application.createdAt,
        })
        .from(application)
        .where(where)
        .orderBy(desc(application.createdAt), sql`rowid desc`)
        .limit(input.limit)
        .offset(input.offset)
        .all();
      const total = db.select({ n: sql<number>`count(*)` }).from(application).where(where).get()!.n;
      return { items, total };
    },

    /**
     * project.duplicate: copies applications of an environment, either into a new project's
     * default environment or beside the originals (names suffixed " (copy)"). One transaction.
     */
    duplicate(input: {
      sourceEnvironmentId: string;
      name: string;
      description?: string;
      includeServices: boolean;
      selectedServices?: { id: string; type: string }[];
      duplicateInSameProject: boolean;
    }) {
      return db.transaction(() => {
        const source = projects.getEnvironment(input.sourceEnvironmentId);
        const unsupported = input.selectedServices?.find((s) => s.type !== 'application');
        if (unsupported) throw badRequest(`Duplicating ${unsupported.type} services is not supported: Berth runs applications only`);
        const target = input.duplicateInSameProject
          ? source
          : projects.createProject({ name: input.name, description: input.description ?? null }).environment;
        if (!input.includeServices) return target;
        const inSource = db.select().from(application).where(eq(application.environmentId, source.environmentId)).orderBy(application.createdAt).all();
        const chosen = input.selectedServices
          ? input.selectedServices.map((s) => inSource.find((a) => a.applicationId === s.id) ?? fail(s.id, source.name))
          : inSource;
        for (const app of chosen) copyApplication(app, target.environmentId, input.duplicateInSameProject ? ' (copy)' : '');
        return target;
      });
    },

    refreshToken(applicationId: string) {
      db.transaction(() => {
        rawRow(applicationId);
        db.update(application).set({ refreshToken: newId() }).where(eq(application.applicationId, applicationId)).run();
      });
    },
  };
}

function fail(applicationId: string, environmentName: string): never {
  throw notFound(`Application in environment "${environmentName}"`, applicationId);
}
