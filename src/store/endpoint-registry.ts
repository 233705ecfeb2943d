import type { DeviceId } from '../core/ids.js';

/**
 * How the monitor reaches TLS on an endpoint:
 * - `tls`: TLS from the first byte (any TLS service);
 * - `mqtts`: MQTT 3.1.1 over TLS (the probe sends CONNECT and reads CONNACK);
 * - `https`: HTTP/1.1 over TLS (the probe sends `HEAD /`);
 * - `smtp-starttls` (RFC 3207), `imap-starttls` (RFC 9051 §6.2.1): plain text first, then STARTTLS.
 */
export type EndpointProtocol = 'tls' | 'mqtts' | 'https' | 'smtp-starttls' | 'imap-starttls';

export const ENDPOINT_PROTOCOLS: readonly EndpointProtocol[] = [
  'tls',
  'mqtts',
  'https',
  'smtp-starttls',
  'imap-starttls',
];

/**
 * `service`: a server of ours or a partner's (broker, gateway, API), probed every interval. `device`: a device's
 * own TLS endpoint; with many of them, the monitor probes a random share each interval (sampling).
 */
export type EndpointKind = 'service' | 'device';

export const ENDPOINT_KINDS: readonly EndpointKind[] = ['service', 'device'];

/** What an operator declares about an endpoint (CLI, API, CSV import). */
export interface NewEndpoint {
  /** Unique; letters, digits and `._:@/-`, up to 128 characters. */
  readonly name: string;
  /** A DNS name or an IP address. */
  readonly host: string;
  readonly port: number;
  /** The server name to send (TLS SNI) and to match the certificate against; null: the host (unless an IP). */
  readonly sni?: string | null;
  /** Default `tls`. */
  readonly protocol?: EndpointProtocol;
  /** Default `service`. */
  readonly kind?: EndpointKind;
  /** The device this endpoint belongs to (a `device` endpoint usually names one). */
  readonly deviceId?: DeviceId | null;
  /** Name of a client certificate from the monitor's configuration, for servers that demand one. */
  readonly clientCredential?: string | null;
  readonly labels?: Readonly<Record<string, string>>;
  readonly notes?: string | null;
  /** Default true. */
  readonly enabled?: boolean;
}

/** A change to an endpoint; absent fields stay as they are. The name is the key and does not change. */
export type EndpointChanges = Partial<Omit<NewEndpoint, 'name'>>;

export interface MonitoredEndpoint {
  readonly id: number;
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
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Failed probes since the last successful one. */
  readonly consecutiveFailures: number;
  /** When the last probe started (claimed or recorded); null before the first. */
  readonly lastProbedAt: Date | null;
}

export interface EndpointQuery {
  readonly kind?: EndpointKind;
  readonly enabled?: boolean;
  /** Ordered by name; default 100, at most 10 000. */
  readonly limit?: number;
  readonly offset?: number;
}

/** A keyset page of endpoints, by name (byte order). */
export interface EndpointPageQuery {
  readonly kind?: EndpointKind;
  readonly protocol?: EndpointProtocol;
  readonly enabled?: boolean;
  /**
   * true: only endpoints whose last probes failed (consecutive failures > 0); false: only the others. No index
   * of its own: filtered on the way through the name's index, so a page of the few failing ones may read
   * every endpoint (thousands, not the fleet's million; a partial index would need a migration).
   */
  readonly failing?: boolean;
  /** Only endpoints named after this one: the next page. */
  readonly afterName?: string;
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

/** Enabled endpoints of one kind not probed since `dueBefore`, in id order after `afterId` (keyset pages). */
export interface DueQuery {
  readonly kind: EndpointKind;
  readonly dueBefore: Date;
  readonly afterId?: number;
  readonly limit?: number;
}

/** The outcome of one entry of importMany, in the order given. */
export type ImportOutcome =
  | { readonly ok: true; readonly endpoint: MonitoredEndpoint }
  | { readonly ok: false; readonly reason: string };

/** The endpoints the monitor probes. Bad input is MALFORMED_INPUT naming the field; nothing changes then. */
export interface EndpointRegistry {
  /** CONFLICT if the name is taken. */
  add(endpoint: NewEndpoint, at: Date): Promise<MonitoredEndpoint>;
  /** NOT_FOUND if no endpoint has this name. */
  update(name: string, changes: EndpointChanges, at: Date): Promise<MonitoredEndpoint>;
  /** Removes the endpoint and its observations; NOT_FOUND if no endpoint has this name. */
  remove(name: string): Promise<void>;
  get(name: string): Promise<MonitoredEndpoint | undefined>;
  getById(id: number): Promise<MonitoredEndpoint | undefined>;
  list(query: EndpointQuery): Promise<readonly MonitoredEndpoint[]>;
  /** See EndpointPageQuery; served by the name's unique index, so a page costs the same however deep. */
  page(query: EndpointPageQuery): Promise<readonly MonitoredEndpoint[]>;
  count(query: Omit<EndpointQuery, 'limit' | 'offset'>): Promise<number>;
  /**
   * Adds many endpoints in one transaction. Each entry is checked on its own: an invalid entry, or a name that
   * exists already (in the store or earlier in the list), is reported in its outcome and skipped; the valid
   * ones are all added, or none if the store fails.
   */
  importMany(endpoints: readonly NewEndpoint[], at: Date): Promise<readonly ImportOutcome[]>;
  /** See DueQuery; served by monitored_endpoints_due_idx. */
  listDue(query: DueQuery): Promise<readonly MonitoredEndpoint[]>;
  /**
   * Claims endpoints for a probe: sets lastProbedAt to `at` on those of `ids` still enabled and not probed
   * since `dueBefore`, and returns their ids. Of several nodes claiming the same endpoint, one gets it.
   */
  claimDue(ids: readonly number[], at: Date, dueBefore: Date): Promise<readonly number[]>;
}
