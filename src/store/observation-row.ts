import type { Insertable, Selectable } from 'kysely';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { concatDer, splitDer } from './der-concatenation.js';
import { toEpochMs, toPlainBytes } from './epoch-ms.js';
import {
  type EndpointObservation,
  type NewObservation,
  type ObservationOutcome,
  type ObservationSummary,
  PROBE_ERROR_KINDS,
} from './observation-log.js';
import type { EndpointObservationsTable } from './schema.js';

export type ObservationRow = Selectable<EndpointObservationsTable>;
export type ObservationSummaryRow = Omit<ObservationRow, 'chain_der'>;

const DAY_MS = 86_400_000;

/** Every column but the chain's bytes, for lists. */
export const SUMMARY_COLUMNS = [
  'id',
  'endpoint_id',
  'observed_at',
  'duration_ms',
  'outcome',
  'error_message',
  'tls_version',
  'protocol_result',
  'leaf_serial',
  'leaf_issuer',
  'leaf_subject',
  'leaf_sans',
  'leaf_not_before',
  'leaf_not_after',
  'leaf_fingerprint_sha256',
  'key_algorithm',
  'chain_length',
  'chain_not_after',
  'chain_valid',
  'chain_error',
  'chain_valid_system',
  'chain_system_error',
  'hostname_matches',
  'linked_serial',
  'linked_issuer_id',
  'linked_device_id',
] as const satisfies ReadonlyArray<keyof ObservationSummaryRow>;

export function toObservationRow(o: NewObservation): Insertable<EndpointObservationsTable> {
  if (o.outcome !== 'ok' && !(PROBE_ERROR_KINDS as readonly string[]).includes(o.outcome)) {
    throw new PkiError('MALFORMED_INPUT', `observation outcome '${String(o.outcome)}' is not known`);
  }
  if (!Number.isSafeInteger(o.durationMs) || o.durationMs < 0) {
    throw new PkiError('MALFORMED_INPUT', 'observation duration must be a whole number of milliseconds');
  }
  const leaf = o.leaf;
  return {
    endpoint_id: o.endpointId,
    observed_at: toEpochMs(o.observedAt, 'observedAt'),
    duration_ms: o.durationMs,
    outcome: o.outcome,
    error_message: o.errorMessage,
    tls_version: o.tlsVersion,
    protocol_result: o.protocolResult,
    leaf_serial: leaf?.serial ?? null,
    leaf_issuer: leaf?.issuer ?? null,
    leaf_subject: leaf?.subject ?? null,
    leaf_sans: leaf === null ? null : JSON.stringify(leaf.sans),
    leaf_not_before: leaf === null ? null : toEpochMs(leaf.notBefore, 'leaf notBefore'),
    leaf_not_after: leaf === null ? null : toEpochMs(leaf.notAfter, 'leaf notAfter'),
    leaf_fingerprint_sha256: leaf?.fingerprintSha256 ?? null,
    key_algorithm: leaf?.keyAlgorithm ?? null,
    chain_der: o.chainDer.length === 0 ? null : concatDer(o.chainDer),
    chain_length: o.chainDer.length,
    chain_not_after: o.chainNotAfter === null ? null : toEpochMs(o.chainNotAfter, 'chain notAfter'),
    chain_valid: flag(o.chainValid),
    chain_error: o.chainError,
    chain_valid_system: flag(o.chainValidSystem),
    chain_system_error: o.chainSystemError,
    hostname_matches: flag(o.hostnameMatches),
    linked_serial: o.linked?.serial ?? null,
    linked_issuer_id: o.linked?.issuerId ?? null,
    linked_device_id: o.linked?.deviceId ?? null,
  };
}

export function toObservationSummary(row: ObservationSummaryRow): ObservationSummary {
  const observedAt = new Date(Number(row.observed_at));
  const notAfter = row.leaf_not_after === null ? null : Number(row.leaf_not_after);
  const leaf =
    row.leaf_serial === null || notAfter === null || row.leaf_not_before === null
      ? null
      : {
          serial: row.leaf_serial,
          issuer: row.leaf_issuer ?? '',
          subject: row.leaf_subject ?? '',
          sans: JSON.parse(row.leaf_sans ?? '[]') as string[],
          notBefore: new Date(Number(row.leaf_not_before)),
          notAfter: new Date(notAfter),
          fingerprintSha256: row.leaf_fingerprint_sha256 ?? '',
          keyAlgorithm: row.key_algorithm ?? 'unknown',
        };
  const linked =
    row.linked_serial === null || row.linked_issuer_id === null
      ? null
      : {
          serial: row.linked_serial as SerialHex,
          issuerId: row.linked_issuer_id as IssuerId,
          deviceId: row.linked_device_id as DeviceId | null,
        };
  return {
    id: Number(row.id),
    endpointId: Number(row.endpoint_id),
    observedAt,
    durationMs: Number(row.duration_ms),
    outcome: row.outcome as ObservationOutcome,
    errorMessage: row.error_message,
    tlsVersion: row.tls_version,
    protocolResult: row.protocol_result,
    leaf,
    chainLength: Number(row.chain_length),
    chainNotAfter: row.chain_not_after === null ? null : new Date(Number(row.chain_not_after)),
    chainValid: bool(row.chain_valid),
    chainError: row.chain_error,
    chainValidSystem: bool(row.chain_valid_system),
    chainSystemError: row.chain_system_error,
    hostnameMatches: bool(row.hostname_matches),
    linked,
    daysLeft: notAfter === null ? null : Math.floor((notAfter - observedAt.getTime()) / DAY_MS),
  };
}

export function toObservation(row: ObservationRow): EndpointObservation {
  return {
    ...toObservationSummary(row),
    chainDer: row.chain_der === null ? [] : splitDer(toPlainBytes(row.chain_der)),
  };
}

function flag(value: boolean | null): number | null {
  return value === null ? null : value ? 1 : 0;
}

function bool(value: number | null): boolean | null {
  return value === null ? null : Number(value) === 1;
}
