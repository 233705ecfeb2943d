import { useState } from 'preact/hooks';

export interface CursorPages {
  /** The cursor of the page shown; undefined for the first. */
  readonly cursor: string | undefined;
  readonly pageNumber: number;
  readonly hasPrevious: boolean;
  readonly next: (cursor: string) => void;
  readonly previous: () => void;
}

/**
 * Keyset pages (`?cursor=`) walked both ways: the API only gives the next page's cursor, so the cursors of the
 * pages seen are kept as a stack. A new `resetKey` (changed filters) starts again at the first page, in the
 * same render, so no request goes out with a cursor from other filters (the API would refuse it).
 */
export function useCursorPages(resetKey: string): CursorPages {
  const [state, setState] = useState<{ key: string; stack: readonly (string | undefined)[] }>({
    key: resetKey,
    stack: [undefined],
  });
  const stack = state.key === resetKey ? state.stack : [undefined];
  return {
    cursor: stack[stack.length - 1],
    pageNumber: stack.length,
    hasPrevious: stack.length > 1,
    next: (cursor) => setState({ key: resetKey, stack: [...stack, cursor] }),
    previous: () => setState({ key: resetKey, stack: stack.length > 1 ? stack.slice(0, -1) : stack }),
  };
}

/**
 * "Previous page" / "Next page" under a list; `next` is the current page's `next` (null on the last page,
 * undefined while loading). Shown once there is more than one page, with a button disabled where there is
 * nowhere to go.
 */
export function Pager({
  pages,
  next,
  label,
}: {
  pages: CursorPages;
  next: string | null | undefined;
  label: string;
}) {
  if (!pages.hasPrevious && typeof next !== 'string') return null;
  return (
    <div class="pager" role="group" aria-label={label}>
      <button type="button" disabled={!pages.hasPrevious} onClick={pages.previous}>
        Previous page
      </button>
      <span class="page-number">Page {pages.pageNumber}</span>
      <button
        type="button"
        disabled={next === null || next === undefined}
        onClick={() => {
          if (typeof next === 'string') pages.next(next);
        }}
      >
        Next page
      </button>
    </div>
  );
}
