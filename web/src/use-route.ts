import { useEffect, useState } from 'preact/hooks';
import { isRouteHash, parseRoute, type Route, routeHash } from './hash-route.js';

/** Fired when the dashboard replaces the fragment itself (history.replaceState fires no hashchange). */
const NAVIGATED = 'certfleet:navigated';

function currentRoute(): Route {
  return parseRoute(isRouteHash(window.location.hash) ? window.location.hash : '#/');
}

/** The route in the address bar, following back/forward, links and `navigate`. */
export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(currentRoute);
  useEffect(() => {
    const update = () => {
      // `#main` and other in-page fragments are not pages: keep showing the current one.
      if (isRouteHash(window.location.hash)) setRoute(currentRoute());
    };
    window.addEventListener('hashchange', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('hashchange', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

/**
 * Goes to a route. `replace` rewrites the current history entry instead of adding one: a list's filters
 * change as the operator types, and Back should leave the page, not undo each keystroke.
 */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const hash = routeHash(route);
  if (hash === window.location.hash) return;
  if (options.replace === true) {
    window.history.replaceState(window.history.state, '', hash);
    window.dispatchEvent(new Event(NAVIGATED));
  } else {
    window.location.hash = hash;
  }
}
