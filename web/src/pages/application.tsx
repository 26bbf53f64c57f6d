import { useState } from 'preact/hooks';
import { useQuery } from '../hooks';
import { useLiveEvents, type ApplicationEvent } from '../live';
import { ErrorText, HealthBadge, Loading, StatusBadge } from '../ui';
import { Actions } from './app/actions';
import { Advanced } from './app/advanced';
import { Deployments } from './app/deployments';
import { DomainsTab } from './app/domains';
import { EnvironmentTab } from './app/environment';
import { General } from './app/general';
import { Logs } from './app/logs';
import { Metrics } from './app/metrics';
import { Previews } from './app/previews';
import { Traefik } from './app/traefik';
import type { AppProps } from './app/types';

/** The tabs of an application's page, by their path segment. */
const TABS: [string, string, (p: AppProps) => preact.JSX.Element][] = [
  ['general', 'General', General],
  ['environment', 'Environment', EnvironmentTab],
  ['domains', 'Domains', DomainsTab],
  ['advanced', 'Advanced', Advanced],
  ['deployments', 'Deployments', Deployments],
  ['logs', 'Logs', Logs],
  ['metrics', 'Metrics', Metrics],
  ['previews', 'Previews', Previews],
  ['traefik', 'Traefik', Traefik],
];

/** `/application/:applicationId/:tab?`: one application, its actions, and a tab of its settings or runtime. */
export function ApplicationPage({ applicationId, tab = 'general' }: { applicationId: string; tab?: string }) {
  const one = useQuery('application.one', { applicationId });
  // status and health as they change (a deployment started elsewhere, a task that died)
  const [latest, setLatest] = useState<ApplicationEvent>();
  useLiveEvents({ applicationId }, (e) => {
    if (e.type === 'application') setLatest(e.data);
  });
  const live = latest?.applicationId === applicationId ? latest : undefined;
  const app = one.data;
  if (one.error) return <ErrorText error={one.error} />;
  if (!app) return <Loading />;
  const current = TABS.find(([key]) => key === tab) ?? TABS[0];
  const Tab = current[2];
  const env = app.environment;
  return (
    <section class="application">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href="/">Projects</a> / <a href={`/project/${env?.project?.projectId}?environment=${env?.environmentId}`}>{env?.project?.name}</a> / <span>{env?.name}</span>
      </nav>
      <header class="app-head">
        <h1>{app.name}</h1>
        <StatusBadge status={live?.applicationStatus ?? app.applicationStatus} />
        {(live?.health ?? app.health) && <HealthBadge health={live?.health ?? app.health} />}
        <code class="muted">{app.appName}</code>
      </header>
      <Actions app={app} reload={one.reload} />
      <nav class="tabs" aria-label="Application">
        {TABS.map(([key, label]) => (
          <a href={`/application/${applicationId}/${key}`} aria-current={key === current[0] ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      <Tab app={app} reload={one.reload} />
    </section>
  );
}
