import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/** A titled part of a page: a `<section>` named by its `<h2>`, so it is a landmark a screen reader can list. */
export function Section({
  title,
  children,
  actions,
  className,
}: {
  title: string;
  children: ComponentChildren;
  /** Controls beside the heading (a toggle, a link). */
  actions?: ComponentChildren;
  className?: string;
}) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} class={className === undefined ? 'panel' : `panel ${className}`}>
      <div class="panel-head">
        <h2 id={headingId}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
