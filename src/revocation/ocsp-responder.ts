import type { Clock } from '../core/clock.js';
import type { IssuerId } from '../core/ids.js';
import { isPkiError } from '../core/pki-error.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { bytesToHex } from '../pki/der.js';
import { certIdNamesIssuer, type ParsedCertId } from '../pki/ocsp/cert-id.js';
import { parseOcspRequest } from '../pki/ocsp/ocsp-request.js';
import {
  assembleOcspResponse,
  encodeBasicResponseTbs,
  encodeOcspError,
  type OcspCertStatus,
} from '../pki/ocsp/ocsp-response.js';
import type { CertificateReader, CertificateStatusRecord } from '../store/certificate-reader.js';
import type { OcspResponderKeys } from './ocsp-responder-keys.js';

export interface OcspPolicy {
  /** thisUpdate → nextUpdate of each answer. */
  readonly validitySeconds: number;
  /** How long a signed answer to a request without a nonce is reused (0: never). */
  readonly cacheSeconds: number;
  /** Most certificates one request may ask about. */
  readonly maxCertificatesPerRequest: number;
}

/** What the responder answers, with what a GET response's cache headers need. */
export interface OcspAnswer {
  readonly der: Uint8Array;
  /** Set on successful answers: when it was produced and until when it may be cached. */
  readonly producedAt?: Date;
  readonly nextUpdate?: Date;
  /** Whether it came from the cache. */
  readonly cached: boolean;
}

interface CachedAnswer {
  readonly answer: OcspAnswer;
  readonly expiresMs: number;
  /** The issuer whose certificates it is about, so that a revocation by that issuer drops it. */
  readonly issuerId: IssuerId;
}

/** Answers cached at most (about 1 KiB each); the oldest go first. */
const MAX_CACHED = 100_000;

/**
 * The OCSP responder (RFC 6960, with the lightweight profile of RFC 9919) for this deployment's online issuers. It
 * reads certificate status from the store and signs with the node's delegated responder key. Requests that carry a
 * nonce (RFC 9654) are answered fresh; the others (the RFC 9919 profile: relying parties that cache) are answered
 * from a short-lived cache of signed answers, which a revocation on this node clears at once and which other
 * nodes let expire within `cacheSeconds`. Bad requests and an unavailable key are OCSP error statuses; anything else throws (the HTTP edge answers internalError).
 */
export class OcspResponder {
  private readonly cache = new Map<string, CachedAnswer>();
  /** Revocations seen by this node; an answer signed across one is not cached (it may predate it). */
  private revocations = 0;

  constructor(
    private readonly deps: {
      /** The online issuers the responder answers for. */
      issuers: () => ReadonlyMap<IssuerId, { readonly certificate: ParsedCertificate }>;
      certificates: Pick<CertificateReader, 'status'>;
      keys: OcspResponderKeys;
      clock: Clock;
      policy: OcspPolicy;
    },
  ) {}

  /** Forgets cached answers about the issuers' certificates (called when they revoke). */
  revoked(issuerIds: readonly IssuerId[]): void {
    this.revocations++;
    const revoking = new Set(issuerIds);
    for (const [key, cached] of this.cache) if (revoking.has(cached.issuerId)) this.cache.delete(key);
  }

  /**
   * Answers one DER OCSPRequest. `scope` is the issuer named by the URL (`/ocsp/<issuer>`), if any: CertIDs of
   * another issuer are then unauthorized.
   */
  async respond(requestDer: Uint8Array, scope?: IssuerId): Promise<OcspAnswer> {
    const now = this.deps.clock.now();
    // Cached answers are found by the request's bytes, before it is even parsed: identical bytes without a
    // nonce ask the same question, and the cache holds answers to nonce-less requests only.
    // A URL naming another issuer than the answer's gets "unauthorized" from the full path below.
    const cacheKey = this.deps.policy.cacheSeconds > 0 ? bytesToHex(requestDer) : undefined;
    if (cacheKey !== undefined) {
      const hit = this.cache.get(cacheKey);
      if (hit && hit.expiresMs > now.getTime() && (scope === undefined || scope === hit.issuerId))
        return { ...hit.answer, cached: true };
    }
    let request;
    try {
      request = parseOcspRequest(requestDer);
    } catch (error) {
      if (isPkiError(error)) return { der: encodeOcspError('malformedRequest'), cached: false };
      throw error;
    }
    if (request.requests.length > this.deps.policy.maxCertificatesPerRequest) {
      return { der: encodeOcspError('malformedRequest'), cached: false };
    }
    const certIds = request.requests.map((r) => r.certId);
    const issuerId = this.issuerOf(certIds, scope);
    // RFC 6960 §2.3 / RFC 9919: a responder that is not authoritative for the CA answers "unauthorized".
    if (issuerId === undefined) return { der: encodeOcspError('unauthorized'), cached: false };
    try {
      const revocations = this.revocations;
      const { answer, definite } = await this.sign(issuerId, certIds, request.nonce, now);
      if (
        cacheKey !== undefined &&
        request.nonce === undefined &&
        definite &&
        revocations === this.revocations
      )
        this.remember(cacheKey, issuerId, answer, now);
      return answer;
    } catch (error) {
      if (isPkiError(error, 'UNAVAILABLE')) return { der: encodeOcspError('tryLater'), cached: false };
      throw error;
    }
  }

  /** The one issuer all CertIDs name, if it is ours (and the URL's, when it names one). */
  private issuerOf(certIds: readonly ParsedCertId[], scope: IssuerId | undefined): IssuerId | undefined {
    const issuers = this.deps.issuers();
    const candidates =
      scope === undefined ? [...issuers.entries()] : [...issuers.entries()].filter(([id]) => id === scope);
    const match = candidates.find(([, issuer]) =>
      certIds.every((certId) => certIdNamesIssuer(certId, issuer.certificate)),
    );
    return match?.[0];
  }

  private async sign(
    issuerId: IssuerId,
    certIds: readonly ParsedCertId[],
    nonce: Uint8Array | undefined,
    now: Date,
  ): Promise<{ answer: OcspAnswer; definite: boolean }> {
    const producedAt = wholeSeconds(now);
    const nextUpdate = new Date(producedAt.getTime() + this.deps.policy.validitySeconds * 1000);
    const statuses = await Promise.all(
      certIds.map((certId) => this.deps.certificates.status(issuerId, certId.serial).then(statusOf)),
    );
    const credential = await this.deps.keys.forIssuer(issuerId);
    const tbs = encodeBasicResponseTbs({
      responderSpki: credential.key.spki,
      producedAt,
      responses: certIds.map((certId, i) => ({
        certId,
        certStatus: statuses[i]!,
        thisUpdate: producedAt,
        nextUpdate,
      })),
      nonce,
    });
    const signature = await credential.signatureAlgorithm.signAsync(credential.key, tbs);
    const der = assembleOcspResponse(tbs, credential.signatureAlgorithm, signature, [
      credential.certificate.der,
    ]);
    // "unknown" is not cached: a serial being issued right now becomes known in a moment, and random serials
    // asked by anyone would otherwise push the fleet's hot set out of the cache.
    const definite = statuses.every((s) => s.status !== 'unknown');
    return { answer: { der, producedAt, nextUpdate, cached: false }, definite };
  }

  private remember(key: string, issuerId: IssuerId, answer: OcspAnswer, now: Date): void {
    const expiresMs = Math.min(
      now.getTime() + this.deps.policy.cacheSeconds * 1000,
      answer.nextUpdate?.getTime() ?? 0,
    );
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { answer, expiresMs, issuerId });
  }
}

/**
 * What the ledger says of a certificate: issued → good, revoked → revoked with time and reason; unknown serials,
 * and prepared ones never signed (nothing was handed out), → unknown.
 */
function statusOf(record: CertificateStatusRecord | undefined): OcspCertStatus {
  if (!record) return { status: 'unknown' };
  switch (record.status) {
    case 'issued':
      return { status: 'good' };
    case 'revoked':
      return {
        status: 'revoked',
        revokedAt: record.revokedAt ?? new Date(0),
        reason: record.revocationReason ?? 'unspecified',
      };
    case 'prepared':
      return { status: 'unknown' };
  }
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
