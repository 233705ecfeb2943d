import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Conventions shared by both engines:
 * - times are integer epoch milliseconds (INTEGER in SQLite, BIGINT in PostgreSQL, read back as `number`);
 * - bytes are BLOB / BYTEA;
 * - lists and objects are JSON text, so both engines store exactly the same characters (the audit hash relies
 *   on it: JSONB would reorder keys);
 * - enumerations are text, checked by the TypeScript types of records.ts rather than by CHECK constraints,
 *   so adding a value needs no table rebuild in SQLite.
 */
export interface Database {
  issuers: IssuersTable;
  certificates: CertificatesTable;
  devices: DevicesTable;
  enrollment_events: EnrollmentEventsTable;
  audit_events: AuditEventsTable;
  enrollment_tokens: EnrollmentTokensTable;
  pending_enrollments: PendingEnrollmentsTable;
  crls: CrlsTable;
  api_tokens: ApiTokensTable;
  monitored_endpoints: MonitoredEndpointsTable;
  endpoint_observations: EndpointObservationsTable;
  alert_rules: AlertRulesTable;
  alert_states: AlertStatesTable;
  alert_deliveries: AlertDeliveriesTable;
  alert_delivery_attempts: AlertDeliveryAttemptsTable;
  cmp_transactions: CmpTransactionsTable;
  acme_external_account_keys: AcmeExternalAccountKeysTable;
  acme_accounts: AcmeAccountsTable;
  acme_orders: AcmeOrdersTable;
  acme_authorizations: AcmeAuthorizationsTable;
  acme_challenges: AcmeChallengesTable;
  acme_order_authorizations: AcmeOrderAuthorizationsTable;
  acme_nonces: AcmeNoncesTable;
  renewal_windows: RenewalWindowsTable;
}

export interface IssuersTable {
  id: string;
  role: string;
  parent_id: string | null;
  subject: string;
  certificate_der: Uint8Array;
  key_uri: string | null;
  key_algorithm: string;
  not_before: number;
  not_after: number;
  subject_key_id_hex: string;
  fingerprint_sha256: string;
  status: string;
  created_at: number;
}

/** Primary key (serial, issuer_id): serial uniqueness per issuer is a database constraint (RFC 5280 §4.1.2.2). */
export interface CertificatesTable {
  issuer_id: string;
  serial: string;
  profile: string;
  subject: string;
  /** JSON array of text SANs. */
  sans: string;
  device_id: string | null;
  not_before: number;
  not_after: number;
  key_algorithm: string;
  spki_sha256: string;
  requested_via: string;
  status: string;
  der: Uint8Array | null;
  fingerprint_sha256: string | null;
  prepared_at: number;
  issued_at: number | null;
  revoked_at: number | null;
  revocation_reason: string | null;
  invalidity_date: number | null;
  superseded_by: string | null;
}

export interface DevicesTable {
  id: string;
  product_line: string | null;
  state: string;
  idevid_serial: string | null;
  idevid_issuer_id: string | null;
  ldevid_serial: string | null;
  ldevid_issuer_id: string | null;
  ldevid_not_after: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_failure_reason: string | null;
  created_at: number;
  updated_at: number;
  /** From migration 0004 (the fleet view). When the newest LDevID should be renewed. */
  ldevid_renew_at: number | null;
  /** The certificate presented at the last attempt: `idevid` or `ldevid` (PresentedCertificate). */
  presented_profile: string | null;
  presented_issuer_id: string | null;
  presented_serial: string | null;
  presented_not_after: number | null;
  presented_at: number | null;
  /** The certificate the device is believed to use (see migrations/0004-fleet.ts). */
  in_use_serial: string | null;
  in_use_not_after: number | null;
  /** Failed attempts since the last success; 0 by default. */
  consecutive_failures: Generated<number>;
  /** From migration 0008: LDevIDs issued since `presented_serial` (see migrations/0008-undeployed-renewals.ts). */
  issued_since_presented: Generated<number>;
}

export interface EnrollmentEventsTable {
  id: Generated<number>;
  at: number;
  device_id: string | null;
  protocol: string;
  operation: string;
  profile: string | null;
  issuer_id: string | null;
  outcome: string;
  reason_code: string | null;
  reason: string | null;
  requester: string;
  certificate_serial: string | null;
}

/** Append-only; `seq` is assigned by the appender (it is part of the hashed content), not by the database. */
export interface AuditEventsTable {
  seq: number;
  at: number;
  event: string;
  actor: string;
  subject: string | null;
  /** Canonical JSON (RFC 8785 key order) of the event data: the exact text that was hashed. */
  data: string;
  prev_hash: string;
  hash: string;
}

/** One-time tokens; `secret_sha256` is unique, so a secret names at most one token. */
export interface EnrollmentTokensTable {
  id: string;
  secret_sha256: string;
  device_id: string;
  profile: string;
  label: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  voided_at: number | null;
}

/** Requests awaiting (or past) an operator's decision; unique on (label, request_sha256). */
export interface PendingEnrollmentsTable {
  id: string;
  label: string;
  request_sha256: string;
  device_id: string | null;
  requester: string;
  profile: string;
  csr_der: Uint8Array;
  status: string;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
  reason: string | null;
  certificate_issuer_id: string | null;
  certificate_serial: string | null;
}

/** Published CRLs; primary key (issuer_id, crl_number): full and delta CRLs share the issuer's numbers. */
export interface CrlsTable {
  issuer_id: string;
  crl_number: number;
  this_update: number;
  next_update: number;
  der: Uint8Array;
  /** Null for a full CRL; the base full CRL's number for a delta CRL. */
  base_crl_number: number | null;
}

/** From migration 0006 (alerts, see migrations/0006-alerts.ts). `name` is unique. */
export interface AlertRulesTable {
  id: string;
  name: string;
  kind: string;
  /** JSON object of the kind's parameters (AlertCondition less its kind). */
  params: string;
  subject_kind: string | null;
  label_pattern: string | null;
  /** JSON array of channel names. */
  channels: string;
  /** 0 or 1. */
  enabled: number;
  quiet_start: string | null;
  quiet_end: string | null;
  quiet_time_zone: string | null;
  created_at: number;
}

/** Primary key (rule_id, subject_key); `version` is bumped by every change (compare-and-set). */
export interface AlertStatesTable {
  rule_id: string;
  subject_key: string;
  label: string;
  level: string | null;
  firing_since: number | null;
  notified_level: string | null;
  resolved_at: number | null;
  updated_at: number;
  version: number;
}

export interface AlertDeliveriesTable {
  id: Generated<number>;
  rule_id: string;
  rule_name: string;
  subject_key: string;
  event: string;
  level: string;
  channel: string;
  /** JSON of the notification. */
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** Primary key (delivery_id, attempt). */
export interface AlertDeliveryAttemptsTable {
  delivery_id: number;
  attempt: number;
  at: number;
  outcome: string;
  error: string | null;
  duration_ms: number;
}

/** From migration 0005 (the external monitor, see migrations/0005-monitor.ts). `name` is unique. */
export interface MonitoredEndpointsTable {
  id: Generated<number>;
  name: string;
  host: string;
  port: number;
  sni: string | null;
  protocol: string;
  kind: string;
  device_id: string | null;
  client_credential: string | null;
  /** JSON object of text labels. */
  labels: string;
  notes: string | null;
  /** 0 or 1. */
  enabled: number;
  created_at: number;
  updated_at: number;
  consecutive_failures: Generated<number>;
  last_probed_at: number | null;
  /** The newest row of endpoint_observations for this endpoint, written with it. */
  last_observation_id: number | null;
}

/** One probe of an endpoint; booleans are 0, 1 or null (not judged). */
export interface EndpointObservationsTable {
  id: Generated<number>;
  endpoint_id: number;
  observed_at: number;
  duration_ms: number;
  outcome: string;
  error_message: string | null;
  tls_version: string | null;
  protocol_result: string | null;
  leaf_serial: string | null;
  leaf_issuer: string | null;
  leaf_subject: string | null;
  /** JSON array of text SANs. */
  leaf_sans: string | null;
  leaf_not_before: number | null;
  leaf_not_after: number | null;
  leaf_fingerprint_sha256: string | null;
  key_algorithm: string | null;
  /** The presented certificates' DER, concatenated. */
  chain_der: Uint8Array | null;
  chain_length: number;
  /** The earliest notAfter among the presented certificates. */
  chain_not_after: number | null;
  chain_valid: number | null;
  chain_error: string | null;
  chain_valid_system: number | null;
  chain_system_error: string | null;
  hostname_matches: number | null;
  linked_serial: string | null;
  linked_issuer_id: string | null;
  linked_device_id: string | null;
}

/** From migration 0007 (the admin API's operator tokens); `name` is unique, revoked tokens' included. */
export interface ApiTokensTable {
  id: string;
  name: string;
  /** `read` or `admin` (ApiTokenScope). */
  scope: string;
  /** Lower-case hex SHA-256 of the token's secret; the secret itself is never stored. */
  secret_sha256: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

/**
 * From migration 0009 (the CMP server's transactions, see cmp-transactions.ts). Every transition is an UPDATE
 * … WHERE state = ? AND server_nonce = ? (compare-and-set).
 */
export interface CmpTransactionsTable {
  /** Lower-case hex of the transactionID octets. */
  transaction_id: string;
  sender: string;
  /** CmpTransactionState. */
  state: string;
  server_nonce: Uint8Array;
  request_type: string;
  label: string;
  cert_req_id: number;
  certificate_issuer_id: string | null;
  certificate_serial: string | null;
  /** Null when no request is held. */
  held_request_der: Uint8Array | null;
  /**
   * The held request's credential chain as concatenated DER (der-concatenation.ts), leaf first; null when no
   * request is held or its chain is empty (MAC protection).
   */
  held_credential_chain: Uint8Array | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

export interface AcmeExternalAccountKeysTable {
  key_id: string;
  label: string;
  created_at: number;
  bound_account_id: string | null;
  bound_at: number | null;
  revoked_at: number | null;
  /** AcmeIdentifierScope as JSON, null for none. */
  identifier_scope: string | null;
}

export interface AcmeAccountsTable {
  id: string;
  /** RFC 7638 SHA-256 thumbprint, base64url; unique. */
  key_thumbprint: string;
  jwk: string;
  /** AcmeAccountStatus. */
  status: string;
  /** JSON array of URIs. */
  contact: string;
  /** 0 or 1. */
  terms_of_service_agreed: number;
  external_account_key_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface AcmeOrdersTable {
  id: string;
  account_id: string;
  /** AcmeOrderStatus. */
  status: string;
  /** JSON array of `{type, value}`. */
  identifiers: string;
  /** JSON array of authorization ids, in the order's order. */
  authorization_ids: string;
  not_before: number | null;
  not_after: number | null;
  expires_at: number;
  profile: string | null;
  /** RFC 9773 certID; unique among the orders that are not invalid. */
  replaces: string | null;
  /** Problem document JSON. */
  error: string | null;
  certificate_issuer_id: string | null;
  certificate_serial: string | null;
  created_at: number;
  updated_at: number;
}

export interface AcmeAuthorizationsTable {
  id: string;
  account_id: string;
  identifier_type: string;
  identifier_value: string;
  /** 0 or 1. */
  wildcard: number;
  /** AcmeAuthorizationStatus. */
  status: string;
  expires_at: number;
  evidence: string | null;
  created_at: number;
  updated_at: number;
}

export interface AcmeChallengesTable {
  id: string;
  authorization_id: string;
  /** Creation order within the authorization, from 0. */
  position: number;
  type: string;
  token: string;
  /** AcmeChallengeStatus. */
  status: string;
  validated_at: number | null;
  /** Problem document JSON. */
  error: string | null;
}

/** Which orders hold an authorization; primary key (authorization_id, order_id). */
export interface AcmeOrderAuthorizationsTable {
  authorization_id: string;
  order_id: string;
}

export interface AcmeNoncesTable {
  nonce: string;
  expires_at: number;
}

/** Primary key (issuer_id, serial). */
export interface RenewalWindowsTable {
  issuer_id: string;
  serial: string;
  start_at: number;
  end_at: number;
  explanation_url: string | null;
  set_at: number;
  set_by: string;
}
