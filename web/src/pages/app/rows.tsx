import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { mutate, type Input } from '../../api';
import { useCan } from '../../caller';
import { useAction } from '../../hooks';
import { Confirm, ErrorText } from '../../ui';
import { SettingsForm } from './fields';

/**
 * The rows of one kind an application owns (domains, ports, mounts, redirects, basic-auth
 * users): each shown, and for admins editable in place and deletable after a confirmation,
 * with an Add form below. `editor` renders the form for a new row (undefined) or an existing one.
 */
export function Rows<T>(props: {
  title: string;
  intro?: ComponentChildren;
  items: T[];
  keyOf(item: T): string;
  /** What the row shows; its first line names it (also in the delete confirmation). */
  describe(item: T): ComponentChildren;
  nameOf(item: T): string;
  editor(item: T | undefined, done: () => void): ComponentChildren;
  /** The delete call for a row. */
  remove(item: T): [string, Input];
  /** Controls besides Edit and Delete (e.g. a DNS check). */
  extra?(item: T): ComponentChildren;
  addLabel: string;
  empty: string;
  reload(): void;
}) {
  const { admin } = useCan();
  const id = useId();
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [doomed, setDoomed] = useState<T>();
  const removal = useAction(async (item: T) => {
    await mutate(...props.remove(item));
  });
  return (
    <section class="panel" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.intro}
      {props.items.length === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <ul class="rows">
          {props.items.map((item) => {
            const key = props.keyOf(item);
            if (editing === key) return <li key={key}>{props.editor(item, () => setEditing(null))}</li>;
            return (
              <li key={key}>
                <div class="row-text">{props.describe(item)}</div>
                <div class="row-actions">
                  {props.extra?.(item)}
                  {admin && (
                    <>
                      <button type="button" onClick={() => setEditing(key)} aria-label={`Edit ${props.nameOf(item)}`}>
                        Edit
                      </button>
                      <button type="button" class="danger" onClick={() => setDoomed(item)} aria-label={`Delete ${props.nameOf(item)}`}>
                        Delete
                      </button>
                    </>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <ErrorText error={removal.error} />
      {admin &&
        (adding ? (
          props.editor(undefined, () => setAdding(false))
        ) : (
          <button type="button" onClick={() => setAdding(true)}>
            {props.addLabel}
          </button>
        ))}
      {admin && (
        <Confirm
          open={doomed !== undefined}
          title={`Delete ${doomed === undefined ? '' : props.nameOf(doomed)}?`}
          confirmLabel="Delete"
          onCancel={() => setDoomed(undefined)}
          onConfirm={async () => {
            const item = doomed!;
            setDoomed(undefined);
            if (await removal.run(item)) props.reload();
          }}
        />
      )}
    </section>
  );
}

/** The form that adds a row (`editing` undefined) or edits the row `editing` names; saving or Cancel closes it. */
export function RowEditor(props: { noun: string; editing?: string; done(): void; reload(): void; submit(): [string, Input]; children: ComponentChildren }) {
  const adding = props.editing === undefined;
  return (
    <SettingsForm
      title={adding ? `New ${props.noun}` : `Edit ${props.editing}`}
      level={3}
      reload={props.reload}
      submit={props.submit}
      onSaved={props.done}
      onCancel={props.done}
      saveLabel={adding ? `Add ${props.noun}` : `Save ${props.noun}`}
    >
      {props.children}
    </SettingsForm>
  );
}
