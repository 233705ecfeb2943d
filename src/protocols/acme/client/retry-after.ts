/**
 * RFC 9110 §10.2.3: `Retry-After` as a number of seconds from `now`, for either form (delay-seconds or an
 * HTTP-date). Undefined when the header is absent or neither form; a date in the past is 0.
 */
export function retryAfterSeconds(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP-date names its weekday and "GMT"; Date.parse accepts far looser text, so require the shape first.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
