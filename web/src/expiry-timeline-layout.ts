import { FLEET_STATES } from './api-types.js';

/** One UTC day of the expiry timeline: how many certificates in use expire that day, per series. */
export interface DayCounts {
  readonly date: string;
  readonly counts: Readonly<Record<string, number>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Every day from `from`'s UTC day for `days` days, with the API's counts where it sent a bucket and none
 * where it left the day out, so the chart's x axis is the calendar, not the list of busy days.
 */
export function everyDay(fromIso: string, days: number, buckets: readonly DayCounts[]): DayCounts[] {
  const start = new Date(fromIso);
  if (Number.isNaN(start.getTime())) return [...buckets];
  const startMs = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  const byDate = new Map(buckets.map((b) => [b.date, b.counts]));
  const result: DayCounts[] = [];
  for (let i = 0; i < days; i++) {
    const date = new Date(startMs + i * DAY_MS).toISOString().slice(0, 10);
    result.push({ date, counts: byDate.get(date) ?? {} });
  }
  return result;
}

/**
 * The series in a stable order, so colours do not move between refreshes: fleet states in their life-cycle
 * order, anything else (issuer ids) sorted.
 */
export function seriesOrder(days: readonly DayCounts[]): string[] {
  const seen = new Set<string>();
  for (const day of days) for (const [key, n] of Object.entries(day.counts)) if (n > 0) seen.add(key);
  const states = (FLEET_STATES as readonly string[]).filter((s) => seen.has(s));
  const others = [...seen].filter((s) => !(FLEET_STATES as readonly string[]).includes(s)).sort();
  return [...states, ...others];
}

export function dayTotal(day: DayCounts): number {
  let total = 0;
  for (const n of Object.values(day.counts)) total += n > 0 ? n : 0;
  return total;
}

/**
 * The smallest "nice" number (1, 2 or 5 times a power of ten) at or above `n`, so the axis reads 0, 50, 100
 * rather than 0, 43, 87. At least 1, so an empty chart still has a scale.
 */
export function niceCeiling(n: number): number {
  if (!(n > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

export interface Segment {
  readonly key: string;
  readonly count: number;
  readonly y: number;
  readonly height: number;
}

export interface Bar {
  readonly date: string;
  readonly x: number;
  readonly width: number;
  readonly total: number;
  /** Bottom-up, in series order. */
  readonly segments: readonly Segment[];
}

export interface ChartBox {
  readonly width: number;
  readonly height: number;
  /** Space between bars, as a share of a day's slot (0 to 1). */
  readonly gapShare: number;
}

export interface StackedBars {
  readonly bars: readonly Bar[];
  readonly maxTotal: number;
  readonly scaleMax: number;
}

/**
 * Stacked bars in chart coordinates (y down, 0 at the top): each day a slot of `width / days`, each series a
 * segment whose height is its count over the scale's maximum. Zero counts make no segment.
 */
export function stackBars(days: readonly DayCounts[], series: readonly string[], box: ChartBox): StackedBars {
  const maxTotal = days.reduce((max, day) => Math.max(max, dayTotal(day)), 0);
  const scaleMax = niceCeiling(maxTotal);
  const slot = days.length === 0 ? 0 : box.width / days.length;
  const barWidth = Math.max(slot * (1 - box.gapShare), 0);
  const bars = days.map((day, i): Bar => {
    let top = box.height;
    const segments: Segment[] = [];
    for (const key of series) {
      const count = day.counts[key] ?? 0;
      if (!(count > 0)) continue;
      const height = (count / scaleMax) * box.height;
      top -= height;
      segments.push({ key, count, y: top, height });
    }
    return {
      date: day.date,
      x: i * slot + (slot - barWidth) / 2,
      width: barWidth,
      total: dayTotal(day),
      segments,
    };
  });
  return { bars, maxTotal, scaleMax };
}

/** The busiest day (the first, on a tie), for the chart's summary; undefined when nothing expires. */
export function busiestDay(days: readonly DayCounts[]): { date: string; total: number } | undefined {
  let best: { date: string; total: number } | undefined;
  for (const day of days) {
    const total = dayTotal(day);
    if (total > 0 && (best === undefined || total > best.total)) best = { date: day.date, total };
  }
  return best;
}

/** Per series, the total over the period, for the legend. */
export function seriesTotals(days: readonly DayCounts[], series: readonly string[]): Map<string, number> {
  const totals = new Map(series.map((key) => [key, 0]));
  for (const day of days) {
    for (const key of series) totals.set(key, (totals.get(key) ?? 0) + Math.max(day.counts[key] ?? 0, 0));
  }
  return totals;
}
