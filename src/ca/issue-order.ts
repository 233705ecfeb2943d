import type { Name } from '@peculiar/asn1-x509';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import type { KeyAlgorithmName } from '../pki/algorithms/key-algorithm.js';
import type { AltName } from '../pki/general-names.js';
import type { ProfileName } from '../pki/profiles/certificate-profile.js';

/** What the RA asks the CA to sign, after it has authenticated the requester and applied its policy. */
export interface IssueOrder {
  readonly issuerId: IssuerId;
  readonly profile: ProfileName;
  readonly subject: Name;
  /** The subject as it will appear in the certificate (usually the CSR's bytes, unchanged). */
  readonly subjectDer: Uint8Array;
  readonly altNames: readonly AltName[];
  readonly spkiDer: Uint8Array;
  readonly keyAlgorithm: KeyAlgorithmName;
  readonly validitySeconds?: number;
  readonly deviceId: DeviceId | null;
  /** `cli`, `est`, `cmp`, `acme`… */
  readonly requestedVia: string;
  /** Who asked, as the RA authenticated it; goes into the audit trail. */
  readonly requester: string;
}

export interface IssuedCertificate {
  readonly issuerId: IssuerId;
  readonly serial: SerialHex;
  readonly der: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly fingerprintSha256: string;
  /** Issuer certificate first, root last. */
  readonly chain: readonly Uint8Array[];
}
