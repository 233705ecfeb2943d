import { FleetStatus } from '../fleet/fleet-status.js';
import { openStore } from '../store/open-store.js';
import type { FleetView, NamedDevice } from './at-risk-watch.js';

/**
 * The server's at-risk list read straight from its store (the query `certfleet fleet at-risk` runs), for a
 * simulation that started the server itself and so knows where its store is. The failure threshold is the fleet
 * view's default.
 */
export async function openFleetView(storeUrl: string, marginSeconds: number): Promise<FleetView> {
  const store = await openStore(storeUrl);
  const fleet = new FleetStatus(store.fleet, { marginSeconds });
  return {
    async atRisk(now) {
      const named = new Map<string, NamedDevice>();
      for (const device of await fleet.allAtRisk(now))
        named.set(device.deviceId, { reason: device.reason, notAfter: device.inUse?.notAfter ?? now });
      return named;
    },
    close: () => store.close(),
  };
}
