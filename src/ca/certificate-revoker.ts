import type { Clock } from '../core/clock.js';
import type { IssuerId } from '../core/ids.js';
import type {
  CertificateLifecycle,
  RevocationRequest,
  RevocationResult,
} from '../store/certificate-lifecycle.js';

/** Told which issuers' revocation lists changed, so CRLs and OCSP caches follow at once. */
export type RevocationListener = (issuerIds: readonly IssuerId[]) => void;

/**
 * Revokes certificates: records each revocation with its audit event (`cert.revoked`) in one transaction, then
 * tells the publishers. Idempotent: a second revocation keeps the first one's time and reason.
 */
export class CertificateRevoker {
  private readonly listeners: RevocationListener[] = [];

  constructor(
    private readonly lifecycle: Pick<CertificateLifecycle, 'revoke'>,
    private readonly clock: Clock,
  ) {}

  onRevoked(listener: RevocationListener): void {
    this.listeners.push(listener);
  }

  async revoke(
    requests: readonly RevocationRequest[],
    requester: string,
  ): Promise<readonly RevocationResult[]> {
    if (requests.length === 0) return [];
    const at = this.clock.now();
    const results = await this.lifecycle.revoke(requests, at, (request) => ({
      at,
      event: 'cert.revoked',
      actor: requester,
      subject: `cert:${request.issuerId}/${request.serial}`,
      data: {
        reason: request.reason,
        invalidityDate: request.invalidityDate?.toISOString() ?? null,
      },
    }));
    const changed = [...new Set(requests.filter((_, i) => results[i] === 'revoked').map((r) => r.issuerId))];
    if (changed.length > 0) for (const listener of this.listeners) listener(changed);
    return results;
  }
}
