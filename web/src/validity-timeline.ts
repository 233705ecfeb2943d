/** A certificate's validity period, as the device page draws it. */
export interface Validity {
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface ValidityBar {
  readonly serial: string;
  /** Start and width in percent of the timeline's span (0 to 100). */
  readonly startPercent: number;
  readonly widthPercent: number;
}

export interface ValidityTimeline {
  readonly startMs: number;
  readonly endMs: number;
  readonly bars: readonly ValidityBar[];
  /** Where now falls, in percent (the span always includes now); undefined without certificates. */
  readonly nowPercent: number | undefined;
}

/**
 * One shared time axis for a device's certificates, from the earliest notBefore to the latest notAfter (and
 * now, when it lies outside), so renewals read as overlapping bars, left to right. A bar never shrinks below
 * half a percent, so a short-lived certificate stays visible.
 */
export function validityTimeline(certificates: readonly Validity[], nowMs: number): ValidityTimeline {
  const spans = certificates
    .map((c) => ({ serial: c.serial, from: Date.parse(c.notBefore), to: Date.parse(c.notAfter) }))
    .filter((s) => Number.isFinite(s.from) && Number.isFinite(s.to));
  if (spans.length === 0) return { startMs: nowMs, endMs: nowMs, bars: [], nowPercent: undefined };
  const startMs = Math.min(nowMs, ...spans.map((s) => s.from));
  const endMs = Math.max(nowMs, ...spans.map((s) => s.to));
  const range = endMs - startMs || 1;
  const percent = (ms: number) => ((ms - startMs) / range) * 100;
  const bars = spans.map((s): ValidityBar => {
    const startPercent = percent(Math.min(s.from, s.to));
    const widthPercent = Math.max(percent(Math.max(s.from, s.to)) - startPercent, 0.5);
    return { serial: s.serial, startPercent, widthPercent: Math.min(widthPercent, 100 - startPercent) };
  });
  return { startMs, endMs, bars, nowPercent: percent(nowMs) };
}
