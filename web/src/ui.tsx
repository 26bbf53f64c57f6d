import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { ApiError } from './api';

/**
 * An API error as the user reads it: the server's message, or for a validation error (whose
 * message lists every field) each field on its own line.
 */
export function ErrorText({ error }: { error?: ApiError }) {
  if (!error) return null;
  const fields = error.issues.length > 0;
  return (
    <div class="error" role="alert">
      {fields ? error.message.split(':')[0] : error.message}
      {fields && (
        <ul>
          {error.issues.map((i) => (
            <li>
              {i.path.join('.')}: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The application statuses as a badge (idle, running, done, error). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span class={`badge badge-${status}`} title={label ?? status}>
      {label ?? status}
    </span>
  );
}

/** What Swarm runs (application.one's `health`, or a live event's) as a badge. */
export function HealthBadge({ health }: { health: { status: string; running: number; desired: number } }) {
  const tone = health.status === 'running' ? 'healthy' : health.status === 'failing' ? 'unhealthy' : health.status.replace(' ', '-');
  return <StatusBadge status={tone} label={health.status === 'not deployed' ? health.status : `${health.status} ${health.running}/${health.desired}`} />;
}

/**
 * A modal confirmation for destructive actions (a native <dialog>: focus is trapped and
 * Escape cancels, for keyboard users too).
 */
export function Confirm(props: { open: boolean; title: string; children?: ComponentChildren; confirmLabel: string; onConfirm(): void; onCancel(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class="confirm" onCancel={(e) => (e.preventDefault(), props.onCancel())} aria-labelledby="confirm-title">
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function Loading() {
  return <p class="muted" aria-busy="true">Loading…</p>;
}
