import type { Selectable } from 'kysely';
import type { DeviceId } from '../core/ids.js';
import type { CheckedEndpoint } from './endpoint-fields.js';
import type { EndpointKind, EndpointProtocol, MonitoredEndpoint } from './endpoint-registry.js';
import { fromEpochMsOrNull } from './epoch-ms.js';
import type { MonitoredEndpointsTable } from './schema.js';

export type EndpointRow = Selectable<MonitoredEndpointsTable>;

/** The columns an operator's declaration sets (the rest are the monitor's bookkeeping). */
export function toEndpointColumns(endpoint: CheckedEndpoint) {
  return {
    name: endpoint.name,
    host: endpoint.host,
    port: endpoint.port,
    sni: endpoint.sni,
    protocol: endpoint.protocol,
    kind: endpoint.kind,
    device_id: endpoint.deviceId,
    client_credential: endpoint.clientCredential,
    labels: JSON.stringify(endpoint.labels),
    notes: endpoint.notes,
    enabled: endpoint.enabled ? 1 : 0,
  };
}

export function toEndpointRecord(row: EndpointRow): MonitoredEndpoint {
  return {
    id: Number(row.id),
    name: row.name,
    host: row.host,
    port: Number(row.port),
    sni: row.sni,
    protocol: row.protocol as EndpointProtocol,
    kind: row.kind as EndpointKind,
    deviceId: row.device_id as DeviceId | null,
    clientCredential: row.client_credential,
    labels: JSON.parse(row.labels) as Record<string, string>,
    notes: row.notes,
    enabled: Number(row.enabled) === 1,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    consecutiveFailures: Number(row.consecutive_failures),
    lastProbedAt: fromEpochMsOrNull(row.last_probed_at === null ? null : Number(row.last_probed_at)),
  };
}

/** The checked form of a stored endpoint, to apply changes to. */
export function toCheckedEndpoint(endpoint: MonitoredEndpoint): CheckedEndpoint {
  return {
    name: endpoint.name,
    host: endpoint.host,
    port: endpoint.port,
    sni: endpoint.sni,
    protocol: endpoint.protocol,
    kind: endpoint.kind,
    deviceId: endpoint.deviceId,
    clientCredential: endpoint.clientCredential,
    labels: endpoint.labels,
    notes: endpoint.notes,
    enabled: endpoint.enabled,
  };
}
