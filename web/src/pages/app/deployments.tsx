import { useEffect, useRef, useState } from 'preact/hooks';
import { mutate } from '../../api';
import { useCan } from '../../caller';
import { useAction, useQuery } from '../../hooks';
import { navigate, useLocation } from '../../router';
import { Confirm, ErrorText, Loading, StatusBadge } from '../../ui';
import { duration, stageDurations } from './figures';
import { LogView, useLiveLines } from './live-log';
import './ops.css';
import type { AppProps } from './types';

/** A row of deployment.allByType (deployment.all's row with its kept release). */
interface Deployment {
  deploymentId: string;
  status: string;
  stage: string;
  stageTimes: Record<string, string> | null;
  type: string;
  title: string;
  errorMessage: string | null;
  commitHash: string | null;
  rollbackId: string | null;
  createdAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  rollback: { rollbackId: string; version: number } | null;
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/**
 * The application's deployments, newest first, with their stage timings and the current
 * release marked; the selected one's log (live while it runs); rollback to a kept release.
 */
export function Deployments({ app, reload }: AppProps) {
  const { applicationId } = app;
  const can = useCan();
  const list = useQuery<Deployment[]>('deployment.allByType', { id: applicationId, type: 'application' });
  const { search } = useLocation();
  const rows = list.data ?? [];
  const selectedId = search.get('deployment') ?? rows[0]?.deploymentId;
  const selected = rows.find((d) => d.deploymentId === selectedId);
  const [target, setTarget] = useState<Deployment>();
  const rollback = useAction(async (rollbackId: string) => {
    const row = await mutate('rollback.rollback', { rollbackId });
    select(row.deploymentId);
  });

  // a deployment started elsewhere (the actions above) is not listed yet: list again
  const known = useRef(new Set<string>());
  known.current = new Set(rows.map((d) => d.deploymentId));
  useEffect(() => {
    if (list.data && selectedId && !known.current.has(selectedId)) list.reload();
  }, [selectedId, !!list.data]);

  const select = (deploymentId: string) => navigate(`/application/${applicationId}/deployments?deployment=${encodeURIComponent(deploymentId)}`, true);
  const onEnd = () => {
    list.reload();
    reload();
  };

  if (list.error) return <ErrorText error={list.error} />;
  if (!list.data) return <Loading />;
  const current = app.release?.deploymentId;
  return (
    <div class="deployments">
      <ErrorText error={rollback.error} />
      {rows.length === 0 ? (
        <p class="muted">No deployments yet.</p>
      ) : (
        <ul class="deploy-list" aria-label="Deployments">
          {rows.map((d) => (
            <li key={d.deploymentId} class={d.deploymentId === selectedId ? 'selected' : undefined}>
              <div class="deploy-head">
                <StatusBadge status={d.status} />
                <a href={`/application/${applicationId}/deployments?deployment=${encodeURIComponent(d.deploymentId)}`} aria-current={d.deploymentId === selectedId ? 'true' : undefined}>
                  {d.title}
                </a>
                <span class="muted">{d.type}</span>
                {d.deploymentId === current && <span class="badge badge-current">current release</span>}
              </div>
              <div class="deploy-meta muted">
                <time dateTime={d.createdAt}>{when(d.createdAt)}</time>
                {d.durationMs !== null && <span> · {duration(d.durationMs)}</span>}
                {d.commitHash && <code> · {d.commitHash.slice(0, 8)}</code>}
                {d.rollback && <span> · release v{d.rollback.version}</span>}
              </div>
              <Stages d={d} />
              {d.errorMessage && <p class="deploy-error">{d.errorMessage}</p>}
              {can.deploy && d.type !== 'rollback' && d.rollback && d.rollback.rollbackId !== app.release?.rollbackId && (
                <button type="button" disabled={rollback.busy} onClick={() => setTarget(d)}>
                  Roll back to this release
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {selected && <DeploymentLog d={selected} onEnd={onEnd} />}
      <Confirm
        open={!!target}
        title="Roll back?"
        confirmLabel="Roll back"
        onCancel={() => setTarget(undefined)}
        onConfirm={() => {
          const id = target!.rollback!.rollbackId;
          setTarget(undefined);
          void rollback.run(id);
        }}
      >
        <p>
          The service gets the image and configuration of “{target?.title}” ({target && when(target.createdAt)}
          {target?.rollback && `, release v${target.rollback.version}`}) without a build.
        </p>
      </Confirm>
    </div>
  );
}

function Stages({ d }: { d: Deployment }) {
  const stages = stageDurations(d.stageTimes, d.finishedAt, Date.now());
  if (stages.length === 0) return null;
  return (
    <ol class="stages" aria-label="Stage timings">
      {stages.map(([stage, ms]) => (
        <li>
          {stage} <span class="muted">{duration(ms)}</span>
        </li>
      ))}
    </ol>
  );
}

/** A deployment's log: every line so far, then, while it runs, each new one until its end. */
function DeploymentLog({ d, onEnd }: { d: Deployment; onEnd(): void }) {
  // a finished deployment's stream replays its log and ends at once: only a running one's end is news
  const running = d.status === 'running';
  const log = useLiveLines('/api/deployment.stream', { deploymentId: d.deploymentId }, d.deploymentId, running ? onEnd : undefined);
  const status = log.end ? (JSON.parse(log.end) as { status: string | null }).status : undefined;
  return (
    <section class="deploy-log" aria-labelledby="deploy-log-title">
      <h2 id="deploy-log-title">
        Log of “{d.title}”{' '}
        {log.live ? <span class="badge badge-running">following</span> : status ? <StatusBadge status={status} label={`ended ${status}`} /> : null}
      </h2>
      <ErrorText error={log.error} />
      <LogView lines={log.lines} follow={log.live} label={`Log of ${d.title}`} empty={log.live ? 'Waiting for the first line…' : 'This log is empty.'} />
    </section>
  );
}
