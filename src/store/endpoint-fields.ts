import { isIP } from 'node:net';
import { type DeviceId, isDeviceId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import {
  ENDPOINT_KINDS,
  ENDPOINT_PROTOCOLS,
  type EndpointChanges,
  type EndpointKind,
  type EndpointProtocol,
  type NewEndpoint,
} from './endpoint-registry.js';

/** An endpoint's fields checked and with defaults filled in: what a row is written from. */
export interface CheckedEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly sni: string | null;
  readonly protocol: EndpointProtocol;
  readonly kind: EndpointKind;
  readonly deviceId: DeviceId | null;
  readonly clientCredential: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly notes: string | null;
  readonly enabled: boolean;
}

const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}$/;
/** RFC 1123 labels; `_` tolerated, as internal names carry it. */
const DNS_NAME =
  /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;
const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Prometheus label names, so the exporter can copy labels as they are. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const MAX_LABELS = 16;
const MAX_LABEL_VALUE = 256;
const MAX_NOTES = 2000;

function bad(message: string): never {
  throw new PkiError('MALFORMED_INPUT', message);
}

/** Checks a new endpoint; MALFORMED_INPUT names the first bad field. */
export function checkNewEndpoint(endpoint: NewEndpoint): CheckedEndpoint {
  return {
    name: checkEndpointName(endpoint.name),
    ...checkChanges(endpoint, {
      host: '',
      port: 0,
      sni: null,
      protocol: 'tls',
      kind: 'service',
      deviceId: null,
      clientCredential: null,
      labels: {},
      notes: null,
      enabled: true,
    }),
  };
}

/** Applies changes to a checked endpoint, checking each changed field. */
export function checkEndpointChanges(current: CheckedEndpoint, changes: EndpointChanges): CheckedEndpoint {
  return { ...checkChanges(changes, current), name: current.name };
}

export function checkEndpointName(name: unknown): string {
  if (typeof name !== 'string' || !ENDPOINT_NAME.test(name)) {
    bad(
      `name ${describe(name)} is not valid: 1 to 128 letters, digits and . _ : @ / + -, starting with a letter or digit`,
    );
  }
  return name;
}

function checkChanges(
  changes: EndpointChanges,
  base: Omit<CheckedEndpoint, 'name'>,
): Omit<CheckedEndpoint, 'name'> {
  const host = changes.host === undefined ? base.host : checkHost(changes.host);
  if (host === '') bad('host is missing');
  const port = changes.port === undefined ? base.port : checkPort(changes.port);
  if (port === 0) bad('port is missing');
  return {
    host,
    port,
    sni: changes.sni === undefined ? base.sni : checkSni(changes.sni),
    protocol: changes.protocol === undefined ? base.protocol : checkProtocol(changes.protocol),
    kind: changes.kind === undefined ? base.kind : checkKind(changes.kind),
    deviceId: changes.deviceId === undefined ? base.deviceId : checkDeviceId(changes.deviceId),
    clientCredential:
      changes.clientCredential === undefined
        ? base.clientCredential
        : checkCredential(changes.clientCredential),
    labels: changes.labels === undefined ? base.labels : checkLabels(changes.labels),
    notes: changes.notes === undefined ? base.notes : checkNotes(changes.notes),
    enabled: changes.enabled === undefined ? base.enabled : checkEnabled(changes.enabled),
  };
}

function checkHost(host: unknown): string {
  if (typeof host !== 'string' || (isIP(host) === 0 && !DNS_NAME.test(host))) {
    bad(`host ${describe(host)} is not a DNS name or an IP address`);
  }
  return host;
}

function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    bad(`port ${describe(port)} is not a whole number from 1 to 65535`);
  }
  return port;
}

function checkSni(sni: unknown): string | null {
  if (sni === null) return null;
  if (typeof sni !== 'string' || isIP(sni) !== 0 || !DNS_NAME.test(sni)) {
    bad(`sni ${describe(sni)} is not a DNS name (TLS sends no IP address as server name)`);
  }
  return sni;
}

function checkProtocol(protocol: unknown): EndpointProtocol {
  if (!(ENDPOINT_PROTOCOLS as readonly unknown[]).includes(protocol)) {
    bad(`protocol ${describe(protocol)} is not one of ${ENDPOINT_PROTOCOLS.join(', ')}`);
  }
  return protocol as EndpointProtocol;
}

function checkKind(kind: unknown): EndpointKind {
  if (!(ENDPOINT_KINDS as readonly unknown[]).includes(kind)) {
    bad(`kind ${describe(kind)} is not one of ${ENDPOINT_KINDS.join(', ')}`);
  }
  return kind as EndpointKind;
}

function checkDeviceId(deviceId: unknown): DeviceId | null {
  if (deviceId === null) return null;
  if (typeof deviceId !== 'string' || !isDeviceId(deviceId))
    bad(`device id ${describe(deviceId)} is not valid`);
  return deviceId;
}

function checkCredential(name: unknown): string | null {
  if (name === null) return null;
  if (typeof name !== 'string' || !CREDENTIAL_NAME.test(name)) {
    bad(`client credential ${describe(name)} is not a valid name`);
  }
  return name;
}

function checkLabels(labels: unknown): Readonly<Record<string, string>> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) bad('labels must be an object');
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) bad(`at most ${MAX_LABELS} labels`);
  for (const [key, value] of entries) {
    if (!LABEL_NAME.test(key)) bad(`label name ${describe(key)} is not valid ([A-Za-z_][A-Za-z0-9_]*)`);
    if (typeof value !== 'string' || value.length > MAX_LABEL_VALUE) {
      bad(`label ${key} must be text of at most ${MAX_LABEL_VALUE} characters`);
    }
  }
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function checkNotes(notes: unknown): string | null {
  if (notes === null) return null;
  if (typeof notes !== 'string' || notes.length > MAX_NOTES) {
    bad(`notes must be text of at most ${MAX_NOTES} characters`);
  }
  return notes;
}

function checkEnabled(enabled: unknown): boolean {
  if (typeof enabled !== 'boolean') bad('enabled must be true or false');
  return enabled;
}

/** A value for an error message: quoted text, cut short, or its type. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 64 ? `${value.slice(0, 64)}…` : value}'`;
  if (typeof value === 'number') return String(value);
  return `(${value === null ? 'null' : typeof value})`;
}
