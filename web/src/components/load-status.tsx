import { formatUtcTime } from '../format.js';
import type { Polled } from '../use-polling.js';

/**
 * Under a section's data: "Loading…" before the first answer, the error of the last refresh (the previous data
 * stays shown), or when the data was last updated. Errors are alerts; the routine "updated" line is not
 * announced, since it changes every 10 s.
 */
export function LoadStatus({
  polled,
}: {
  polled: Pick<Polled<unknown>, 'data' | 'error' | 'loading' | 'updatedAtMs'>;
}) {
  if (polled.error !== undefined) {
    return (
      <p class="message error" role="alert">
        {polled.error}
      </p>
    );
  }
  if (polled.data === undefined) {
    return <p class="muted">{polled.loading ? 'Loading…' : ''}</p>;
  }
  return polled.updatedAtMs === undefined ? null : (
    <p class="updated muted">Updated {formatUtcTime(polled.updatedAtMs)}</p>
  );
}
