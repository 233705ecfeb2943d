/** A query parameter's value; undefined, null and '' leave the parameter out. */
export type QueryValue = string | number | boolean | null | undefined;

/**
 * A path under /api/v1 with its query string, e.g. `apiPath('/devices', { state: 'at_risk', limit: 50 })`.
 * Empty filters are left out rather than sent as `?state=`, which the API's schemas refuse.
 */
export function apiPath(path: string, query: Readonly<Record<string, QueryValue>> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/**
 * One path segment: device ids and endpoint names may hold `/`, which the API wants as %2F
 * (docs/api.md "Resources").
 */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
