import { useCan } from '../../caller';
import { AreaField, CheckField, dotenvKeys, SettingsForm, useForm } from './fields';
import type { AppProps } from './types';

/** The Environment tab: the container's environment, build arguments and build secrets. */
export function EnvironmentTab({ app, reload }: AppProps) {
  const f = useForm(() => ({ env: app.env ?? '', buildArgs: app.buildArgs ?? '', buildSecrets: '', removeBuildSecrets: false, createEnvFile: app.createEnvFile !== false }));
  const { admin } = useCan();
  return (
    <SettingsForm
      title="Environment"
      reload={reload}
      submit={() => {
        const { buildSecrets, removeBuildSecrets, ...rest } = f.values;
        return ['application.saveEnvironment', { applicationId: app.applicationId, ...rest, ...secretChange('buildSecrets', buildSecrets, removeBuildSecrets) }];
      }}
      onSaved={() => f.reset({ ...f.values, buildSecrets: '', removeBuildSecrets: false })}
    >
      <p class="muted">
        One <code>KEY=value</code> per line; <code>{'${{project.KEY}}'}</code>, <code>{'${{environment.KEY}}'}</code> and <code>{'${{KEY}}'}</code> refer to other values. Changes apply on the next deploy.
        {!admin && ' Values are shown to admins only.'}
      </p>
      <AreaField label="Environment variables" rows={8} {...f.text('env')} />
      <AreaField label="Build arguments" rows={4} hint="Dockerfile builds: one --build-arg each." {...f.text('buildArgs')} />
      <SecretText label="build secrets" stored={app.buildSecrets} {...f.text('buildSecrets')} remove={f.check('removeBuildSecrets')} />
      <CheckField label="Write the environment to .env before a Dockerfile build" {...f.check('createEnvFile')} />
    </SettingsForm>
  );
}

/** Write-only text goes out only when replaced or removed; otherwise the stored value stays. */
export function secretChange(column: string, typed: string, remove: boolean): Record<string, string | null> {
  return remove ? { [column]: null } : typed.trim() ? { [column]: typed } : {};
}

/**
 * Write-only dotenv text (build secrets): the stored keys are listed, their values never shown;
 * what is typed replaces them all.
 */
export function SecretText(props: { label: string; stored: string | null; value: string; onInput(e: Event): void; remove: { checked: boolean; onChange(e: Event): void } }) {
  const { label, stored, value, onInput } = props;
  const keys = dotenvKeys(stored);
  const { admin } = useCan();
  return (
    <div class="wide">
      <div class="stored">
        <strong>Stored {label}:</strong>{' '}
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
      {admin && keys.length > 0 && <CheckField label={`Remove every stored ${label.replace(/s$/, '')}`} {...props.remove} />}
    </div>
  );
}
