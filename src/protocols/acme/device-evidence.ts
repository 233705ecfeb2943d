import { PkiError } from '../../core/pki-error.js';

/** What a valid device-attest-01 established, kept with the authorization for finalize (AcmeAuthorizationRecord.evidence). */
export interface DeviceEvidence {
  readonly deviceId: string;
  /** The IDevID chain the device attested with, leaf first (DER). */
  readonly chain: readonly Uint8Array[];
}

export function encodeDeviceEvidence(evidence: DeviceEvidence): string {
  return JSON.stringify({
    deviceId: evidence.deviceId,
    chain: evidence.chain.map((der) => Buffer.from(der).toString('base64')),
  });
}

export function deviceEvidence(text: string): DeviceEvidence {
  const value = JSON.parse(text) as { deviceId?: unknown; chain?: unknown };
  if (typeof value.deviceId !== 'string' || !Array.isArray(value.chain)) {
    throw new PkiError('INTERNAL', 'stored device evidence is not readable');
  }
  return {
    deviceId: value.deviceId,
    chain: value.chain.map((entry) => new Uint8Array(Buffer.from(String(entry), 'base64'))),
  };
}
