import type { ExpiryTimeline, TimelineGrouping } from '../api-types.js';
import {
  busiestDay,
  everyDay,
  seriesOrder,
  seriesTotals,
  stackBars,
  dayTotal,
} from '../expiry-timeline-layout.js';
import { formatCount, humanize } from '../format.js';

const VIEW_WIDTH = 900;
const VIEW_HEIGHT = 260;
const MARGIN = { top: 12, right: 8, bottom: 28, left: 44 } as const;
const PLOT_WIDTH = VIEW_WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = VIEW_HEIGHT - MARGIN.top - MARGIN.bottom;
/** Distinct issuer colours before they repeat (styles.css `.series-0` … `.series-7`). */
const ISSUER_PALETTE_SIZE = 8;
const X_LABEL_EVERY_DAYS = 15;

/** The colour class of a series: states have their own colours, issuers take the palette in order. */
function seriesClass(grouping: TimelineGrouping, key: string, index: number): string {
  return grouping === 'state' ? `series-${key}` : `series-${index % ISSUER_PALETTE_SIZE}`;
}

function seriesName(grouping: TimelineGrouping, key: string): string {
  return grouping === 'state' ? humanize(key) : key;
}

/**
 * The certificates in use that expire on each UTC day of the period, one stacked bar a day, by state or
 * issuer. Drawn as SVG with attributes only (the CSP allows no inline styles); colours come from classes.
 * The picture is one image with a summary for screen readers, and the same numbers are in a visually hidden
 * table, day by day.
 */
export function ExpiryTimelineChart({ timeline }: { timeline: ExpiryTimeline }) {
  const grouping = timeline.by;
  const days = everyDay(timeline.from, timeline.days, timeline.buckets);
  const series = seriesOrder(days);
  const { bars, scaleMax } = stackBars(days, series, {
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    gapShare: 0.2,
  });
  const totals = seriesTotals(days, series);
  const total = [...totals.values()].reduce((sum, n) => sum + n, 0);
  const busiest = busiestDay(days);
  const first = days[0]?.date ?? '';
  const last = days[days.length - 1]?.date ?? '';
  const summary =
    total === 0
      ? `No certificate in use expires in the next ${timeline.days} days.`
      : `${formatCount(total)} certificates in use expire between ${first} and ${last}` +
        (busiest === undefined
          ? ''
          : `; the busiest day is ${busiest.date} with ${formatCount(busiest.total)}`) +
        `. By ${grouping}: ` +
        series.map((key) => `${seriesName(grouping, key)} ${formatCount(totals.get(key) ?? 0)}`).join(', ') +
        '.';
  const yTicks = [0, scaleMax / 2, scaleMax].filter((v) => Number.isInteger(v));
  const yOf = (value: number) => MARGIN.top + PLOT_HEIGHT - (value / scaleMax) * PLOT_HEIGHT;

  return (
    <figure class="chart">
      <div class="chart-scroll">
        <svg
          class="timeline-svg"
          role="img"
          aria-label={summary}
          viewBox={`0 0 ${VIEW_WIDTH} ${VIEW_HEIGHT}`}
          preserveAspectRatio="xMinYMin meet"
        >
          {yTicks.map((value) => (
            <g key={`y${value}`} class="axis">
              <line x1={MARGIN.left} x2={VIEW_WIDTH - MARGIN.right} y1={yOf(value)} y2={yOf(value)} />
              <text x={MARGIN.left - 6} y={yOf(value)} text-anchor="end" dominant-baseline="middle">
                {formatCount(value)}
              </text>
            </g>
          ))}
          {bars.map((bar) => (
            <g key={bar.date} transform={`translate(${MARGIN.left} ${MARGIN.top})`}>
              {bar.total === 0 ? null : (
                <title>
                  {`${bar.date}: ${formatCount(bar.total)} (` +
                    bar.segments.map((s) => `${seriesName(grouping, s.key)} ${s.count}`).join(', ') +
                    ')'}
                </title>
              )}
              {bar.segments.map((segment) => (
                <rect
                  key={segment.key}
                  class={`bar ${seriesClass(grouping, segment.key, series.indexOf(segment.key))}`}
                  x={bar.x}
                  y={segment.y}
                  width={bar.width}
                  height={segment.height}
                />
              ))}
            </g>
          ))}
          {bars.map((bar, i) =>
            i % X_LABEL_EVERY_DAYS === 0 ? (
              <text
                key={`x${bar.date}`}
                class="axis"
                x={MARGIN.left + bar.x + bar.width / 2}
                y={VIEW_HEIGHT - 8}
                text-anchor="middle"
              >
                {bar.date.slice(5)}
              </text>
            ) : null,
          )}
        </svg>
      </div>
      <figcaption>
        {series.length === 0 ? (
          <p class="muted">{summary}</p>
        ) : (
          <ul class="legend" aria-label={`Legend, by ${grouping}`}>
            {series.map((key, index) => (
              <li key={key}>
                <span class={`swatch ${seriesClass(grouping, key, index)}`} aria-hidden="true" />
                {seriesName(grouping, key)} <span class="muted">({formatCount(totals.get(key) ?? 0)})</span>
              </li>
            ))}
          </ul>
        )}
      </figcaption>
      {series.length === 0 ? null : (
        // The wrapper is what is hidden: a table is never narrower than its content, a div clips it.
        <div class="visually-hidden">
          <table>
            <caption>
              Certificates in use expiring per UTC day, by {grouping} (days with none left out)
            </caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {series.map((key) => (
                  <th key={key} scope="col">
                    {seriesName(grouping, key)}
                  </th>
                ))}
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {days
                .filter((day) => dayTotal(day) > 0)
                .map((day) => (
                  <tr key={day.date}>
                    <th scope="row">{day.date}</th>
                    {series.map((key) => (
                      <td key={key}>{day.counts[key] ?? 0}</td>
                    ))}
                    <td>{dayTotal(day)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </figure>
  );
}
