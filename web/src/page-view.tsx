import type { Route } from './hash-route.js';
import { AlertsPage } from './pages/alerts-page.js';
import { AuditPage } from './pages/audit-page.js';
import { DevicePage } from './pages/device-page.js';
import { DevicesPage } from './pages/devices-page.js';
import { EndpointPage } from './pages/endpoint-page.js';
import { EndpointsPage } from './pages/endpoints-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { TrustPage } from './pages/trust-page.js';

/** The page a route names. */
export function PageView({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'devices':
      return <DevicesPage params={route.params} />;
    case 'device':
      return <DevicePage deviceId={route.deviceId} />;
    case 'endpoints':
      return <EndpointsPage />;
    case 'endpoint':
      return <EndpointPage name={route.name} />;
    case 'alerts':
      return <AlertsPage />;
    case 'trust':
      return <TrustPage />;
    case 'audit':
      return <AuditPage params={route.params} />;
    case 'not-found':
      return <NotFoundPage path={route.path} />;
  }
}
