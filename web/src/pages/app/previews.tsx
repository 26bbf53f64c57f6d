import { useId, useState } from 'preact/hooks';
import { mutate } from '../../api';
import { useCan } from '../../caller';
import { useAction, useQuery } from '../../hooks';
import { Confirm, ErrorText, Loading, StatusBadge } from '../../ui';
import { CERTIFICATES, urlOf } from './domains';
import { secretChange, SecretText } from './environment';
import { AreaField, CheckField, commaList, numberOrNull, SelectField, SettingsForm, TextField, useForm } from './fields';
import type { AppProps } from './types';

/** The Previews tab: whether pull requests get a preview and how, and the previews there are. */
export function Previews({ app, reload }: AppProps) {
  return (
    <>
      <PreviewSettings app={app} reload={reload} />
      <PreviewList app={app} reload={reload} />
    </>
  );
}

function PreviewSettings({ app, reload }: AppProps) {
  const f = useForm(() => ({
    isPreviewDeploymentsActive: !!app.isPreviewDeploymentsActive,
    previewWildcard: app.previewWildcard ?? '',
    previewPort: String(app.previewPort ?? 3000),
    previewPath: app.previewPath ?? '/',
    previewHttps: !!app.previewHttps,
    previewCertificateType: app.previewCertificateType ?? 'none',
    previewCustomCertResolver: app.previewCustomCertResolver ?? '',
    previewLimit: String(app.previewLimit ?? 3),
    previewLabels: (app.previewLabels ?? []).join(', '),
    previewAllowForks: !!app.previewAllowForks,
    previewRequireCollaboratorPermissions: app.previewRequireCollaboratorPermissions !== false,
    previewEnv: app.previewEnv ?? '',
    previewBuildArgs: app.previewBuildArgs ?? '',
    previewBuildSecrets: '',
    removePreviewBuildSecrets: false,
  }));
  const v = f.values;
  const submit = (): [string, Record<string, unknown>] => {
    const { previewBuildSecrets, removePreviewBuildSecrets, ...rest } = v;
    const labels = commaList(v.previewLabels);
    return [
      'application.update',
      {
        applicationId: app.applicationId,
        ...rest,
        previewPort: numberOrNull(v.previewPort),
        previewLimit: numberOrNull(v.previewLimit),
        previewLabels: labels.length ? labels : null,
        previewCustomCertResolver: v.previewCertificateType === 'custom' ? v.previewCustomCertResolver : null,
        ...secretChange('previewBuildSecrets', previewBuildSecrets, removePreviewBuildSecrets),
      },
    ];
  };
  return (
    <SettingsForm title="Preview deployments" reload={reload} submit={submit} onSaved={() => f.reset({ ...f.values, previewBuildSecrets: '', removePreviewBuildSecrets: false })}>
      <p class="muted">Each pull request against the application's branch gets its own service and domain, removed when it closes.</p>
      <CheckField label="Deploy previews of pull requests" {...f.check('isPreviewDeploymentsActive')} />
      <TextField label="Wildcard domain" placeholder="*.preview.example.com" hint={'Must start with "*."; * becomes the preview\'s name. Empty: *.sslip.io.'} {...f.text('previewWildcard')} />
      <TextField label="Preview container port" inputMode="numeric" {...f.text('previewPort')} />
      <TextField label="Preview path" placeholder="/" {...f.text('previewPath')} />
      <TextField label="Preview limit" inputMode="numeric" hint="At most this many previews at once." {...f.text('previewLimit')} />
      <CheckField label="Preview HTTPS" {...f.check('previewHttps')} />
      {v.previewHttps && (
        <SelectField label="Preview certificate" options={CERTIFICATES} {...f.text('previewCertificateType')} />
      )}
      {v.previewHttps && v.previewCertificateType === 'custom' && <TextField label="Preview certificate resolver" {...f.text('previewCustomCertResolver')} />}
      <TextField label="Only pull requests labelled" placeholder="preview, deploy-me" hint="Comma-separated; empty: every pull request." wide {...f.text('previewLabels')} />
      <CheckField label="Preview pull requests from forks" hint="A preview build gets the application's secrets." {...f.check('previewAllowForks')} />
      <CheckField label="Only authors with write access to the repository" {...f.check('previewRequireCollaboratorPermissions')} />
      <AreaField label="Preview environment variables" rows={4} hint="Merged over the application's." {...f.text('previewEnv')} />
      <AreaField label="Preview build arguments" rows={3} {...f.text('previewBuildArgs')} />
      <SecretText label="preview build secrets" stored={app.previewBuildSecrets} {...f.text('previewBuildSecrets')} remove={f.check('removePreviewBuildSecrets')} />
    </SettingsForm>
  );
}

interface Preview {
  previewDeploymentId: string;
  pullRequestNumber: string;
  pullRequestTitle: string;
  pullRequestURL: string;
  branch: string;
  previewStatus: string;
  statusMessage: string | null;
  appName: string;
  createdAt: string;
  domain: { host: string; path: string | null; https: boolean } | null;
  deployments: { deploymentId: string; status: string; title: string; createdAt: string }[];
}

function PreviewList({ app }: AppProps) {
  const list = useQuery<Preview[]>('previewDeployment.all', { applicationId: app.applicationId });
  const { deploy } = useCan();
  const id = useId();
  const [doomed, setDoomed] = useState<Preview>();
  const [note, setNote] = useState<string>();
  const act = useAction(async (name: string, p: Preview) => {
    setNote(undefined);
    await mutate(name, { previewDeploymentId: p.previewDeploymentId });
    setNote(name === 'previewDeployment.redeploy' ? `Rebuild of #${p.pullRequestNumber} queued` : `Preview of #${p.pullRequestNumber} deleted`);
    list.reload();
  });
  return (
    <section class="panel" aria-labelledby={id}>
      <h2 id={id}>Previews</h2>
      <ErrorText error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data?.length === 0 && <p class="muted">No preview: none of the open pull requests has one.</p>}
      {list.data && list.data.length > 0 && (
        <ul class="rows">
          {list.data.map((p) => (
            <li key={p.previewDeploymentId}>
              <div class="row-text">
                <a href={p.pullRequestURL} target="_blank" rel="noreferrer">
                  #{p.pullRequestNumber} {p.pullRequestTitle}
                </a>{' '}
                <StatusBadge status={p.statusMessage ? 'cancelled' : p.previewStatus} label={p.statusMessage ? 'refused' : p.previewStatus} />
                <div class="facts">
                  branch {p.branch}
                  {p.deployments[0] && `, last deployment ${p.deployments[0].status} (${new Date(p.deployments[0].createdAt).toLocaleString()})`}
                </div>
                {p.domain && (
                  <div>
                    <a href={urlOf(p.domain)} target="_blank" rel="noreferrer">
                      {urlOf(p.domain)}
                    </a>
                  </div>
                )}
                {p.statusMessage && <p class="dns bad">{p.statusMessage}</p>}
              </div>
              {deploy && (
                <div class="row-actions">
                  {!p.statusMessage && (
                    <button type="button" onClick={() => act.run('previewDeployment.redeploy', p)} disabled={act.busy} aria-label={`Redeploy preview #${p.pullRequestNumber}`}>
                      Redeploy
                    </button>
                  )}
                  <button type="button" class="danger" onClick={() => setDoomed(p)} aria-label={`Delete preview #${p.pullRequestNumber}`}>
                    Delete
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {note && (
        <p role="status" class="saved">
          {note}
        </p>
      )}
      <ErrorText error={act.error} />
      {deploy && (
        <Confirm
          open={doomed !== undefined}
          title={`Delete the preview of #${doomed?.pullRequestNumber}?`}
          confirmLabel="Delete preview"
          onCancel={() => setDoomed(undefined)}
          onConfirm={() => {
            const p = doomed!;
            setDoomed(undefined);
            void act.run('previewDeployment.delete', p);
          }}
        >
          <p>Its service, images, domain and logs are removed. A later update of the pull request creates it again.</p>
        </Confirm>
      )}
    </section>
  );
}
