import { useCan } from '../../caller';
import { AreaField, CheckField, dotenvKeys, SettingsForm, useForm } from './fields';
import type { AppProps } from './types';

/** The Environment tab: the container's environment, build arguments and build secrets. */
export function EnvironmentTab({ app, reload }: AppProps) {
  const f = useForm(() => ({ env: app.env ?? '', buildArgs: app.buildArgs ?? '', buildSecrets: '', createEnvFile: app.createEnvFile !== false }));
  const { admin } = useCan();
  return (
    <SettingsForm
      title="Environment"
      reload={reload}
      submit={() => {
        const { buildSecrets, ...rest } = f.values;
        // Build secrets are write-only: sent only when new ones were typed, otherwise the stored ones stay.
        return ['application.saveEnvironment', { applicationId: app.applicationId, ...rest, ...(buildSecrets.trim() ? { buildSecrets } : {}) }];
      }}
      onSaved={() => f.set('buildSecrets', '')}
    >
      <p class="muted">
        One <code>KEY=value</code> per line; <code>{'${{project.KEY}}'}</code>, <code>{'${{environment.KEY}}'}</code> and <code>{'${{KEY}}'}</code> refer to other values. Changes apply on the next deploy.
        {!admin && ' Values are shown to admins only.'}
      </p>
      <AreaField label="Environment variables" rows={8} {...f.text('env')} />
      <AreaField label="Build arguments" rows={4} hint="Dockerfile builds: one --build-arg each." {...f.text('buildArgs')} />
      <SecretText label="build secrets" stored={app.buildSecrets} {...f.text('buildSecrets')} />
      <CheckField label="Write the environment to .env before a Dockerfile build" {...f.check('createEnvFile')} />
    </SettingsForm>
  );
}

/**
 * Write-only dotenv text (build secrets): the stored keys are listed, their values never shown;
 * what is typed replaces them all.
 */
export function SecretText({ label, stored, value, onInput }: { label: string; stored: string | null; value: string; onInput: (e: any) => void }) {
  const keys = dotenvKeys(stored);
  const { admin } = useCan();
  return (
    <div class="wide">
      <div class="muted">
        Stored {label}:{' '}
        {keys.length === 0 ? (
          'none'
        ) : (
          <ul class="keys" aria-label={`Stored ${label}`}>
            {keys.map((k) => (
              <li>
                <code>{k}</code>
              </li>
            ))}
          </ul>
        )}
      </div>
      {admin && (
        <AreaField
          label={`Replace ${label}`}
          rows={3}
          value={value}
          onInput={onInput}
          autocomplete="off"
          placeholder="KEY=value (leave empty to keep the stored ones)"
          hint="Write-only: stored values are never shown. What you type replaces every stored one."
        />
      )}
    </div>
  );
}
