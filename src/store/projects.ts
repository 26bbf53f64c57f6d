import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { ORGANIZATION_ID } from '../model/common.js';
import { BerthError, conflict, notFound } from '../model/errors.js';
import { DEFAULT_ENVIRONMENT } from '../model/project.js';
import type { Cipher } from '../secrets/cipher.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { application, environment, project } from './schema.js';

export type ProjectRow = typeof project.$inferSelect;
export type EnvironmentRow = typeof environment.$inferSelect;

/** The database-service kinds Dokploy lists beside applications; Berth has none of them yet. */
const otherServices = { compose: [], libsql: [], mariadb: [], mongo: [], mysql: [], postgres: [], redis: [] };

/** `Map.groupBy`, which Node 20 lacks. */
function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Case-insensitive substring match, with no wildcard characters to escape. */
export const contains = (column: SQL.Aliased | Parameters<typeof eq>[0], text: string) => sql`instr(lower(${column}), lower(${text})) > 0`;

/** Projects and the environments they own. `env` columns are encrypted at rest. */
export function projectStore(db: DB, cipher: Cipher) {
  const openProject = (row: ProjectRow): ProjectRow => ({ ...row, env: cipher.decrypt(row.env) });
  const openEnv = (row: EnvironmentRow): EnvironmentRow => ({ ...row, env: cipher.decrypt(row.env) });

  function getProject(projectId: string): ProjectRow {
    const row = db.select().from(project).where(eq(project.projectId, projectId)).get();
    if (!row) throw notFound('Project', projectId);
    return openProject(row);
  }

  function getEnvironment(environmentId: string): EnvironmentRow {
    const row = db.select().from(environment).where(eq(environment.environmentId, environmentId)).get();
    if (!row) throw notFound('Environment', environmentId);
    return openEnv(row);
  }

  /** Application summaries per environment id, as project/environment reads show them. */
  function applicationsOf(environmentIds: string[]) {
    const byEnv = new Map<string, unknown[]>();
    if (environmentIds.length === 0) return byEnv;
    const rows = db
      .select({
        applicationId: application.applicationId,
        name: application.name,
        appName: application.appName,
        description: application.description,
        applicationStatus: application.applicationStatus,
        createdAt: application.createdAt,
        serverId: application.serverId,
        icon: application.icon,
        environmentId: application.environmentId,
      })
      .from(application)
      .where(inArray(application.environmentId, environmentIds))
      .orderBy(desc(application.createdAt))
      .all();
    for (const { environmentId, ...app } of rows) {
      const list = byEnv.get(environmentId) ?? byEnv.set(environmentId, []).get(environmentId)!;
      list.push({ ...app, server: null });
    }
    return byEnv;
  }

  function withServices(envs: EnvironmentRow[]) {
    const apps = applicationsOf(envs.map((e) => e.environmentId));
    return envs.map((e) => ({ ...e, applications: apps.get(e.environmentId) ?? [], ...otherServices }));
  }

  function environmentsOf(projectId: string): EnvironmentRow[] {
    return db
      .select()
      .from(environment)
      .where(eq(environment.projectId, projectId))
      .orderBy(desc(environment.isDefault), environment.createdAt)
      .all()
      .map(openEnv);
  }

  function insertEnvironment(values: { projectId: string; name: string; description?: string | null; env?: string; isDefault?: boolean }) {
    const row: EnvironmentRow = {
      environmentId: newId(),
      name: values.name,
      description: values.description ?? null,
      createdAt: now(),
      env: cipher.encrypt(values.env ?? ''),
      projectId: values.projectId,
      isDefault: values.isDefault ?? false,
    };
    db.insert(environment).values(row).run();
    return openEnv(row);
  }

  function applicationCount(where: SQL): number {
    return db.select({ n: sql<number>`count(*)` }).from(application).innerJoin(environment, eq(application.environmentId, environment.environmentId)).where(where).get()!.n;
  }

  return {
    getProject,
    getEnvironment,

    /** A new project with its default `production` environment, in one transaction. */
    createProject(input: { name: string; description?: string | null; env?: string }) {
      return db.transaction(() => {
        const row: ProjectRow = {
          projectId: newId(),
          name: input.name,
          description: input.description ?? null,
          createdAt: now(),
          organizationId: ORGANIZATION_ID,
          env: cipher.encrypt(input.env ?? ''),
        };
        db.insert(project).values(row).run();
        const env = insertEnvironment({ projectId: row.projectId, name: DEFAULT_ENVIRONMENT, isDefault: true });
        return { project: openProject(row), environment: env };
      });
    },

    projectWithServices(projectId: string) {
      const p = getProject(projectId);
      return { ...p, environments: withServices(environmentsOf(projectId)), projectTags: [] };
    },

    /**
     * Every project, newest first, with its environments and, per environment, the
     * contract's short application summary ({applicationId, name, applicationStatus}).
     */
    allProjects() {
      const projects = db.select().from(project).orderBy(desc(project.createdAt)).all().map(openProject);
      const envs = db
        .select({ environmentId: environment.environmentId, name: environment.name, isDefault: environment.isDefault, projectId: environment.projectId })
        .from(environment)
        .orderBy(desc(environment.isDefault), environment.createdAt)
        .all();
      const apps = db
        .select({ applicationId: application.applicationId, name: application.name, applicationStatus: application.applicationStatus, environmentId: application.environmentId })
        .from(application)
        .orderBy(desc(application.createdAt))
        .all();
      const appsByEnv = groupBy(apps, (a) => a.environmentId);
      const envsByProject = groupBy(envs, (e) => e.projectId);
      return projects.map((p) => ({
        ...p,
        environments: (envsByProject.get(p.projectId) ?? []).map(({ projectId, ...e }) => ({
          ...e,
          applications: (appsByEnv.get(e.environmentId) ?? []).map(({ environmentId, ...a }) => a),
          ...otherServices,
        })),
        projectTags: [],
      }));
    },

    searchProjects(input: { q?: string; name?: string; description?: string; limit: number; offset: number }) {
      const filters: SQL[] = [];
      if (input.q) filters.push(or(contains(project.name, input.q), contains(project.description, input.q))!);
      if (input.name) filters.push(contains(project.name, input.name));
      if (input.description) filters.push(contains(project.description, input.description));
      const where = filters.length ? and(...filters) : undefined;
      const items = db.select().from(project).where(where).orderBy(desc(project.createdAt)).limit(input.limit).offset(input.offset).all().map(openProject);
      const total = db.select({ n: sql<number>`count(*)` }).from(project).where(where).get()!.n;
      return { items, total };
    },

    updateProject(input: { projectId: string; name?: string; description?: string | null; env?: string }) {
      getProject(input.projectId);
      const set: Partial<ProjectRow> = {};
      if (input.name !== undefined) set.name = input.name;
      if (input.description !== undefined) set.description = input.description;
      if (input.env !== undefined) set.env = cipher.encrypt(input.env);
      if (Object.keys(set).length) db.update(project).set(set).where(eq(project.projectId, input.projectId)).run();
      return getProject(input.projectId);
    },

    /** Removes a project and its environments; refused while any application lives in it. */
    removeProject(projectId: string) {
      return db.transaction(() => {
        const row = getProject(projectId);
        const apps = applicationCount(eq(environment.projectId, projectId));
        if (apps > 0) throw conflict(`Project "${row.name}" still holds ${apps} application(s); delete them first`);
        db.delete(project).where(eq(project.projectId, projectId)).run();
        return row;
      });
    },

    createEnvironment(input: { projectId: string; name: string; description?: string | null; env?: string }) {
      return db.transaction(() => {
        getProject(input.projectId);
        return insertEnvironment(input);
      });
    },

    environmentWithServices(environmentId: string) {
      const env = getEnvironment(environmentId);
      return { ...withServices([env])[0], project: getProject(env.projectId) };
    },

    environmentsByProject(projectId: string) {
      getProject(projectId);
      return withServices(environmentsOf(projectId));
    },

    updateEnvironment(input: { environmentId: string; name?: string; description?: string; projectId?: string; env?: string }) {
      return db.transaction(() => {
        const env = getEnvironment(input.environmentId);
        if (input.name !== undefined && input.name !== env.name) {
          if (env.isDefault) throw new BerthError('BAD_REQUEST', `The default environment "${env.name}" cannot be renamed`);
          if (input.name === DEFAULT_ENVIRONMENT) throw new BerthError('BAD_REQUEST', `"${DEFAULT_ENVIRONMENT}" is reserved for the default environment`);
        }
        if (input.projectId !== undefined && input.projectId !== env.projectId)
          throw new BerthError('BAD_REQUEST', 'An environment cannot be moved to another project');
        const set: Partial<EnvironmentRow> = {};
        if (input.name !== undefined) set.name = input.name;
        if (input.description !== undefined) set.description = input.description;
        if (input.env !== undefined) set.env = cipher.encrypt(input.env);
        if (Object.keys(set).length) db.update(environment).set(set).where(eq(environment.environmentId, env.environmentId)).run();
        return getEnvironment(env.environmentId);
      });
    },

    /** Removes an environment; refused for the default one and while it holds applications. */
    removeEnvironment(environmentId: string) {
      return db.transaction(() => {
        const env = getEnvironment(environmentId);
        if (env.isDefault) throw new BerthError('BAD_REQUEST', `The default environment "${env.name}" cannot be removed`);
        const apps = applicationCount(eq(environment.environmentId, environmentId));
        if (apps > 0) throw conflict(`Environment "${env.name}" still holds ${apps} application(s); delete or move them first`);
        db.delete(environment).where(eq(environment.environmentId, environmentId)).run();
        return env;
      });
    },

    duplicateEnvironment(input: { environmentId: string; name: string; description?: string }) {
      return db.transaction(() => {
        const src = getEnvironment(input.environmentId);
        if (input.name === DEFAULT_ENVIRONMENT) throw new BerthError('BAD_REQUEST', `"${DEFAULT_ENVIRONMENT}" is reserved for the default environment`);
        return insertEnvironment({ projectId: src.projectId, name: input.name, description: input.description ?? src.description, env: src.env });
      });
    },

    searchEnvironments(input: { q?: string; name?: string; description?: string; projectId?: string; limit: number; offset: number }) {
      const filters: SQL[] = [];
      if (input.q) filters.push(or(contains(environment.name, input.q), contains(environment.description, input.q))!);
      if (input.name) filters.push(contains(environment.name, input.name));
      if (input.description) filters.push(contains(environment.description, input.description));
      if (input.projectId) filters.push(eq(environment.projectId, input.projectId));
      const where = filters.length ? and(...filters) : undefined;
      const items = db.select().from(environment).where(where).orderBy(desc(environment.createdAt)).limit(input.limit).offset(input.offset).all().map(openEnv);
      const total = db.select({ n: sql<number>`count(*)` }).from(environment).where(where).get()!.n;
      return { items, total };
    },

    homeStats() {
      const count = (q: string) => (db.get(sql.raw(q)) as { n: number }).n;
      const status = db.all(sql`select applicationStatus as s, count(*) as n from application group by applicationStatus`) as { s: string; n: number }[];
      const by = (s: string) => status.find((r) => r.s === s)?.n ?? 0;
      const applications = count('select count(*) as n from application');
      return {
        projects: count('select count(*) as n from project'),
        environments: count('select count(*) as n from environment'),
        applications,
        compose: 0,
        databases: 0,
        services: applications,
        status: { running: by('done') + by('running'), error: by('error'), idle: by('idle') },
      };
    },
  };
}

export type ProjectStore = ReturnType<typeof projectStore>;
