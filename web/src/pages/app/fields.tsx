import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { mutate, type Input } from '../../api';
import { useCan } from '../../caller';
import { useAction } from '../../hooks';
import { ErrorText } from '../../ui';
import './settings.css';

/**
 * The form parts every settings tab uses: labelled fields, a form that saves through one
 * API call and shows the server's answer, and the conversions between what a user types and
 * what the API takes. Validation is the server's: forms are `noValidate`, so a bad value
 * reaches the API and its message is shown next to the form.
 */

type Values = Record<string, any>;

/** A form's values, with binders for text inputs and checkboxes. */
export function useForm<T extends Values>(initial: () => T) {
  const [values, setValues] = useState<T>(initial);
  const set = <K extends keyof T>(k: K, v: T[K]) => setValues((s) => ({ ...s, [k]: v }));
  return {
    values,
    set,
    reset: (next: T) => setValues(next),
    text: (k: keyof T & string) => ({ value: (values[k] ?? '') as string, onInput: (e: Event) => set(k, (e.currentTarget as HTMLInputElement).value as T[typeof k]) }),
    check: (k: keyof T & string) => ({ checked: !!values[k], onChange: (e: Event) => set(k, (e.currentTarget as HTMLInputElement).checked as T[typeof k]) }),
  };
}

type FieldProps = { label: string; hint?: ComponentChildren; wide?: boolean };

function Field({ label, hint, wide, id, children }: FieldProps & { id: string; children: ComponentChildren }) {
  return (
    <div class={wide ? 'field wide' : 'field'}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <small class="muted" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  );
}

/** The attributes passed through to the control (value, handlers, placeholder, type...). */
type Attrs = { [attribute: string]: any };

export function TextField({ label, hint, wide, ...input }: FieldProps & Attrs) {
  const id = useId();
  return (
    <Field label={label} hint={hint} wide={wide} id={id}>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} autocomplete="off" spellcheck={false} {...input} />
    </Field>
  );
}

export function AreaField({ label, hint, wide = true, rows = 4, ...area }: FieldProps & Attrs) {
  const id = useId();
  return (
    <Field label={label} hint={hint} wide={wide} id={id}>
      <textarea id={id} rows={rows} aria-describedby={hint ? `${id}-hint` : undefined} spellcheck={false} {...area} />
    </Field>
  );
}

export function SelectField({ label, hint, wide, options, ...select }: FieldProps & { options: [string, string][] } & Attrs) {
  const id = useId();
  return (
    <Field label={label} hint={hint} wide={wide} id={id}>
      <select id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...select}>
        {options.map(([value, text]) => (
          <option value={value}>{text}</option>
        ))}
      </select>
    </Field>
  );
}

export function CheckField({ label, hint, ...input }: { label: string; hint?: ComponentChildren } & Attrs) {
  const id = useId();
  return (
    <div class="field check wide">
      <input id={id} type="checkbox" aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      <label for={id}>{label}</label>
      {hint && (
        <small class="muted" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  );
}

/** A saving run of one API call: its error, a "Saved" note, and the page's data loaded again after it. */
function useSave(reload: () => void) {
  const [saved, setSaved] = useState(false);
  const action = useAction(async (name: string, input: Input) => {
    setSaved(false);
    await mutate(name, input);
  });
  const save = async (name: string, input: Input) => {
    const ok = await action.run(name, input);
    if (ok) {
      setSaved(true);
      reload();
    }
    return ok;
  };
  return { save, saved, clearSaved: () => setSaved(false), busy: action.busy, error: action.error };
}

/**
 * A settings form: its fields (disabled for tokens that may not change them), and for
 * admins a Save button, the server's error beside it, and "Saved" once it took.
 */
export function SettingsForm(props: {
  title: string;
  reload(): void;
  /** The procedure and input to send; null when nothing is to be sent. */
  submit(): [string, Input] | null;
  saveLabel?: string;
  children: ComponentChildren;
  onSaved?(): void;
  /** Shown as a Cancel button (row editors). */
  onCancel?(): void;
  /** A form inside a list gets a smaller heading. */
  level?: 2 | 3;
}) {
  const Heading = props.level === 3 ? 'h3' : 'h2';
  const ref = useRef<HTMLFormElement>(null);
  // A form opened from a list (Add, Edit) takes the focus, so keyboard users land in it.
  useEffect(() => {
    if (props.onCancel) ref.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, []);
  const { admin } = useCan();
  const s = useSave(props.reload);
  const id = useId();
  return (
    <form
      ref={ref}
      class={props.level === 3 ? 'panel inner' : 'panel'}
      aria-labelledby={id}
      noValidate
      // "Saved" speaks of what was sent: an edit after it makes it untrue.
      onInput={() => s.saved && s.clearSaved()}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && props.onCancel) props.onCancel();
      }}
      onSubmit={async (e) => {
        e.preventDefault();
        const call = props.submit();
        if (call && (await s.save(...call))) props.onSaved?.();
      }}
    >
      <Heading id={id}>{props.title}</Heading>
      <fieldset disabled={!admin} class="grid">
        {props.children}
      </fieldset>
      {admin && (
        <div class="actions">
          <button type="submit" class="primary" disabled={s.busy}>
            {s.busy ? 'Saving…' : (props.saveLabel ?? 'Save')}
          </button>
          {props.onCancel && (
            <button type="button" onClick={props.onCancel}>
              Cancel
            </button>
          )}
          {s.saved && !s.error && (
            <span role="status" class="saved">
              Saved
            </span>
          )}
        </div>
      )}
      <ErrorText error={s.error} />
    </form>
  );
}

/** "" → null (unset), a number when it is one, else the text as typed so the server names the mistake. */
export function numberOrNull(text: string): number | string | null {
  const t = String(text ?? '').trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** One item per non-empty line (watch paths, args, constraints); none → null. */
export function lines(text: string): string[] | null {
  const items = String(text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return items.length ? items : null;
}

/** Comma-separated names (labels, middlewares), trimmed, empty ones dropped. */
export const commaList = (text: string): string[] =>
  String(text ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export const joinLines = (items: string[] | null | undefined) => (items ?? []).join('\n');

/** Bytes (the API's memory unit) ↔ MiB as typed; nano-CPUs ↔ CPUs. Integer text either way; "" is unlimited. */
const scaled = (factor: number) => ({
  toApi: (text: string): string => {
    const t = String(text ?? '').trim();
    if (t === '') return '';
    const n = Number(t);
    return Number.isFinite(n) && n >= 0 ? String(Math.round(n * factor)) : t;
  },
  fromApi: (value: string | null | undefined): string => (value ? String(Number(value) / factor) : ''),
});
export const mebibytes = scaled(1024 * 1024);
export const cpus = scaled(1e9);
/** Seconds as typed ↔ the Docker API's nanoseconds. */
export const seconds = {
  toApi: (text: string): number | string | undefined => {
    const v = numberOrNull(text);
    return v === null ? undefined : typeof v === 'number' ? Math.round(v * 1e9) : v;
  },
  fromApi: (ns: number | null | undefined): string => (ns == null ? '' : String(ns / 1e9)),
};

/** The keys of dotenv text (no values): what is stored, without showing it. */
export function dotenvKeys(text: string | null | undefined): string[] {
  const keys: string[] = [];
  let quote: string | null = null;
  for (const line of String(text ?? '').split('\n')) {
    if (quote) {
      if (line.includes(quote)) quote = null;
      continue;
    }
    const m = line.match(/^\s*(?:export\s+)?([\w.-]+)\s*=\s*(["'`]?)(.*)$/);
    if (!m) continue;
    keys.push(m[1]);
    if (m[2] && !m[3].includes(m[2])) quote = m[2];
  }
  return keys;
}

/** An enum's values as select options. */
export function options(pairs: readonly string[]): [string, string][] {
  return pairs.map((p) => [p, p]);
}
