import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

export interface ConfirmDialogProps {
  readonly open: boolean;
  readonly title: string;
  /** While the action runs: the buttons are held and say so. */
  readonly busy: boolean;
  /** Why the action failed; the dialog stays open to retry or cancel. */
  readonly error: string | undefined;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
  readonly children: ComponentChildren;
  /** Replaces the Confirm/Cancel buttons once the action is done (e.g. a secret shown once, then "Close"). */
  readonly done?: ComponentChildren;
  readonly danger?: boolean;
}

/**
 * A modal confirmation on the native `<dialog>`: `showModal()` makes the rest of the page inert, moves focus
 * into the dialog and closes it on Escape; focus goes back to what opened it. Confirm is the form's submit,
 * so Enter in a field confirms, and Cancel comes first, where focus lands when there are no fields.
 * (The dialog is always in the page, closed, so the effect can open it; `open` is the parent's truth.)
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();
  const { open, onCancel } = props;
  const isDone = props.done !== undefined;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  useEffect(() => {
    // The Confirm button that had focus is gone: the first of the new buttons takes it.
    if (isDone) ref.current?.querySelector<HTMLElement>('.dialog-buttons button')?.focus();
  }, [isDone]);

  const restoreFocus = () => {
    const target = opener.current;
    opener.current = null;
    if (target instanceof HTMLElement && target.isConnected) target.focus();
    // The opener can be gone (Revoke, once revoked): the page's heading is the next best place.
    else document.querySelector<HTMLElement>('main h1')?.focus();
  };

  return (
    <dialog
      ref={ref}
      class="confirm-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Escape: no closing while the action runs, so its outcome is not lost.
        if (props.busy) event.preventDefault();
      }}
      onClose={() => {
        restoreFocus();
        if (open) onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (!props.busy && props.done === undefined) props.onConfirm();
        }}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
        {props.error === undefined ? null : (
          <p class="message error" role="alert">
            {props.error}
          </p>
        )}
        <div class="dialog-buttons">
          {props.done ?? (
            <>
              <button type="button" onClick={() => onCancel()} disabled={props.busy}>
                Cancel
              </button>
              <button
                type="submit"
                class={props.danger === true ? 'danger' : 'primary'}
                aria-disabled={props.busy}
              >
                {props.busy ? 'Working…' : 'Confirm'}
              </button>
            </>
          )}
        </div>
      </form>
    </dialog>
  );
}
