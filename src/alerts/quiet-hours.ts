import type { QuietHours } from '../store/alert-rules.js';

const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;

/**
 * When the quiet hours around `now` end, or undefined if `now` is outside them. The window is in local time
 * of the zone: 22:00–07:00 holds from 22:00 to 07:00 the next morning, whatever the UTC offset, daylight
 * saving included (the end is corrected by the offset change between now and then).
 */
export function quietUntil(quiet: QuietHours, now: Date): Date | undefined {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const local = localMinutes(now, quiet.timeZone);
  const inside = start < end ? local >= start && local < end : local >= start || local < end;
  if (!inside) return undefined;
  const minutesToEnd = (end - local + DAY_MINUTES) % DAY_MINUTES;
  // The start of the current local minute, plus the minutes to the end.
  const naive = now.getTime() - (now.getTime() % MINUTE_MS) + minutesToEnd * MINUTE_MS;
  const shift = offsetMs(now, quiet.timeZone) - offsetMs(new Date(naive), quiet.timeZone);
  return new Date(naive + shift);
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

const formats = new Map<string, Intl.DateTimeFormat>();

function partsOf(at: Date, timeZone: string): Record<string, number> {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts;
}

function localMinutes(at: Date, timeZone: string): number {
  const parts = partsOf(at, timeZone);
  return (parts['hour'] ?? 0) * 60 + (parts['minute'] ?? 0);
}

/** The zone's offset from UTC at `at` (local wall time minus UTC), in milliseconds. */
function offsetMs(at: Date, timeZone: string): number {
  const p = partsOf(at, timeZone);
  const local = Date.UTC(
    p['year'] ?? 0,
    (p['month'] ?? 1) - 1,
    p['day'] ?? 1,
    p['hour'] ?? 0,
    p['minute'] ?? 0,
    p['second'] ?? 0,
  );
  return local - (at.getTime() - (at.getTime() % 1000));
}
