/**
 * How the dashboard writes times and numbers. Times are always UTC (operators across sites read the same
 * instant the same way, and the API and logs speak UTC), with a relative hint ("in 5 d", "3 h ago") computed
 * against the time passed in, so tests fix it.
 */

const MINUTE_S = 60;
const HOUR_S = 60 * MINUTE_S;
const DAY_S = 24 * HOUR_S;

function parse(iso: string): Date | undefined {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `2026-11-27 14:05 UTC`; an unreadable time is shown as it came. */
export function formatUtc(iso: string): string {
  const date = parse(iso);
  if (date === undefined) return iso;
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 16)} UTC`;
}

/** `2026-11-27` (the UTC day). */
export function formatUtcDate(iso: string): string {
  const date = parse(iso);
  return date === undefined ? iso : date.toISOString().slice(0, 10);
}

/** `14:05:09 UTC`, for "updated at". */
export function formatUtcTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 19)} UTC`;
}

/**
 * How far `iso` is from `nowMs`, in the largest unit that keeps it short: "in 5 d", "3 h ago", "in 12 min",
 * "now" (within a minute). Days from 48 hours on, so "in 2 d" never means 25 hours.
 */
export function relativeTime(iso: string, nowMs: number): string {
  const date = parse(iso);
  if (date === undefined) return '';
  const seconds = Math.round((date.getTime() - nowMs) / 1000);
  const abs = Math.abs(seconds);
  if (abs < MINUTE_S) return 'now';
  const amount =
    abs < HOUR_S
      ? `${Math.floor(abs / MINUTE_S)} min`
      : abs < 2 * DAY_S
        ? `${Math.floor(abs / HOUR_S)} h`
        : `${Math.floor(abs / DAY_S)} d`;
  return seconds > 0 ? `in ${amount}` : `${amount} ago`;
}

/** `1,234,567`: counts read at a glance; the exact digits are in data attributes where tests need them. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A duration in seconds as the largest whole unit: `7 d`, `12 h`, `30 min`, `45 s`. */
export function formatSeconds(seconds: number): string {
  if (seconds % DAY_S === 0 && seconds >= DAY_S) return `${seconds / DAY_S} d`;
  if (seconds % HOUR_S === 0 && seconds >= HOUR_S) return `${seconds / HOUR_S} h`;
  if (seconds % MINUTE_S === 0 && seconds >= MINUTE_S) return `${seconds / MINUTE_S} min`;
  return `${seconds} s`;
}

/** Snake-case state names and kebab-case reasons, readable: `renewal_due` → `renewal due`. */
export function humanize(name: string): string {
  return name.replace(/[_-]+/g, ' ');
}

/** A long hex string (serial, fingerprint) shortened for a table cell; the whole is in its title. */
export function shortHex(hex: string, keep = 16): string {
  return hex.length <= keep + 1 ? hex : `${hex.slice(0, keep)}…`;
}

/** Text cut to `max` characters with an ellipsis, for a one-line preview. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(max - 1, 0))}…`;
}

/** `host:port`, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** "1 device" / "3 devices". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * The class of a "days left" cell: expired and within a week stand out. The number is always shown too, so
 * colour is not the only cue.
 */
export function daysLeftClass(daysLeft: number | null): string {
  if (daysLeft === null) return 'number';
  if (daysLeft < 0) return 'number days-expired';
  if (daysLeft <= 7) return 'number days-soon';
  return 'number';
}
