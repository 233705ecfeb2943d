import type { QueryValue } from './api-path.js';
import { FLEET_STATES, type FleetState } from './api-types.js';
import type { RouteParams } from './hash-route.js';

/** The devices list's filters, as `#/devices?…` holds them and `GET /devices` takes them. */
export interface DeviceFilter {
  /** Device id prefix. */
  readonly q: string | undefined;
  readonly state: FleetState | undefined;
  readonly productLine: string | undefined;
  readonly issuerId: string | undefined;
  readonly expiringWithinSeconds: number | undefined;
  readonly limit: number;
}

export const DEVICE_PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_DEVICE_PAGE_SIZE = 25;

/** The "Expiring within" choices, in seconds. */
export const EXPIRING_WITHIN_CHOICES = [1, 7, 14, 30, 90].map((days) => days * 24 * 60 * 60);

/**
 * Reads the filters from the fragment, dropping what the API would refuse (an unknown state, a negative
 * duration) rather than showing an error for a hand-edited link.
 */
export function deviceFilterOf(params: RouteParams): DeviceFilter {
  const text = (name: string) => {
    const value = params[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const state = text('state');
  const seconds = Number(text('expiringWithinSeconds'));
  const limit = Number(text('limit'));
  return {
    q: text('q'),
    state: (FLEET_STATES as readonly string[]).includes(state ?? '') ? (state as FleetState) : undefined,
    productLine: text('productLine'),
    issuerId: text('issuerId'),
    expiringWithinSeconds: Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined,
    limit: (DEVICE_PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_DEVICE_PAGE_SIZE,
  };
}

/** The fragment's parameters for a filter; defaults are left out so links stay short. */
export function deviceFilterParams(filter: DeviceFilter): RouteParams {
  const params: Record<string, string> = {};
  if (filter.q !== undefined) params.q = filter.q;
  if (filter.state !== undefined) params.state = filter.state;
  if (filter.productLine !== undefined) params.productLine = filter.productLine;
  if (filter.issuerId !== undefined) params.issuerId = filter.issuerId;
  if (filter.expiringWithinSeconds !== undefined) {
    params.expiringWithinSeconds = String(filter.expiringWithinSeconds);
  }
  if (filter.limit !== DEFAULT_DEVICE_PAGE_SIZE) params.limit = String(filter.limit);
  return params;
}

/** `GET /devices`'s query for a filter and page. */
export function deviceQuery(filter: DeviceFilter, cursor: string | undefined): Record<string, QueryValue> {
  return {
    q: filter.q,
    state: filter.state,
    productLine: filter.productLine,
    issuerId: filter.issuerId,
    expiringWithinSeconds: filter.expiringWithinSeconds,
    limit: filter.limit,
    cursor,
  };
}

/** Whether any filter narrows the list (the page size does not). */
export function isFiltered(filter: DeviceFilter): boolean {
  return (
    filter.q !== undefined ||
    filter.state !== undefined ||
    filter.productLine !== undefined ||
    filter.issuerId !== undefined ||
    filter.expiringWithinSeconds !== undefined
  );
}
