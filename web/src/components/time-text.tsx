import { nowMs } from '../clock.js';
import { formatUtc, formatUtcDate, relativeTime } from '../format.js';

/**
 * An instant in UTC with how far it is from now ("2026-12-02 10:00 UTC · in 5 d"); `dateOnly` drops the time of
 * day where the day is what matters (certificate expiry in a long list). Null reads as a dash.
 */
export function TimeText({ iso, dateOnly = false }: { iso: string | null; dateOnly?: boolean }) {
  if (iso === null) return <span class="muted">—</span>;
  const relative = relativeTime(iso, nowMs());
  return (
    <span class="time-text">
      <time dateTime={iso} title={iso}>
        {dateOnly ? formatUtcDate(iso) : formatUtc(iso)}
      </time>
      {relative === '' ? null : <span class="hint"> · {relative}</span>}
    </span>
  );
}
