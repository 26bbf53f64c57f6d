import { useState } from 'preact/hooks';
import { mutate } from '../api';
import { useCan } from '../caller';
import { useAction, useQuery } from '../hooks';
import { useLiveEvents, type ApplicationEvent } from '../live';
import { navigate, useLocation } from '../router';
import { Confirm, ErrorText, HealthBadge, Loading, StatusBadge } from '../ui';
import './projects.css';

interface AppSummary {
  applicationId: string;
  name: string;
  appName: string;
  description: string | null;
  applicationStatus: string;
}

interface Environment {
  environmentId: string;
  name: string;
  description: string | null;
  isDefault: boolean;
  applications: AppSummary[];
}

/** A destructive action waiting for the user's yes (one dialog per page). */
interface Ask {
  title: string;
  confirmLabel: string;
  body: string;
  run(): void;
}
type AskFn = (ask: Ask) => void;

interface Project {
  projectId: string;
  name: string;
  description: string | null;
  environments: Environment[];
}

/** `/project/:projectId?environment=<id>`: a project's environments and the applications of one of them, with live statuses. */
export function ProjectPage({ projectId }: { projectId: string }) {
  const one = useQuery<Project>('project.one', { projectId });
  const { search } = useLocation();
  const [live, setLive] = useState<Record<string, ApplicationEvent>>({});
  useLiveEvents({ projectId }, (e) => {
    if (e.type === 'application') setLive((s) => ({ ...s, [e.data.applicationId]: e.data }));
  });
  const [ask, setAsk] = useState<Ask | null>(null);
  const project = one.data;
  if (one.error) return <ErrorText error={one.error} />;
  if (!project) return <Loading />;
  const env = project.environments.find((e) => e.environmentId === search.get('environment')) ?? project.environments[0];
  return (
    <section class="projects project">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href="/">Projects</a> / <span>{project.name}</span>
      </nav>
      <ProjectHead project={project} reload={one.reload} ask={setAsk} />
      <h2 id="envs-h">Environments</h2>
      <nav class="env-tabs" aria-labelledby="envs-h">
        {project.environments.map((e) => (
          <a href={`/project/${projectId}?environment=${e.environmentId}`} aria-current={e.environmentId === env?.environmentId ? 'page' : undefined}>
            {e.name} <span class="muted">({e.applications.length})</span>
          </a>
        ))}
      </nav>
      <CreateEnvironment projectId={projectId} reload={one.reload} />
      {env && <EnvironmentPanel key={env.environmentId} projectId={projectId} env={env} live={live} reload={one.reload} ask={setAsk} />}
      <Confirm open={!!ask} title={ask?.title ?? ''} confirmLabel={ask?.confirmLabel ?? ''} onCancel={() => setAsk(null)} onConfirm={() => (setAsk(null), ask?.run())}>
        <p>{ask?.body}</p>
      </Confirm>
    </section>
  );
}

/** The project's name, with rename and delete for admins. */
function ProjectHead({ project, reload, ask }: { project: Project; reload(): void; ask: AskFn }) {
  const { admin } = useCan();
  return (
    <header class="page-head">
      <h1>{project.name}</h1>
      {project.description && <p class="muted">{project.description}</p>}
      {admin && (
        <RenameDelete
          what="project"
          name={project.name}
          ask={ask}
          deleteBody="Its environments go with it. A project that still holds applications is not deleted: delete them first."
          rename={async (name) => (await mutate('project.update', { projectId: project.projectId, name }), reload())}
          remove={async () => (await mutate('project.remove', { projectId: project.projectId }), navigate('/'))}
        />
      )}
    </header>
  );
}

/** Rename and Delete buttons for a project or an environment; the rename form opens below them, each error shows beside its control. */
function RenameDelete(props: { what: 'project' | 'environment'; name: string; ask: AskFn; deleteBody: string; rename(name: string): Promise<unknown>; remove(): Promise<unknown> }) {
  const { what, ask } = props;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(props.name);
  const rename = useAction(async () => {
    await props.rename(name.trim());
    setEditing(false);
  });
  const remove = useAction(props.remove);
  const label = `${what[0].toUpperCase()}${what.slice(1)} name`;
  return (
    <>
      <div class="actions">
        <button type="button" onClick={() => (setName(props.name), setEditing(!editing), rename.clearError())} aria-expanded={editing}>
          Rename {what}
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => {
            remove.clearError();
            ask({ title: `Delete ${what} ${props.name}?`, confirmLabel: `Delete ${what}`, body: props.deleteBody, run: () => void remove.run() });
          }}
        >
          Delete {what}
        </button>
      </div>
      {editing && (
        <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void rename.run())}>
          <label for={`${what}-rename`}>{label}</label>
          <div class="row">
            <input id={`${what}-rename`} value={name} onInput={(e) => setName(e.currentTarget.value)} required />
            <button type="submit" class="primary" disabled={rename.busy}>
              Save name
            </button>
          </div>
          <ErrorText error={rename.error} />
        </form>
      )}
      <ErrorText error={remove.error} />
    </>
  );
}

function CreateEnvironment({ projectId, reload }: { projectId: string; reload(): void }) {
  const { admin } = useCan();
  const [name, setName] = useState('');
  const create = useAction(async () => {
    const env = await mutate('environment.create', { projectId, name: name.trim() });
    setName('');
    reload();
    navigate(`/project/${projectId}?environment=${env.environmentId}`);
  });
  if (!admin) return null;
  return (
    <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void create.run())}>
      <label for="env-name">New environment name</label>
      <div class="row">
        <input id="env-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <button type="submit" disabled={create.busy}>
          Create environment
        </button>
      </div>
      <ErrorText error={create.error} />
    </form>
  );
}

/** One environment: rename/delete it, and its applications with search, live badges, create and delete. */
function EnvironmentPanel(props: { projectId: string; env: Environment; live: Record<string, ApplicationEvent>; reload(): void; ask: AskFn }) {
  const { projectId, env, live, reload, ask } = props;
  const { admin } = useCan();
  const [q, setQ] = useState('');
  const needle = q.trim().toLowerCase();
  const apps = env.applications.filter((a) => !needle || [a.name, a.appName, a.description ?? ''].some((t) => t.toLowerCase().includes(needle)));
  return (
    <section class="env-panel" aria-labelledby="env-h">
      <div class="page-head">
        <h2 id="env-h">Applications in {env.name}</h2>
        {admin && !env.isDefault && (
          <RenameDelete
            what="environment"
            name={env.name}
            ask={ask}
            deleteBody="An environment that still holds applications is not deleted."
            rename={async (name) => (await mutate('environment.update', { environmentId: env.environmentId, name }), reload())}
            remove={async () => (await mutate('environment.remove', { environmentId: env.environmentId }), navigate(`/project/${projectId}`, true), reload())}
          />
        )}
      </div>
      <div class="toolbar">
        <div class="search">
          <label for="app-search">Search applications</label>
          <input id="app-search" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="Name, app name or description" />
        </div>
        {admin && <CreateApplication environmentId={env.environmentId} reload={reload} />}
      </div>
      {env.applications.length === 0 && <p class="muted">No applications in this environment yet.</p>}
      {env.applications.length > 0 && apps.length === 0 && <p class="muted">No application matches.</p>}
      <ul class="app-list">
        {apps.map((a) => (
          <AppRow app={a} live={live[a.applicationId]} reload={reload} ask={ask} />
        ))}
      </ul>
    </section>
  );
}

function CreateApplication({ environmentId, reload }: { environmentId: string; reload(): void }) {
  const [name, setName] = useState('');
  const [appName, setAppName] = useState('');
  const create = useAction(async () => {
    await mutate('application.create', { environmentId, name: name.trim(), ...(appName.trim() && { appName: appName.trim() }) });
    setName('');
    setAppName('');
    reload();
  });
  return (
    <form class="create" aria-label="Create application" onSubmit={(e) => (e.preventDefault(), void create.run())}>
      <div>
        <label for="app-name">New application name</label>
        <input id="app-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </div>
      <div>
        <label for="app-service">Service name (optional)</label>
        <input id="app-service" value={appName} onInput={(e) => setAppName(e.currentTarget.value)} placeholder="generated when empty" />
      </div>
      <button type="submit" class="primary" disabled={create.busy}>
        Create application
      </button>
      <ErrorText error={create.error} />
    </form>
  );
}


function AppRow({ app, live, reload, ask }: { app: AppSummary; live?: ApplicationEvent; reload(): void; ask: AskFn }) {
  const { admin } = useCan();
  const remove = useAction(async () => {
    await mutate('application.delete', { applicationId: app.applicationId });
    reload();
  });
  return (
    <li class="app-row">
      <div class="app-main">
        <a href={`/application/${app.applicationId}`} class="title">
          {app.name}
        </a>
        <code class="muted">{app.appName}</code>
      </div>
      <div class="app-badges" aria-label={`Status of ${app.name}`}>
        <StatusBadge status={live?.applicationStatus ?? app.applicationStatus} />
        {live && <HealthBadge health={live.health} />}
      </div>
      {admin && (
        <button
          type="button"
          class="danger"
          aria-label={`Delete application ${app.name}`}
          disabled={remove.busy}
          onClick={() => {
            remove.clearError();
            ask({ title: `Delete application ${app.name}?`, confirmLabel: 'Delete application', body: 'Its service, images, domains and deployments are removed with it.', run: () => void remove.run() });
          }}
        >
          {remove.busy ? 'Deleting…' : 'Delete'}
        </button>
      )}
      <ErrorText error={remove.error} />
    </li>
  );
}
