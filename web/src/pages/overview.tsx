import { useState } from 'preact/hooks';
import { mutate } from '../api';
import { useCan } from '../caller';
import { useAction, useQuery } from '../hooks';
import { useLiveEvents } from '../live';
import { navigate } from '../router';
import { ErrorText, Loading, StatusBadge } from '../ui';
import './projects.css';

interface AppLine {
  applicationId: string;
  name: string;
  applicationStatus: string;
}

interface ProjectRow {
  projectId: string;
  name: string;
  description: string | null;
  environments: { environmentId: string; name: string; applications: AppLine[] }[];
}

const STATUSES = ['running', 'error', 'done', 'idle'];

/** The landing page: every project with its applications' statuses (live), the server's figures and the Swarm's nodes. */
export function Overview() {
  const projects = useQuery<ProjectRow[]>('project.all');
  const [q, setQ] = useState('');
  const [live, setLive] = useState<Record<string, string>>({});
  useLiveEvents({}, (e) => {
    if (e.type === 'application') setLive((s) => (s[e.data.applicationId] === e.data.applicationStatus ? s : { ...s, [e.data.applicationId]: e.data.applicationStatus }));
  });
  const needle = q.trim().toLowerCase();
  const shown = projects.data?.filter((p) => !needle || p.name.toLowerCase().includes(needle) || (p.description ?? '').toLowerCase().includes(needle));
  return (
    <section class="projects">
      <h1>Projects</h1>
      <div class="toolbar">
        <div class="search">
          <label for="project-search">Search projects</label>
          <input id="project-search" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="Name or description" />
        </div>
        <CreateProject />
      </div>
      <ErrorText error={projects.error} />
      {projects.loading && !projects.data && <Loading />}
      {shown && shown.length === 0 && <p class="muted">{needle ? 'No project matches.' : 'No projects yet.'}</p>}
      <ul class="cards">
        {shown?.map((p) => {
          const apps = p.environments.flatMap((e) => e.applications);
          const counts = new Map<string, number>();
          for (const a of apps) {
            const s = live[a.applicationId] ?? a.applicationStatus;
            counts.set(s, (counts.get(s) ?? 0) + 1);
          }
          return (
            <li class="project-card">
              <a href={`/project/${p.projectId}`} class="title">
                {p.name}
              </a>
              {p.description && <p class="muted">{p.description}</p>}
              <p class="figures">
                {apps.length} application{apps.length === 1 ? '' : 's'} · {p.environments.length} environment{p.environments.length === 1 ? '' : 's'}
              </p>
              {counts.size > 0 && (
                <p class="statuses" aria-label={`Statuses of ${p.name}`}>
                  {STATUSES.filter((s) => counts.has(s)).map((s) => (
                    <StatusBadge status={s} label={`${counts.get(s)} ${s}`} />
                  ))}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      <ServerFigures />
      <Nodes />
    </section>
  );
}

function CreateProject() {
  const { admin } = useCan();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useAction(async () => {
    const created = await mutate('project.create', { name: name.trim(), description: description.trim() || null });
    navigate(`/project/${created.project.projectId}`);
  });
  if (!admin) return null;
  return (
    <form
      class="create"
      aria-label="Create project"
      onSubmit={(e) => {
        e.preventDefault();
        void create.run();
      }}
    >
      <div>
        <label for="project-name">New project name</label>
        <input id="project-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </div>
      <div>
        <label for="project-description">Description (optional)</label>
        <input id="project-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </div>
      <button type="submit" class="primary" disabled={create.busy}>
        Create project
      </button>
      <ErrorText error={create.error} />
    </form>
  );
}

interface ServerPoint {
  time: string;
  cpuPercent: number | null;
  memory: { usedBytes: number; totalBytes: number };
  dataDisk: { usedBytes: number; totalBytes: number };
  dockerDisk: { usedBytes: number; totalBytes: number } | null;
  controlPlaneRssBytes: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
function bytes(n: number): string {
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(n >= 100 || i === 0 ? 0 : 1)} ${UNITS[i]}`;
}
const share = (u: { usedBytes: number; totalBytes: number }) =>
  `${bytes(u.usedBytes)} of ${bytes(u.totalBytes)}${u.totalBytes ? ` (${Math.round((u.usedBytes / u.totalBytes) * 100)} %)` : ''}`;

/** The newest server sample, as plain figures. */
function ServerFigures() {
  // the last 10 minutes: enough to hold the newest sample at any sampling interval Berth uses
  const [from] = useState(() => new Date(Date.now() - 600_000).toISOString());
  const points = useQuery<ServerPoint[]>('monitoring.server', { from });
  const last = points.data?.[points.data.length - 1];
  return (
    <section aria-labelledby="server-h">
      <h2 id="server-h">Server</h2>
      <ErrorText error={points.error} />
      {points.data && !last && <p class="muted">No samples yet: the sampler records the server every few seconds.</p>}
      {last && (
        <dl class="figures-grid">
          <div>
            <dt>CPU</dt>
            <dd>{last.cpuPercent === null ? '—' : `${last.cpuPercent.toFixed(1)} %`}</dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd>{share(last.memory)}</dd>
          </div>
          <div>
            <dt>Data disk</dt>
            <dd>{share(last.dataDisk)}</dd>
          </div>
          {last.dockerDisk && (
            <div>
              <dt>Docker disk</dt>
              <dd>{share(last.dockerDisk)}</dd>
            </div>
          )}
          <div>
            <dt>Berth's memory</dt>
            <dd>{bytes(last.controlPlaneRssBytes)}</dd>
          </div>
        </dl>
      )}
      {last && <p class="muted">Sampled {new Date(last.time).toLocaleTimeString()}</p>}
    </section>
  );
}

interface EngineNode {
  ID: string;
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
  Spec?: { Availability?: string; Role?: string };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}

function Nodes() {
  const nodes = useQuery<EngineNode[]>('cluster.getNodes');
  return (
    <section aria-labelledby="nodes-h">
      <h2 id="nodes-h">Nodes</h2>
      <ErrorText error={nodes.error} />
      {nodes.data && (
        <ul class="node-list">
          {nodes.data.map((n) => (
            <li>
              <strong>{n.Description?.Hostname ?? n.ID}</strong>
              <StatusBadge status={n.Status?.State === 'ready' ? 'done' : 'error'} label={n.Status?.State ?? 'unknown'} />
              <span class="muted">
                {n.ManagerStatus ? (n.ManagerStatus.Leader ? 'manager (leader)' : `manager (${n.ManagerStatus.Reachability ?? '?'})`) : 'worker'} · {n.Spec?.Availability ?? '?'} · Docker{' '}
                {n.Description?.Engine?.EngineVersion ?? '?'}
                {n.Status?.Addr ? ` · ${n.Status.Addr}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
