import { InvalidArgumentError } from 'commander';
import { parseDurationSeconds } from '../core/duration.js';
import { type IssuerId, toIssuerId } from '../core/ids.js';
import { isPkiError } from '../core/pki-error.js';
import {
  isRequestableRevocationReason,
  REQUESTABLE_REVOCATION_REASONS,
  type RevocationReason,
} from '../core/revocation-reason.js';
import {
  isKeyAlgorithmName,
  KEY_ALGORITHMS,
  type KeyAlgorithmName,
} from '../pki/algorithms/key-algorithm.js';

/** Commander argument parsers: a bad value is a usage error (exit 2) naming the option. */
export function durationOption(value: string): number {
  try {
    return parseDurationSeconds(value);
  } catch (error) {
    throw new InvalidArgumentError(isPkiError(error) ? error.message : String(error));
  }
}

export function issuerIdOption(value: string): IssuerId {
  const id = toIssuerId(value);
  if (!id)
    throw new InvalidArgumentError(`'${value}' is not an issuer id (lower-case letters, digits and dashes)`);
  return id;
}

export function keyAlgorithmOption(value: string): KeyAlgorithmName {
  if (!isKeyAlgorithmName(value)) throw new InvalidArgumentError(`use one of ${KEY_ALGORITHMS.join(', ')}`);
  return value;
}

export function positiveIntegerOption(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function revocationReasonOption(value: string): RevocationReason {
  if (!isRequestableRevocationReason(value)) {
    throw new InvalidArgumentError(`use one of ${REQUESTABLE_REVOCATION_REASONS.join(', ')}`);
  }
  return value;
}

export function dateOption(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new InvalidArgumentError('use an ISO 8601 date, e.g. 2026-11-27T10:00:00Z');
  }
  return date;
}
