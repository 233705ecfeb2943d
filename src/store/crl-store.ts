import type { IssuerId } from '../core/ids.js';

/** A CRL an issuer published (RFC 5280 §5): full, or a delta against the full CRL numbered `baseCrlNumber`. */
export interface CrlRecord {
  readonly issuerId: IssuerId;
  readonly crlNumber: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly der: Uint8Array;
  /** Null for a full CRL; the full CRL's number for a delta CRL (RFC 5280 §5.2.4). */
  readonly baseCrlNumber: number | null;
}

export interface CrlStore {
  /** The newest (highest-numbered) full or delta CRL of the issuer. */
  latest(issuerId: IssuerId, kind: 'full' | 'delta'): Promise<CrlRecord | undefined>;
  /** The highest CRL number used by the issuer for any CRL, full or delta (0 if none): CRL numbers share one sequence. */
  highestNumber(issuerId: IssuerId): Promise<number>;
  /**
   * Records a published CRL. CRL numbers are unique per issuer by a database constraint: when another node
   * published the same number first, CONFLICT, and the caller draws the next one.
   */
  add(crl: CrlRecord): Promise<void>;
}
