/**
 * The shapes of the admin API's answers the dashboard reads, as docs/api.md and the route schemas in
 * src/api/ define them. Written out by hand (the web build does not import server code); the OpenAPI
 * document at /docs/json is the reference when they disagree.
 */

/** Times are RFC 3339 strings in UTC. */
export type Instant = string;

export const FLEET_STATES = [
  'provisioned',
  'healthy',
  'renewal_due',
  'at_risk',
  'expired',
  'revoked',
  'decommissioned',
] as const;

export type FleetState = (typeof FLEET_STATES)[number];

export type AtRiskReason = 'renewed-not-deployed' | 'repeated-failures' | 'renewal-overdue';

export type Scope = 'read' | 'admin';

/** `GET /session` */
export interface Session {
  readonly tokenName: string;
  readonly scope: Scope;
}

/** Every list: `{ items, next }`, `next` null on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

export interface Device {
  readonly id: string;
  readonly productLine: string | null;
  readonly state: FleetState;
  readonly atRiskReason: AtRiskReason | null;
  readonly certificateInUse: { readonly serial: string; readonly notAfter: Instant } | null;
  readonly newestCertificate: {
    readonly serial: string;
    readonly issuerId: string | null;
    readonly notAfter: Instant | null;
  } | null;
  readonly renewAt: Instant | null;
  readonly idevid: { readonly serial: string; readonly issuerId: string | null } | null;
  readonly lastSuccessAt: Instant | null;
  readonly lastFailureAt: Instant | null;
  readonly lastFailureReason: string | null;
  readonly consecutiveFailures: number;
  readonly lastPresentedAt: Instant | null;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

export type CertificateStatus = 'prepared' | 'issued' | 'revoked';

export interface Certificate {
  readonly serial: string;
  readonly issuerId: string;
  readonly profile: string;
  readonly status: CertificateStatus;
  readonly subject: string;
  readonly sans: readonly string[];
  readonly deviceId: string | null;
  readonly notBefore: Instant;
  readonly notAfter: Instant;
  readonly keyAlgorithm: string;
  readonly spkiSha256: string;
  readonly fingerprintSha256: string | null;
  readonly requestedVia: string;
  readonly issuedAt: Instant | null;
  readonly revokedAt: Instant | null;
  readonly revocationReason: string | null;
  readonly invalidityDate: Instant | null;
  readonly supersededBy: string | null;
}

/** `GET /fleet/status` */
export interface FleetStatus {
  readonly at: Instant;
  readonly marginSeconds: number;
  readonly failureThreshold: number;
  readonly counts: Readonly<Record<FleetState, number>> & { readonly total: number };
}

export interface AtRiskDevice {
  readonly deviceId: string;
  readonly productLine: string | null;
  readonly reason: AtRiskReason;
  readonly inUse: {
    readonly serial: string;
    readonly notAfter: Instant;
    readonly secondsLeft: number;
  } | null;
  readonly newestSerial: string | null;
  readonly renewAt: Instant | null;
  readonly consecutiveFailures: number;
  readonly lastSuccessAt: Instant | null;
  readonly lastFailureAt: Instant | null;
  readonly lastFailureReason: string | null;
  readonly lastPresentedAt: Instant | null;
}

/** `GET /fleet/at-risk` */
export interface AtRiskPage extends Page<AtRiskDevice> {
  readonly at: Instant;
}

export type TimelineGrouping = 'state' | 'issuer';

/** `GET /fleet/expiry-timeline` */
export interface ExpiryTimeline {
  readonly from: Instant;
  readonly days: number;
  readonly by: TimelineGrouping;
  readonly buckets: readonly ExpiryBucket[];
}

export interface ExpiryBucket {
  /** YYYY-MM-DD, a UTC day. */
  readonly date: string;
  readonly counts: Readonly<Record<string, number>>;
}

/** `GET /enrollment-failures` */
export interface EnrollmentFailures {
  readonly since: Instant;
  readonly total: number;
  readonly byCause: readonly {
    readonly reasonCode: string | null;
    readonly count: number;
    readonly lastAt: Instant;
    readonly lastReason: string | null;
  }[];
}

export type EnrollmentOutcome = 'issued' | 'refused' | 'pending' | 'error';

/** `GET /devices/{id}/enrollment-events` items */
export interface EnrollmentEvent {
  readonly id: number;
  readonly at: Instant;
  readonly protocol: string;
  readonly operation: string;
  readonly outcome: EnrollmentOutcome;
  readonly reasonCode: string | null;
  readonly reason: string | null;
  readonly certificateSerial: string | null;
}

export interface Issuer {
  readonly id: string;
  readonly role: 'root' | 'intermediate';
  readonly parentId: string | null;
  readonly subject: string;
  readonly keyAlgorithm: string;
  readonly online: boolean;
  readonly notBefore: Instant;
  readonly notAfter: Instant;
  readonly subjectKeyIdHex: string;
  readonly fingerprintSha256: string;
  readonly status: 'active' | 'retired';
  readonly createdAt: Instant;
  /** Added for the dashboard; absent from an older server. */
  readonly dependents?: { readonly issuers: number; readonly certificates: number };
}

export const ENDPOINT_PROTOCOLS = ['tls', 'mqtts', 'https', 'smtp-starttls', 'imap-starttls'] as const;
export type EndpointProtocol = (typeof ENDPOINT_PROTOCOLS)[number];

export const ENDPOINT_KINDS = ['service', 'device'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];

export interface Endpoint {
  readonly id: number;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly sni: string | null;
  readonly protocol: EndpointProtocol;
  readonly kind: EndpointKind;
  readonly deviceId: string | null;
  readonly clientCredential: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly notes: string | null;
  readonly enabled: boolean;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
  readonly consecutiveFailures: number;
  readonly lastProbedAt: Instant | null;
}

export interface ObservedLeaf {
  readonly serial: string;
  readonly issuer: string;
  readonly subject: string;
  readonly sans: readonly string[];
  readonly notBefore: Instant;
  readonly notAfter: Instant;
  readonly fingerprintSha256: string;
  readonly keyAlgorithm: string;
}

export interface Observation {
  readonly id: number;
  readonly endpointId: number;
  readonly observedAt: Instant;
  readonly durationMs: number;
  /** `ok`, or why the probe failed (`refused`, `timeout`, `handshake-failure`, …). */
  readonly outcome: string;
  readonly errorMessage: string | null;
  readonly tlsVersion: string | null;
  readonly protocolResult: string | null;
  readonly leaf: ObservedLeaf | null;
  readonly daysLeft: number | null;
  readonly chainLength: number;
  readonly chainValid: boolean | null;
  readonly chainError: string | null;
  readonly chainValidSystem: boolean | null;
  readonly chainSystemError: string | null;
  readonly hostnameMatches: boolean | null;
  readonly linked: {
    readonly issuerId: string;
    readonly serial: string;
    readonly deviceId: string | null;
  } | null;
}

/** `GET /observations/{id}` */
export interface ObservationDetail extends Observation {
  readonly endpointName: string;
  /** Leaf first. */
  readonly chainPem: readonly string[];
}

/** `GET /endpoints/{name}` */
export interface EndpointWithLatest extends Endpoint {
  readonly latestObservation: Observation | null;
}

/** `GET /observations/latest` items */
export interface LatestObservation {
  readonly endpoint: Endpoint;
  readonly observation: Observation | null;
}

/** `POST /endpoints/import` */
export interface ImportReport {
  readonly rows: number;
  readonly imported: number;
  readonly errors: readonly { readonly line: number; readonly error: string }[];
}

export interface AlertRule {
  readonly id: string;
  readonly name: string;
  readonly condition: {
    readonly kind: string;
    readonly thresholdsDays?: readonly number[];
    readonly failures?: number;
    readonly aboveCount?: number;
    readonly aboveShare?: number;
  };
  readonly subjects: { readonly kind?: string; readonly labelPattern?: string };
  readonly channels: readonly string[];
  readonly enabled: boolean;
  readonly quietHours: { readonly start: string; readonly end: string; readonly timeZone: string } | null;
  readonly createdAt: Instant;
}

export interface AlertState {
  readonly rule: string;
  readonly ruleId: string;
  readonly subjectKey: string;
  readonly label: string;
  readonly level: string;
  readonly firingSince: Instant | null;
  readonly notifiedLevel: string | null;
  readonly updatedAt: Instant;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  readonly id: number;
  readonly ruleId: string;
  readonly ruleName: string;
  readonly subjectKey: string;
  readonly event: 'firing' | 'resolved';
  readonly level: string;
  readonly channel: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Instant | null;
  readonly lastError: string | null;
  readonly createdAt: Instant;
  readonly deliveredAt: Instant | null;
}

export interface AuditEvent {
  readonly seq: number;
  readonly at: Instant;
  readonly event: string;
  readonly actor: string;
  readonly subject: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly hash: string;
  readonly prevHash: string;
}

/** RFC 5280 §5.3.1 reasons an operator may revoke with (certificateHold and removeFromCRL are not offered). */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface EnrollmentToken {
  readonly id: string;
  readonly deviceId: string;
  readonly profile: string;
  readonly label: string | null;
  readonly status: 'usable' | 'used' | 'voided' | 'expired';
  readonly createdBy: string;
  readonly createdAt: Instant;
  readonly expiresAt: Instant;
  readonly usedAt: Instant | null;
  readonly voidedAt: Instant | null;
}

/** `POST /enrollment-tokens`: the secret is shown this once. */
export interface CreatedEnrollmentToken {
  readonly token: EnrollmentToken;
  readonly secret: string;
}
