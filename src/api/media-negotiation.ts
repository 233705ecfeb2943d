/**
 * Proactive negotiation (RFC 9110 §12.5.1): of the media types `offered`, in the server's order of preference,
 * the one the Accept header rates highest. No Accept header, or one that accepts none of them, gets the first:
 * RFC 9110 lets a server ignore Accept rather than answer 406, and JSON is always a useful answer here.
 */
export function negotiate<T extends string>(accept: string | undefined, offered: readonly [T, ...T[]]): T {
  if (accept === undefined || accept.trim() === '') return offered[0];
  const ranges = accept.split(',').map(parseRange);
  let best: { type: T; q: number } = { type: offered[0], q: 0 };
  for (const type of offered) {
    const q = qualityOf(type, ranges);
    if (q > best.q) best = { type, q };
  }
  return best.type;
}

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseRange(text: string): MediaRange {
  const [range = '', ...params] = text.split(';').map((s) => s.trim().toLowerCase());
  const [type = '', subtype = ''] = range.split('/');
  let q = 1;
  for (const param of params) {
    const [name, value] = param.split('=').map((s) => s.trim());
    if (name === 'q' && value !== undefined) {
      const parsed = Number(value);
      q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
    }
  }
  return { type, subtype, q };
}

/** The q of the most specific range that matches (`type/subtype` before `type/*` before `*\/*`). */
function qualityOf(mediaType: string, ranges: readonly MediaRange[]): number {
  const [type, subtype] = mediaType.toLowerCase().split('/');
  let best: { specificity: number; q: number } = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === '*'
          ? 1
          : range.type === '*' && range.subtype === '*'
            ? 0
            : -1;
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best.q;
}
