import type { Clock } from '../core/clock.js';
import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { REQUESTABLE_REVOCATION_REASONS, type RevocationReason } from '../core/revocation-reason.js';
import type { CertificateRevoker } from '../ca/certificate-revoker.js';
import type { AuditLog } from '../store/audit-log.js';
import type { RevocationRequest, RevocationResult } from '../store/certificate-lifecycle.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { DeviceRegistry } from '../store/device-registry.js';
import type { EnrollmentTokens } from '../store/enrollment-tokens.js';
import type { IssuerRegistry } from '../store/issuer-registry.js';
import type { CertificateStatus, DeviceRecord } from '../store/records.js';
import type { ProfileName } from '../pki/profiles/certificate-profile.js';
import type { IssuerDirectory } from './issuer-directory.js';
import { checkIssuedCertificate } from './issued-certificate-check.js';
import { parsePresentedChain } from './presented-chain.js';
import type { Credential } from './provisioner.js';

export type RevocationTarget =
  | { readonly kind: 'certificate'; readonly serial: SerialHex; readonly issuerId?: IssuerId }
  | { readonly kind: 'device'; readonly deviceId: DeviceId }
  | { readonly kind: 'issuer'; readonly issuerId: IssuerId };

export interface RevocationSummary {
  readonly revoked: number;
  readonly alreadyRevoked: number;
  readonly certificates: ReadonlyArray<{
    readonly issuerId: IssuerId;
    readonly serial: SerialHex;
    readonly result: RevocationResult;
  }>;
}

export interface DecommissionSummary extends RevocationSummary {
  readonly tokensVoided: number;
  /** False when the device was decommissioned before (then nothing else changed). */
  readonly stateChanged: boolean;
}

/** Certificates revoked per transaction when a whole issuer or a large device history is revoked. */
const BATCH = 1000;
const REVOCABLE: readonly CertificateStatus[] = ['issued', 'prepared'];
/** End-entity certificates whose holder may revoke them itself; CA and server certificates go through operators. */
const HOLDER_REVOCABLE: readonly ProfileName[] = ['idevid', 'ldevid', 'tls-server', 'code-signing'];

/**
 * Who may revoke what, and revocation by certificate, by device, or by issuer; device decommissioning (RMA): its
 * certificates revoked, its enrollment tokens voided, its state `decommissioned`, so its IDevID cannot onboard
 * again. Operators only, for now; each revocation is audited by the CA, each decommissioning here.
 */
export class Revocations {
  constructor(
    private readonly deps: {
      revoker: CertificateRevoker;
      certificates: CertificateReader;
      devices: DeviceRegistry;
      issuers: Pick<IssuerRegistry, 'get'>;
      tokens: Pick<EnrollmentTokens, 'voidForDevice'>;
      audit: AuditLog;
      /** Recognises our certificates when their holder asks to revoke one. */
      directory: IssuerDirectory;
      clock: Clock;
    },
  ) {}

  async revoke(
    credential: Credential,
    target: RevocationTarget,
    reason: RevocationReason,
    invalidityDate: Date | null = null,
  ): Promise<RevocationSummary> {
    const requester = await this.requesterFor(credential, target);
    requestable(reason);
    if (invalidityDate && invalidityDate > this.deps.clock.now()) {
      throw new PkiError('MALFORMED_INPUT', 'the invalidity date lies in the future');
    }
    switch (target.kind) {
      case 'certificate':
        return this.revokeCertificate(target, reason, invalidityDate, requester);
      case 'device': {
        const device = await this.knownDevice(target.deviceId);
        const summary = await this.revokeMany(
          { deviceId: target.deviceId },
          reason,
          invalidityDate,
          requester,
        );
        // Without a valid certificate the device is offline until it onboards again (then it is active).
        if (summary.revoked > 0 && device && device.state !== 'decommissioned')
          await this.deps.devices.setState(target.deviceId, 'revoked', this.deps.clock.now());
        return summary;
      }
      case 'issuer':
        await this.onlineIssuer(target.issuerId);
        return this.revokeMany({ issuerId: target.issuerId }, reason, invalidityDate, requester);
    }
  }

  async decommission(
    credential: Credential,
    deviceId: DeviceId,
    reason: RevocationReason = 'cessationOfOperation',
  ): Promise<DecommissionSummary> {
    const requester = operator(credential);
    requestable(reason);
    const device = await this.deps.devices.get(deviceId);
    const history = await this.deps.certificates.count({ deviceId });
    const revoked = await this.revokeMany({ deviceId }, reason, null, requester);
    const at = this.deps.clock.now();
    const tokensVoided = await this.deps.tokens.voidForDevice(deviceId, at);
    // Nothing names the device (no record, certificate or token): a typo, and nothing has changed.
    if (!device && history === 0 && tokensVoided === 0)
      throw new PkiError('NOT_FOUND', `no device ${deviceId}`);
    const stateChanged = await this.deps.devices.decommission(deviceId, at);
    if (stateChanged || revoked.revoked > 0 || tokensVoided > 0) {
      await this.deps.audit.append({
        at,
        event: 'device.decommissioned',
        actor: requester,
        subject: `device:${deviceId}`,
        data: { reason, certificatesRevoked: revoked.revoked, tokensVoided },
      });
    }
    return { ...revoked, tokensVoided, stateChanged };
  }

  /**
   * Operators (and the CMP front end, for certificates its clients did not accept) may revoke anything; a certificate's holder, who signed the request with its key, that certificate
   * only, while it stands (ours, unexpired, not revoked: a second request gets CERT_REVOKED).
   */
  private async requesterFor(credential: Credential, target: RevocationTarget): Promise<string> {
    // The CMP front end itself: a certificate its client rejected or never confirmed (RFC 9483 §4.1.1).
    if (credential.kind === 'service' && credential.name === 'cmp') return `service:${credential.name}`;
    // The ACME front end found the account's order for this very certificate (RFC 8555 §7.6); the certificate must
    // have come through ACME, so an account credential cannot reach anything else.
    if (credential.kind === 'acme-account') return this.acmeAccountRequester(credential.accountId, target);
    if (credential.kind !== 'certificate-holder') return operator(credential);
    const chain = parsePresentedChain(credential.chain, 'revocation', (der) =>
      this.deps.directory.known(der),
    );
    const { record } = await checkIssuedCertificate(chain, HOLDER_REVOCABLE, {
      issuers: this.deps.directory,
      certificates: this.deps.certificates,
      clock: this.deps.clock,
    });
    if (
      target.kind !== 'certificate' ||
      target.serial !== record.serial ||
      (target.issuerId !== undefined && target.issuerId !== record.issuerId)
    )
      throw new PkiError('FORBIDDEN', 'a certificate holder may revoke only the certificate it signs with');
    return `holder:${record.deviceId ?? record.serial}`;
  }

  private async acmeAccountRequester(accountId: string, target: RevocationTarget): Promise<string> {
    if (target.kind !== 'certificate' || target.issuerId === undefined) {
      throw new PkiError('FORBIDDEN', 'an ACME account may revoke only a certificate it obtained');
    }
    const record = await this.deps.certificates.get(target.issuerId, target.serial);
    if (record?.requestedVia !== 'acme') {
      throw new PkiError('FORBIDDEN', 'an ACME account may revoke only a certificate it obtained');
    }
    return `acme:${accountId}`;
  }

  /** A device the store knows (a record or certificates): revoking an unknown one is a typo, not "0 revoked". */
  private async knownDevice(deviceId: DeviceId): Promise<DeviceRecord | undefined> {
    const device = await this.deps.devices.get(deviceId);
    if (device !== undefined) return device;
    if ((await this.deps.certificates.count({ deviceId })) > 0) return undefined;
    throw new PkiError('NOT_FOUND', `no device ${deviceId}`);
  }

  /** Only online issuers' certificates are in the store; the offline root revokes in its own ceremony. */
  private async onlineIssuer(issuerId: IssuerId): Promise<void> {
    const issuer = await this.deps.issuers.get(issuerId);
    if (!issuer) throw new PkiError('NOT_FOUND', `no issuer '${issuerId}'`);
    if (issuer.role === 'root')
      throw new PkiError(
        'POLICY_VIOLATION',
        `'${issuerId}' is a root, kept offline: revoke what it signed with certfleet ca revoke-intermediate, then sign its CRL with certfleet ca root-crl`,
        { details: { rule: 'revocation.offline-root' } },
      );
  }

  private async revokeCertificate(
    target: Extract<RevocationTarget, { kind: 'certificate' }>,
    reason: RevocationReason,
    invalidityDate: Date | null,
    requester: string,
  ): Promise<RevocationSummary> {
    const matches = (await this.deps.certificates.findBySerial(target.serial)).filter(
      (r) => target.issuerId === undefined || r.issuerId === target.issuerId,
    );
    if (matches.length === 0) throw new PkiError('NOT_FOUND', `no certificate with serial ${target.serial}`);
    if (matches.length > 1)
      throw new PkiError('CONFLICT', `serial ${target.serial} exists under several issuers; name the issuer`);
    const record = matches[0]!;
    const summary = await this.apply(
      [{ issuerId: record.issuerId, serial: record.serial, reason, invalidityDate }],
      requester,
    );
    // The device's newest LDevID is the one it uses: without it the device is offline until it onboards again.
    if (summary.revoked > 0 && record.deviceId !== null) {
      const device = await this.deps.devices.get(record.deviceId);
      if (
        device &&
        device.state !== 'decommissioned' &&
        device.ldevidSerial === record.serial &&
        device.ldevidIssuerId === record.issuerId
      )
        await this.deps.devices.setState(record.deviceId, 'revoked', this.deps.clock.now());
    }
    return summary;
  }

  /** Revokes every revocable certificate matching the query, a batch at a time until none is left. */
  private async revokeMany(
    query: { deviceId?: DeviceId; issuerId?: IssuerId },
    reason: RevocationReason,
    invalidityDate: Date | null,
    requester: string,
  ): Promise<RevocationSummary> {
    const all: RevocationSummary['certificates'][number][] = [];
    for (const status of REVOCABLE) {
      for (;;) {
        const batch = await this.deps.certificates.list({ ...query, status, limit: BATCH });
        if (batch.length === 0) break;
        const summary = await this.apply(
          batch.map((r) => ({ issuerId: r.issuerId, serial: r.serial, reason, invalidityDate })),
          requester,
        );
        all.push(...summary.certificates);
        // A full batch that revoked nothing would come back again (another node raced us): stop instead.
        if (batch.length < BATCH || summary.revoked === 0) break;
      }
    }
    return summarize(all);
  }

  private async apply(requests: readonly RevocationRequest[], requester: string): Promise<RevocationSummary> {
    const results = await this.deps.revoker.revoke(requests, requester);
    return summarize(
      requests.map((r, i) => ({ issuerId: r.issuerId, serial: r.serial, result: results[i] ?? 'not-found' })),
    );
  }
}

function operator(credential: Credential): string {
  if (credential.kind !== 'operator')
    throw new PkiError('FORBIDDEN', 'only operators may revoke certificates');
  return `operator:${credential.name}`;
}

function requestable(reason: RevocationReason): void {
  if (!REQUESTABLE_REVOCATION_REASONS.includes(reason))
    throw new PkiError(
      'POLICY_VIOLATION',
      `'${reason}' is not a revocation reason certfleet accepts: it does not suspend certificates`,
      { details: { rule: 'revocation.reason' } },
    );
}

function summarize(certificates: RevocationSummary['certificates']): RevocationSummary {
  return {
    revoked: certificates.filter((c) => c.result === 'revoked').length,
    alreadyRevoked: certificates.filter((c) => c.result === 'already-revoked').length,
    certificates,
  };
}
