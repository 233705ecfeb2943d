import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Session } from '../api-types.js';
import { type PageName, pageIdentity, type Route } from '../hash-route.js';

interface NavItem {
  readonly label: string;
  readonly href: string;
  /** The pages under this entry (a device's page is under Devices). */
  readonly pages: readonly PageName[];
}

const NAV: readonly NavItem[] = [
  { label: 'Overview', href: '#/', pages: ['overview'] },
  { label: 'Devices', href: '#/devices', pages: ['devices', 'device'] },
  { label: 'Endpoints', href: '#/endpoints', pages: ['endpoints', 'endpoint'] },
  { label: 'Alerts', href: '#/alerts', pages: ['alerts'] },
  { label: 'Trust', href: '#/trust', pages: ['trust'] },
  { label: 'Audit log', href: '#/audit', pages: ['audit'] },
];

/**
 * The frame around every page: a skip link, the header with the main navigation and the session, and the
 * main region. When the page changes (not its filters), focus moves to the new page's heading, so keyboard
 * and screen-reader users start there rather than at the top of the document.
 */
export function AppShell({
  route,
  session,
  onSignOut,
  focusOnStart,
  children,
}: {
  route: Route;
  session: Session;
  onSignOut: () => void;
  /** Right after signing in, the login form is gone: focus the first page's heading. */
  focusOnStart: boolean;
  children: ComponentChildren;
}) {
  const main = useRef<HTMLElement>(null);
  const identity = pageIdentity(route);
  const lastIdentity = useRef<string | undefined>(focusOnStart ? undefined : identity);

  useEffect(() => {
    if (lastIdentity.current === identity) return;
    lastIdentity.current = identity;
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [identity]);

  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(event) => {
          // The fragment is the router's: move focus without changing it.
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="site-header">
        {/* Named "certfleet" only: a name holding "Overview" would read as a second Overview link. */}
        <a class="brand" href="#/">
          certfleet
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={item.pages.includes(route.page) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="session">
          <span class="session-name">
            {session.tokenName}{' '}
            <span class={`badge scope-${session.scope}`}>
              {session.scope === 'admin' ? 'admin' : 'read-only'}
            </span>
          </span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
