import { useEffect, useState } from 'preact/hooks';
import { mutate } from '../../api';
import { useCan } from '../../caller';
import { useAction, useQuery } from '../../hooks';
import { ErrorText, Loading } from '../../ui';
import './ops.css';
import type { AppProps } from './types';

/**
 * The application's Traefik file (YAML). Admins edit and save it; the server checks it
 * (YAML, Traefik's schema, RE2 regexes) and its refusal is shown beside the editor.
 */
export function Traefik({ app }: AppProps) {
  const { applicationId } = app;
  const { admin } = useCan();
  const file = useQuery<string | null>('application.readTraefikConfig', { applicationId });
  const [text, setText] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (file.data !== undefined) setText(file.data ?? '');
  }, [file.data]);
  const save = useAction(async () => {
    setSaved(false);
    await mutate('application.updateTraefikConfig', { applicationId, traefikConfig: text });
    setSaved(true);
    file.reload();
  });

  if (file.error) return <ErrorText error={file.error} />;
  if (file.data === undefined) return <Loading />;
  return (
    <form
      class="traefik"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      {file.data === null && <p class="muted">No Traefik file yet: Berth writes one when the application has an enabled domain.</p>}
      <p class="muted">Changes to the application’s domains, redirects or basic-auth users write this file again from them, replacing an edit.</p>
      <div class="editor-row">
        <div class="editor">
          <label for="traefik-config">Traefik configuration (YAML)</label>
          <textarea
            id="traefik-config"
            rows={18}
            spellcheck={false}
            readOnly={!admin}
            value={text}
            aria-describedby={save.error ? 'traefik-error' : undefined}
            onInput={(e) => {
              setText(e.currentTarget.value);
              setSaved(false);
            }}
          />
        </div>
        {save.error && (
          <div id="traefik-error" class="editor-error">
            <ErrorText error={save.error} />
          </div>
        )}
      </div>
      {admin && (
        <div class="actions">
          <button type="submit" class="primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save'}
          </button>
          <span role="status" class="saved">
            {saved && 'Saved'}
          </span>
        </div>
      )}
    </form>
  );
}
