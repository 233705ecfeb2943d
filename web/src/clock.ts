/**
 * The browser's idea of now, in one place: relative hints ("in 5 d") and the "updated at" line read it. The
 * server's Clock rule (core/clock.ts) is about tests moving time; here the pure helpers take `nowMs` as a
 * parameter, and only components call this.
 */
export function nowMs(): number {
  // eslint-disable-next-line no-restricted-syntax -- the dashboard's one reading of wall-clock time.
  return Date.now();
}
