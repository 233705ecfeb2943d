import type { QueryValue } from './api-path.js';
import type { RouteParams } from './hash-route.js';

/** The audit log's filters, as `#/audit?…` holds them: an event name and a range of UTC days. */
export interface AuditFilter {
  readonly event: string | undefined;
  /** YYYY-MM-DD, the first day shown. */
  readonly sinceDay: string | undefined;
  /** YYYY-MM-DD, the last day shown (included). */
  readonly untilDay: string | undefined;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function dayOf(value: string | undefined): string | undefined {
  if (value === undefined || !DAY.test(value)) return undefined;
  return Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? undefined : value;
}

export function auditFilterOf(params: RouteParams): AuditFilter {
  const event = params.event?.trim();
  return {
    event: event === undefined || event === '' ? undefined : event,
    sinceDay: dayOf(params.since),
    untilDay: dayOf(params.until),
  };
}

export function auditFilterParams(filter: AuditFilter): RouteParams {
  const params: Record<string, string> = {};
  if (filter.event !== undefined) params.event = filter.event;
  if (filter.sinceDay !== undefined) params.since = filter.sinceDay;
  if (filter.untilDay !== undefined) params.until = filter.untilDay;
  return params;
}

/**
 * `GET /audit-events`'s query: `since` is inclusive and `until` exclusive (docs/api.md), so the last day
 * chosen ends at the next day's midnight UTC.
 */
export function auditQuery(filter: AuditFilter): Record<string, QueryValue> {
  return {
    event: filter.event,
    since: filter.sinceDay === undefined ? undefined : `${filter.sinceDay}T00:00:00.000Z`,
    until: filter.untilDay === undefined ? undefined : nextDayStart(filter.untilDay),
  };
}

function nextDayStart(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 24 * 60 * 60 * 1000).toISOString();
}
