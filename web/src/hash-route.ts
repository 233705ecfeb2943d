/**
 * The dashboard's pages live in the URL's fragment (`#/devices`, `#/devices/SN-1`), so the server serves one
 * HTML file at `/` and needs no fallback routing. Ids are one percent-encoded segment each: a device id with
 * `/` in it is `#/devices/a%2Fb`. A list page's filters are the fragment's query (`#/devices?state=at_risk`),
 * so a filtered view can be bookmarked and linked from the overview.
 */
export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'devices'; readonly params: RouteParams }
  | { readonly page: 'device'; readonly deviceId: string }
  | { readonly page: 'endpoints' }
  | { readonly page: 'endpoint'; readonly name: string }
  | { readonly page: 'alerts' }
  | { readonly page: 'trust' }
  | { readonly page: 'audit'; readonly params: RouteParams }
  | { readonly page: 'not-found'; readonly path: string };

export type RouteParams = Readonly<Record<string, string>>;

export type PageName = Route['page'];

/** Whether a fragment is one of ours: `#main` (the skip link's target) and the like are not routes. */
export function isRouteHash(hash: string): boolean {
  return hash === '' || hash === '#' || hash.startsWith('#/');
}

export function parseRoute(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const queryAt = text.indexOf('?');
  const path = queryAt === -1 ? text : text.slice(0, queryAt);
  const query = queryAt === -1 ? '' : text.slice(queryAt + 1);
  const notFound: Route = { page: 'not-found', path: path === '' ? '/' : path };
  const segments = path.split('/').filter((s) => s !== '');
  let decoded: string[];
  try {
    decoded = segments.map((s) => decodeURIComponent(s));
  } catch {
    return notFound;
  }
  const [first, second, ...rest] = decoded;
  if (rest.length > 0) return notFound;
  switch (first) {
    case undefined:
      return { page: 'overview' };
    case 'devices':
      return second === undefined
        ? { page: 'devices', params: paramsOf(query) }
        : { page: 'device', deviceId: second };
    case 'endpoints':
      return second === undefined ? { page: 'endpoints' } : { page: 'endpoint', name: second };
    case 'alerts':
      return second === undefined ? { page: 'alerts' } : notFound;
    case 'trust':
      return second === undefined ? { page: 'trust' } : notFound;
    case 'audit':
      return second === undefined ? { page: 'audit', params: paramsOf(query) } : notFound;
    default:
      return notFound;
  }
}

export function routeHash(route: Route): string {
  switch (route.page) {
    case 'overview':
      return '#/';
    case 'devices':
      return `#/devices${queryOf(route.params)}`;
    case 'device':
      return `#/devices/${encodeURIComponent(route.deviceId)}`;
    case 'endpoints':
      return '#/endpoints';
    case 'endpoint':
      return `#/endpoints/${encodeURIComponent(route.name)}`;
    case 'alerts':
      return '#/alerts';
    case 'trust':
      return '#/trust';
    case 'audit':
      return `#/audit${queryOf(route.params)}`;
    case 'not-found':
      return `#${route.path}`;
  }
}

/** Short-hands for links. */
export const deviceHash = (deviceId: string): string => routeHash({ page: 'device', deviceId });
export const endpointHash = (name: string): string => routeHash({ page: 'endpoint', name });
export const devicesHash = (params: RouteParams = {}): string => routeHash({ page: 'devices', params });

/**
 * What identifies the page shown, without its filters: a new identity moves focus to the new page's heading;
 * a changed filter on the same page does not (the operator is typing in it).
 */
export function pageIdentity(route: Route): string {
  switch (route.page) {
    case 'device':
      return `device:${route.deviceId}`;
    case 'endpoint':
      return `endpoint:${route.name}`;
    case 'not-found':
      return `not-found:${route.path}`;
    case 'overview':
    case 'devices':
    case 'endpoints':
    case 'alerts':
    case 'trust':
    case 'audit':
      return route.page;
  }
}

function paramsOf(query: string): RouteParams {
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    if (value !== '' && !Object.hasOwn(params, name)) params[name] = value;
  }
  return params;
}

function queryOf(params: RouteParams): string {
  const search = new URLSearchParams();
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (value !== undefined && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
