import Type, { type Static } from 'typebox';
import { ENDPOINT_KINDS, ENDPOINT_PROTOCOLS, type MonitoredEndpoint } from '../store/endpoint-registry.js';
import { Instant, isoOrNull, literalUnion, NullableInstant, nullable } from './api-schemas.js';
import { isText, PageCursor } from './page-cursor.js';

export const EndpointProtocolSchema = literalUnion(ENDPOINT_PROTOCOLS, {
  description: 'tls: TLS from the first byte; mqtts, https; smtp-starttls, imap-starttls: STARTTLS first',
});
export const EndpointKindSchema = literalUnion(ENDPOINT_KINDS, {
  description: 'service: probed every interval; device: a share sampled each interval',
});

/** A monitored endpoint as operators declared it, with the monitor's bookkeeping (docs/monitor.md). */
export const EndpointSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  host: Type.String({ description: 'A DNS name or an IP address' }),
  port: Type.Integer(),
  sni: nullable(Type.String({ description: 'The server name sent and matched; null: the host' })),
  protocol: EndpointProtocolSchema,
  kind: EndpointKindSchema,
  deviceId: nullable(Type.String()),
  clientCredential: nullable(
    Type.String({ description: 'The client certificate presented (monitor.clientCredentials)' }),
  ),
  labels: Type.Record(Type.String(), Type.String()),
  notes: nullable(Type.String()),
  enabled: Type.Boolean(),
  createdAt: Instant,
  updatedAt: Instant,
  consecutiveFailures: Type.Integer({ description: 'Failed probes since the last successful one' }),
  lastProbedAt: NullableInstant,
});

export type EndpointJson = Static<typeof EndpointSchema>;

export function endpointJson(endpoint: MonitoredEndpoint): EndpointJson {
  return {
    id: endpoint.id,
    name: endpoint.name,
    host: endpoint.host,
    port: endpoint.port,
    sni: endpoint.sni,
    protocol: endpoint.protocol,
    kind: endpoint.kind,
    deviceId: endpoint.deviceId,
    clientCredential: endpoint.clientCredential,
    labels: { ...endpoint.labels },
    notes: endpoint.notes,
    enabled: endpoint.enabled,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
    consecutiveFailures: endpoint.consecutiveFailures,
    lastProbedAt: isoOrNull(endpoint.lastProbedAt),
  };
}

/** Endpoints are listed by name; a page ends at its last endpoint's name. */
export const ENDPOINT_CURSOR = new PageCursor<string>('endpoints', {
  encode: (name) => [name],
  decode: ([name]) => (isText(name) ? name : undefined),
});
