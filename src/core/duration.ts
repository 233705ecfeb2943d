import { PkiError } from './pki-error.js';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 } as const;
const DURATION = /^(\d+)\s*(s|m|h|d|w|y)$/;

export const SECONDS_PER_DAY = UNIT_SECONDS.d;

/**
 * Parses a duration such as `90s`, `5m`, `1h`, `30d`, `2w` or `10y` into seconds. A year is 365 days: validity
 * arithmetic in certfleet is in exact seconds, never calendar months.
 */
export function parseDurationSeconds(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `'${text}' is not a duration; use a number and a unit s, m, h, d, w or y (e.g. 30d)`,
    );
  }
  const amount = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_SECONDS;
  const seconds = amount * UNIT_SECONDS[unit];
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new PkiError('MALFORMED_INPUT', `duration '${text}' must be positive and finite`);
  }
  return seconds;
}

/** The shortest exact rendering of a number of seconds, e.g. 2592000 → `30d`, 5400 → `90m`. */
export function formatDuration(seconds: number): string {
  for (const unit of ['y', 'w', 'd', 'h', 'm'] as const) {
    const size = UNIT_SECONDS[unit];
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
