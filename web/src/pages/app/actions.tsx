import { useEffect, useState } from 'preact/hooks';
import { mutate } from '../../api';
import { useCan } from '../../caller';
import { useAction } from '../../hooks';
import { navigate } from '../../router';
import { Confirm, ErrorText } from '../../ui';
import './ops.css';
import type { AppProps } from './types';

/** The actions that need a confirmation, with what the dialog says. */
const DESTRUCTIVE = {
  stop: { title: 'Stop the application?', body: 'Its service is scaled to 0: it stops serving until started again.', label: 'Stop' },
  cancel: { title: 'Cancel the deployment?', body: 'The running (else the queued) deployment ends cancelled; a release it had begun goes back to the previous version.', label: 'Cancel deployment' },
  delete: { title: 'Delete the application?', body: 'Its service, deployments, logs, domains and settings are removed for good.', label: 'Delete' },
} as const;
type Destructive = keyof typeof DESTRUCTIVE;

/**
 * The application's actions, above every tab: deploy, redeploy (optionally with a clean
 * build cache), start, reload, and the confirmed stop, cancel and delete. A deploy opens
 * its live log on the Deployments tab.
 */
export function Actions({ app, reload }: AppProps) {
  const can = useCan();
  const [asking, setAsking] = useState<Destructive>();
  const [done, setDone] = useState('');
  const [cleanCache, setCleanCache] = useState<boolean>(!!app.cleanCache);
  // the setting as saved (also from the settings tabs) is what the box shows
  useEffect(() => setCleanCache(!!app.cleanCache), [app.cleanCache]);
  const { applicationId, appName } = app;

  const act = useAction(async (what: string, fn: () => Promise<unknown>, then: () => void = reload) => {
    setDone('');
    await fn();
    setDone(what);
    then();
  });
  const deploy = (proc: 'application.deploy' | 'application.redeploy') =>
    act.run(proc === 'application.deploy' ? 'Deployment queued' : 'Redeployment queued', async () => {
      // the clean-cache choice is the application's setting (redeploy takes no such field)
      if (proc === 'application.redeploy' && can.admin && cleanCache !== !!app.cleanCache) await mutate('application.update', { applicationId, cleanCache });
      const row = await mutate(proc, { applicationId });
      navigate(`/application/${applicationId}/deployments?deployment=${encodeURIComponent(row.deploymentId)}`);
    });
  const confirmed = async () => {
    const what = asking!;
    setAsking(undefined);
    if (what === 'stop') await act.run('Stop queued', () => mutate('application.stop', { applicationId }));
    else if (what === 'cancel') await act.run('Deployment cancelled', () => mutate('application.cancelDeployment', { applicationId }));
    else {
      const env = app.environment;
      await act.run('Deleted', () => mutate('application.delete', { applicationId }), () => navigate(`/project/${env?.project?.projectId}?environment=${env?.environmentId}`));
    }
  };

  if (!can.deploy) return null;
  const question = asking && DESTRUCTIVE[asking];
  return (
    <div class="app-actions">
      <div class="actions" role="group" aria-label="Application actions">
        <button type="button" class="primary" disabled={act.busy} onClick={() => deploy('application.deploy')}>
          Deploy
        </button>
        <span class="redeploy">
          <button type="button" disabled={act.busy} onClick={() => deploy('application.redeploy')}>
            Redeploy
          </button>
          <label class="inline" title={can.admin ? 'Build without the build cache and pull base images again (saved as the application’s setting)' : 'Only an admin changes this setting'}>
            <input type="checkbox" checked={cleanCache} disabled={!can.admin || act.busy} onChange={(e) => setCleanCache(e.currentTarget.checked)} />
            clean cache
          </label>
        </span>
        <button type="button" disabled={act.busy} onClick={() => act.run('Start queued', () => mutate('application.start', { applicationId }))}>
          Start
        </button>
        <button type="button" disabled={act.busy} onClick={() => act.run('Reload queued', () => mutate('application.reload', { applicationId, appName }))}>
          Reload
        </button>
        <button type="button" class="danger" disabled={act.busy} onClick={() => setAsking('stop')}>
          Stop
        </button>
        <button type="button" class="danger" disabled={act.busy} onClick={() => setAsking('cancel')}>
          Cancel deployment
        </button>
        {can.admin && (
          <button type="button" class="danger" disabled={act.busy} onClick={() => setAsking('delete')}>
            Delete
          </button>
        )}
      </div>
      <ErrorText error={act.error} />
      <p class="muted action-done" role="status">
        {done}
      </p>
      <Confirm open={!!question} title={question?.title ?? ''} confirmLabel={question?.label ?? ''} onConfirm={confirmed} onCancel={() => setAsking(undefined)}>
        <p>{question?.body}</p>
      </Confirm>
    </div>
  );
}
