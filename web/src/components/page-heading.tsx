import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

/**
 * The page's one `<h1>`, which also names the browser tab. Focusable from script only (tabIndex -1): the
 * shell moves focus here when the page changes.
 */
export function PageHeading({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · certfleet`;
  }, [title]);
  return <h1 tabIndex={-1}>{children ?? title}</h1>;
}
