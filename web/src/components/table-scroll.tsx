import type { ComponentChildren } from 'preact';

/**
 * A table that scrolls sideways on its own on a narrow screen instead of widening the page. The wrapper is
 * focusable and named, so a keyboard user can scroll it too (WCAG 2.1.1).
 */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
