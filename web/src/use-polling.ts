import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage, isAbort } from './api.js';
import { nowMs } from './clock.js';

/** How often a visible page refreshes its data. */
export const REFRESH_INTERVAL_MS = 10_000;

export interface Polled<T> {
  /** The last answer; undefined until the first arrives (and again after the inputs change). */
  readonly data: T | undefined;
  /** Why the last refresh failed; the previous data stays shown under it. */
  readonly error: string | undefined;
  /** The HTTP status behind `error` (404: the thing is gone); 0 when the server could not be reached. */
  readonly errorStatus: number | undefined;
  readonly loading: boolean;
  readonly updatedAtMs: number | undefined;
  /** Fetches again now (after an action), cancelling a refresh in flight that may predate it. */
  readonly reload: () => void;
}

interface PollState<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly errorStatus: number | undefined;
  readonly loading: boolean;
  readonly updatedAtMs: number | undefined;
}

const INITIAL = {
  data: undefined,
  error: undefined,
  errorStatus: undefined,
  loading: true,
  updatedAtMs: undefined,
} as const;

/**
 * Data that stays live without a reload: fetched when the inputs (`deps`) change, every 10 s while the tab is
 * visible (a hidden tab costs the server nothing), and at once when the operator comes back to the tab or
 * window. One request at a time; an answer for inputs that changed meanwhile is dropped.
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): Polled<T> {
  const [state, setState] = useState<PollState<T>>(INITIAL);
  const loadRef = useRef(load);
  loadRef.current = load;
  const runRef = useRef<(force: boolean) => void>(() => {});

  useEffect(() => {
    let disposed = false;
    let controller: AbortController | undefined;
    setState(INITIAL);

    const run = (force: boolean) => {
      if (disposed) return;
      if (controller !== undefined) {
        if (!force) return;
        controller.abort();
      }
      const mine = new AbortController();
      controller = mine;
      setState((s) => (s.loading ? s : { ...s, loading: true }));
      void loadRef
        .current(mine.signal)
        .then(
          (data) => {
            if (disposed || controller !== mine) return;
            setState({
              data,
              error: undefined,
              errorStatus: undefined,
              loading: false,
              updatedAtMs: nowMs(),
            });
          },
          (error: unknown) => {
            if (disposed || controller !== mine || isAbort(error)) return;
            setState((s) => ({
              ...s,
              error: errorMessage(error),
              errorStatus: error instanceof ApiError ? error.status : undefined,
              loading: false,
            }));
          },
        )
        .finally(() => {
          if (controller === mine) controller = undefined;
        });
    };
    runRef.current = run;
    run(true);

    const onVisible = () => {
      if (document.visibilityState === 'visible') run(false);
    };
    const timer = window.setInterval(onVisible, REFRESH_INTERVAL_MS);
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('focus', onVisible);
    return () => {
      disposed = true;
      controller?.abort();
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('focus', onVisible);
    };
    // The caller's deps say when the request changes; `load` itself is read through a ref.
  }, deps);

  return { ...state, reload: () => runRef.current(true) };
}
