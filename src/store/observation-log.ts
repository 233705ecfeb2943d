import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import type { EndpointKind, MonitoredEndpoint } from './endpoint-registry.js';

/**
 * Why a probe failed, a closed set:
 * - `dns`: the host name does not resolve;
 * - `refused`: nothing listens (TCP RST);
 * - `unreachable`: no route to the host or network;
 * - `timeout`: the connection or the whole probe took longer than its bound (a peer that accepts and never
 *   answers ends here);
 * - `starttls-refused`: the SMTP or IMAP server did not agree to STARTTLS (or does not speak the protocol);
 * - `handshake-failure`: the TLS handshake failed (no common version or cipher, a client certificate demanded,
 *   an alert, the peer closed);
 * - `protocol-error`: the peer sent something that is not the protocol (garbage instead of TLS, an MQTT or
 *   HTTP answer that does not parse);
 * - `chain-too-large`: the peer sent more than the byte cap before the handshake completed (a huge chain);
 * - `credential-missing`: the endpoint names a client certificate the monitor's configuration lacks.
 */
export type ProbeErrorKind =
  | 'dns'
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'starttls-refused'
  | 'handshake-failure'
  | 'protocol-error'
  | 'chain-too-large'
  | 'credential-missing';

export const PROBE_ERROR_KINDS: readonly ProbeErrorKind[] = [
  'dns',
  'refused',
  'unreachable',
  'timeout',
  'starttls-refused',
  'handshake-failure',
  'protocol-error',
  'chain-too-large',
  'credential-missing',
];

/** `ok`: the handshake completed and the certificate was judged (which may still be invalid or expired). */
export type ObservationOutcome = 'ok' | ProbeErrorKind;

/** The certificate the endpoint presented, as the probe read it. */
export interface ObservedLeaf {
  readonly serial: string;
  /** RFC 4514 text. */
  readonly issuer: string;
  readonly subject: string;
  /** Text SANs as certificates hold them: `dns:…`, `ip:…`, `uri:…`. */
  readonly sans: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly fingerprintSha256: string;
  /** `ec-p256`, `rsa-2048`, `ed25519`…, or the key type the TLS stack names. */
  readonly keyAlgorithm: string;
}

/** The certificate of ours the leaf is: same issuer, serial and fingerprint as one the store recorded. */
export interface LinkedCertificate {
  readonly issuerId: IssuerId;
  readonly serial: SerialHex;
  readonly deviceId: DeviceId | null;
}

/** What one probe saw; the chain fields are null when no handshake completed. */
export interface NewObservation {
  readonly endpointId: number;
  /** When the probe started. */
  readonly observedAt: Date;
  readonly durationMs: number;
  readonly outcome: ObservationOutcome;
  /** Null when ok. */
  readonly errorMessage: string | null;
  /** `TLSv1.3`, `TLSv1.2`… */
  readonly tlsVersion: string | null;
  /** The application's answer after the handshake: `CONNACK 0 (accepted)`, `HTTP 200`. */
  readonly protocolResult: string | null;
  readonly leaf: ObservedLeaf | null;
  /** DER of every certificate presented, leaf first. */
  readonly chainDer: readonly Uint8Array[];
  /**
   * The earliest notAfter among the presented certificates (blackbox_exporter's probe_ssl_earliest_cert_expiry):
   * an intermediate that expires before the leaf ends the chain first. Null without a certificate.
   */
  readonly chainNotAfter: Date | null;
  /** Against the configured trust (our issuers and extra anchors); null when not judged. */
  readonly chainValid: boolean | null;
  readonly chainError: string | null;
  /** Against the system's root store. */
  readonly chainValidSystem: boolean | null;
  readonly chainSystemError: string | null;
  /** Whether the leaf matches the SNI (or the host). */
  readonly hostnameMatches: boolean | null;
  readonly linked: LinkedCertificate | null;
}

/** An observation without its chain's bytes: what lists and the latest-per-endpoint view return. */
export interface ObservationSummary extends Omit<NewObservation, 'chainDer'> {
  readonly id: number;
  readonly chainLength: number;
  /** Whole days from observedAt to the leaf's notAfter (negative once expired); null without a leaf. */
  readonly daysLeft: number | null;
}

export interface EndpointObservation extends ObservationSummary {
  readonly chainDer: readonly Uint8Array[];
}

/** An endpoint with its newest observation (null before its first probe). */
export interface LatestObservation {
  readonly endpoint: MonitoredEndpoint;
  readonly observation: ObservationSummary | null;
}

export interface LatestQuery {
  readonly kind?: EndpointKind;
  /** Only enabled (true) or disabled (false) endpoints. */
  readonly enabled?: boolean;
  /** Endpoints in id order after this id (keyset pages). */
  readonly afterId?: number;
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

export interface HistoryQuery {
  /** Only observations before this time (the next page of a newest-first history). */
  readonly before?: Date;
  /**
   * With `before`: also the observations at exactly `before` with an id below this one, so a page that ends
   * at (observedAt, id) continues after it even when several observations share the millisecond.
   */
  readonly beforeId?: number;
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

/** What the monitor saw, per endpoint. */
export interface ObservationLog {
  /**
   * Records an observation and, in the same transaction, makes it the endpoint's latest, sets its lastProbedAt
   * and counts its consecutive failures (reset by an `ok`). NOT_FOUND if the endpoint is gone.
   */
  record(observation: NewObservation): Promise<EndpointObservation>;
  /**
   * Every endpoint with its newest observation, in endpoint id order: one indexed join (the endpoint's
   * pointer to its latest observation), cheap enough for every scrape and alert evaluation.
   */
  latest(query: LatestQuery): Promise<readonly LatestObservation[]>;
  /** The observations of one endpoint, newest first. */
  history(endpointId: number, query: HistoryQuery): Promise<readonly ObservationSummary[]>;
  /** One observation with its chain. */
  get(id: number): Promise<EndpointObservation | undefined>;
  /** Deletes observations older than `before`, except each endpoint's latest; returns how many. */
  prune(before: Date): Promise<number>;
}
