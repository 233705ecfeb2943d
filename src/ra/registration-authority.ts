import { SocketAddress } from 'node:net';
import type { Clock } from '../core/clock.js';
import type { DeviceId, IssuerId } from '../core/ids.js';
import { isPkiError, PkiError } from '../core/pki-error.js';
import type { IssueOrder, IssuedCertificate } from '../ca/issue-order.js';
import { generateKeyPair, privateKeyToPkcs8 } from '../pki/algorithms/key-algorithm.js';
import { parseCsr } from '../pki/csr.js';
import { type AltName, formatAltName } from '../pki/general-names.js';
import { isVerifiedRequest, type VerifiedRequest } from '../pki/verified-request.js';
import { encodeName, parseDistinguishedName } from '../pki/name.js';
import type { CertificateProfile, ProfileName } from '../pki/profiles/certificate-profile.js';
import { checkProfile } from '../pki/profiles/check-profile.js';
import { ProfileSet, renewalPoint } from '../pki/profiles/profile-set.js';
import type { EnrollmentOutcome } from '../store/enrollment-recorder.js';
import type { EnrollmentRecorder } from '../store/enrollment-recorder.js';
import type { DeviceRegistry } from '../store/device-registry.js';
import type { EnrollmentTokens } from '../store/enrollment-tokens.js';
import type { PresentedCertificate } from '../store/records.js';
import { bindIdentity } from './identity-binding.js';
import type { ManualApproval } from './manual-approval.js';
import type { Authorization, Credential, CredentialKind, Provisioner } from './provisioner.js';
import type { RateLimiter } from './rate-limiter.js';
import { checkRenewal } from './renewal-rules.js';

/** The CA as the RA sees it: one call. */
export interface CertificateIssuer {
  issue(order: IssueOrder): Promise<IssuedCertificate>;
}

export interface CertificateRequest {
  /**
   * PKCS#10 as DER, PEM or base64, parsed and checked here; or a request a front end decoded and whose proof of
   * possession it verified (CMP's CRMF CertReqMsg).
   */
  readonly csr: Uint8Array | string | VerifiedRequest;
  readonly profile: string;
  /** Defaults to the issuer configured for the profile. */
  readonly issuerId?: IssuerId;
  readonly validitySeconds?: number;
  /** The device the certificate is for; otherwise taken from the request or the credential. */
  readonly deviceId?: string;
  /** Replaces the CSR's subject (operator requests only), RFC 4514 form. */
  readonly subject?: string;
  /** The front end and operation, for the enrollment log: `cli`/`issue`, `est`/`simpleenroll`… */
  readonly protocol: string;
  readonly operation: string;
  /** Generate the key here (EST serverkeygen): the CSR gives the names only. */
  readonly serverKeyGeneration?: boolean;
  /** Hold the request for an operator's approval, scoped to this label (RFC 7030 §4.2.3). */
  readonly approvalLabel?: string;
}

export type EnrollmentResult =
  | {
      readonly status: 'issued';
      readonly certificate: IssuedCertificate;
      /** PKCS#8 of the key generated for a serverKeyGeneration request. */
      readonly privateKeyPkcs8?: Uint8Array;
    }
  | { readonly status: 'pending'; readonly requestId: string; readonly retryAfterSeconds: number };

export interface RegistrationAuthorityOptions {
  /** Which issuer signs each profile unless the request names one. */
  readonly defaultIssuers: Partial<Record<ProfileName, IssuerId>>;
  /** Prefix of device identity URIs in LDevIDs, e.g. `urn:dev:org:32473-`. */
  readonly deviceUriPrefix: string;
  /** Whether a renewal may keep the current key. */
  readonly allowKeyReuse?: boolean;
  /** The deployment's profiles (configured lifetimes); the built-in ones by default. */
  readonly profiles?: ProfileSet;
}

export interface RegistrationAuthorityDependencies {
  readonly provisioners: readonly Provisioner[];
  readonly ca: CertificateIssuer;
  readonly recorder: EnrollmentRecorder;
  readonly tokens: EnrollmentTokens;
  /** Decommissioned devices get nothing, whatever the credential. */
  readonly devices: Pick<DeviceRegistry, 'get'>;
  readonly approval?: ManualApproval;
  readonly rateLimiter?: RateLimiter;
  readonly clock: Clock;
}

interface Attempt {
  requester: string;
  deviceId: DeviceId | null;
  profile: ProfileName | null;
  issuerId: IssuerId | null;
  /** The device certificate the requester authenticated with, once the provisioner has accepted it. */
  presented: PresentedCertificate | null;
}

/**
 * The only door to issuance. It authenticates the credential through the provisioner for its kind, applies rate
 * limits, parses and verifies the request, binds it to a device identity, applies renewal rules and the profile,
 * holds it for approval where configured, asks the CA, and records the outcome. Every attempt is recorded,
 * refusals included, with the rule or reason.
 */
export class RegistrationAuthority {
  private readonly provisioners: ReadonlyMap<CredentialKind, Provisioner>;
  private readonly profiles: ProfileSet;

  constructor(
    private readonly deps: RegistrationAuthorityDependencies,
    private readonly options: RegistrationAuthorityOptions,
  ) {
    this.provisioners = new Map(deps.provisioners.map((p) => [p.kind, p]));
    this.profiles = options.profiles ?? ProfileSet.builtin();
  }

  /** A decommissioned device (RMA, theft) stays so: a refurbished one gets a new device id. */
  private async refuseDecommissioned(deviceId: DeviceId): Promise<void> {
    const device = await this.deps.devices.get(deviceId);
    if (device?.state === 'decommissioned')
      throw new PkiError('FORBIDDEN', `device ${deviceId} is decommissioned`);
  }

  /** For callers that never ask for approval (the CLI, ceremonies): the certificate, or a refusal. */
  async requestCertificate(credential: Credential, request: CertificateRequest): Promise<IssuedCertificate> {
    const { approvalLabel: _ignored, ...direct } = request;
    const result = await this.enroll(credential, direct);
    if (result.status !== 'issued') throw new PkiError('INTERNAL', 'an enrollment without approval was held');
    return result.certificate;
  }

  async enroll(credential: Credential, request: CertificateRequest): Promise<EnrollmentResult> {
    const attempt: Attempt = {
      requester: `${credential.kind}:unauthenticated`,
      deviceId: null,
      profile: null,
      issuerId: null,
      presented: null,
    };
    try {
      const authorization = await this.authorize(credential);
      attempt.requester = authorization.requester;
      attempt.deviceId = authorization.deviceId ?? null;
      attempt.presented = authorization.presented ?? null;
      // Operators at the console are not throttled; devices and stations are, per identity.
      if (credential.kind !== 'operator') this.deps.rateLimiter?.take(authorization.requester);
      const profile = this.profiles.byName(request.profile);
      attempt.profile = profile.name;
      if (!authorization.profiles.includes(profile.name)) {
        throw new PkiError(
          'FORBIDDEN',
          `${authorization.requester} may not request ${profile.name} certificates`,
        );
      }
      const issuerId = request.issuerId ?? this.options.defaultIssuers[profile.name];
      if (issuerId === undefined)
        throw new PkiError('CONFIG_INVALID', `no issuer is configured for ${profile.name}`);
      attempt.issuerId = issuerId;

      const csr = isVerifiedRequest(request.csr) ? request.csr : parseCsr(request.csr);
      const subject = request.subject === undefined ? csr.subject : parseDistinguishedName(request.subject);
      const subjectDer = request.subject === undefined ? csr.subjectDer : encodeName(subject);
      const binding = bindIdentity(
        profile,
        { subject, altNames: csr.altNames, ...optional('deviceId', request.deviceId) },
        authorization,
        this.options.deviceUriPrefix,
      );
      attempt.deviceId = binding.deviceId;
      if (binding.deviceId !== null) await this.refuseDecommissioned(binding.deviceId);
      const generated = request.serverKeyGeneration
        ? generateKeyPair(defaultKeyAlgorithm(profile))
        : undefined;
      const spkiDer = generated?.spki ?? csr.spkiDer;
      if (authorization.exactAltNames) checkExactAltNames(authorization.exactAltNames, binding.altNames);
      if (authorization.renewing) {
        checkRenewal(
          authorization.renewing,
          { subjectDer, altNames: binding.altNames, spkiDer },
          this.options.allowKeyReuse ?? false,
        );
      }
      const order: IssueOrder = {
        issuerId,
        profile: profile.name,
        subject,
        subjectDer,
        altNames: binding.altNames,
        spkiDer,
        keyAlgorithm: generated?.algorithm ?? csr.keyAlgorithm,
        ...optional('validitySeconds', request.validitySeconds),
        deviceId: binding.deviceId,
        requestedVia: request.protocol,
        requester: authorization.requester,
      };
      // The RA's own check, so a refusal names the rule before the CA is involved; the CA checks again.
      checkProfile(profile, order);

      if (request.approvalLabel !== undefined) {
        if (!this.deps.approval) throw new PkiError('CONFIG_INVALID', 'manual approval is not available');
        if (generated) {
          throw new PkiError('POLICY_VIOLATION', 'server-side key generation cannot wait for approval', {
            details: { rule: 'approval.serverkeygen' },
          });
        }
        const held = await this.deps.approval.hold(request.approvalLabel, csr.der, {
          deviceId: binding.deviceId,
          requester: authorization.requester,
          profile: profile.name,
        });
        if (held.status === 'pending') {
          await this.record(request, attempt, 'pending', null, undefined, undefined);
          return held;
        }
        if (held.status === 'issued') return { status: 'issued', certificate: held.certificate };
        // Approved: issue below, then remember the certificate for the client's repeats.
        const issued = await this.issue(order, authorization, request, attempt, profile);
        const certificate = await this.deps.approval.issued(held.requestId, issued);
        return { status: 'issued', certificate };
      }

      const issued = await this.issue(order, authorization, request, attempt, profile);
      return generated
        ? { status: 'issued', certificate: issued, privateKeyPkcs8: privateKeyToPkcs8(generated) }
        : { status: 'issued', certificate: issued };
    } catch (error) {
      await this.recordFailure(request, attempt, error);
      throw error;
    }
  }

  /**
   * Who a credential belongs to, for requests that obtain nothing (CMP genm, RFC 9483 §4.3): the provisioner's
   * judgement without issuing or recording. A credential that does not authenticate is refused as in enroll().
   */
  async authenticate(credential: Credential): Promise<string> {
    return (await this.authorize(credential)).requester;
  }

  /**
   * Records a request a front end refused before it reached the RA (wrong media type, body too large, unknown
   * resource), so the enrollment log shows every attempt. Never throws.
   */
  async recordRefusal(
    context: { protocol: string; operation: string; requester: string },
    error: PkiError,
  ): Promise<void> {
    await this.recordFailure(
      { csr: '', profile: '', protocol: context.protocol, operation: context.operation },
      { requester: context.requester, deviceId: null, profile: null, issuerId: null, presented: null },
      error,
    );
  }

  private async issue(
    order: IssueOrder,
    authorization: Authorization,
    request: CertificateRequest,
    attempt: Attempt,
    profile: CertificateProfile,
  ): Promise<IssuedCertificate> {
    if (authorization.tokenSecretSha256 !== undefined) {
      // Consumed at the last moment: a request refused for another reason does not burn the token.
      const token = await this.deps.tokens.consume(authorization.tokenSecretSha256, this.deps.clock.now());
      if (!token) throw new PkiError('UNAUTHORIZED', 'the enrollment token was used or voided meanwhile');
    }
    const issued = await this.deps.ca.issue(order);
    const renewing = authorization.renewing;
    const device =
      order.deviceId === null
        ? undefined
        : deviceChange(profile, order.deviceId, order, issued, authorization.presented);
    await this.record(
      request,
      attempt,
      'issued',
      issued,
      device,
      renewing && renewing.supersededBy === null
        ? { issuerId: renewing.issuerId, serial: renewing.serial, by: issued.serial }
        : undefined,
    );
    return issued;
  }

  private async authorize(credential: Credential): Promise<Authorization> {
    const provisioner = this.provisioners.get(credential.kind);
    if (!provisioner)
      throw new PkiError('UNAUTHORIZED', `credentials of kind ${credential.kind} are not accepted here`);
    return provisioner.authorize(credential);
  }

  private async record(
    request: CertificateRequest,
    attempt: Attempt,
    outcome: 'issued' | 'pending',
    issued: IssuedCertificate | null,
    device: EnrollmentOutcome['device'],
    superseded: EnrollmentOutcome['superseded'],
  ): Promise<void> {
    await this.deps.recorder.record([
      {
        event: {
          at: this.deps.clock.now(),
          deviceId: attempt.deviceId,
          protocol: request.protocol,
          operation: request.operation,
          profile: attempt.profile,
          issuerId: attempt.issuerId,
          outcome,
          reasonCode: null,
          reason: null,
          requester: attempt.requester,
          certificateSerial: issued?.serial ?? null,
        },
        ...(device === undefined ? {} : { device }),
        ...(superseded === undefined ? {} : { superseded }),
      },
    ]);
  }

  private async recordFailure(request: CertificateRequest, attempt: Attempt, error: unknown): Promise<void> {
    const refused = isPkiError(error) && error.code !== 'INTERNAL' && error.code !== 'UNAVAILABLE';
    const reasonCode = isPkiError(error)
      ? typeof error.details['rule'] === 'string'
        ? error.details['rule']
        : error.code
      : 'INTERNAL';
    const reason = isPkiError(error) ? error.message : 'internal error';
    try {
      await this.deps.recorder.record([
        {
          event: {
            at: this.deps.clock.now(),
            deviceId: attempt.deviceId,
            protocol: request.protocol,
            operation: request.operation,
            profile: attempt.profile,
            issuerId: attempt.issuerId,
            outcome: refused ? 'refused' : 'error',
            reasonCode,
            reason,
            requester: attempt.requester,
            certificateSerial: null,
          },
          ...(attempt.deviceId === null
            ? {}
            : {
                device: {
                  id: attempt.deviceId,
                  change: {
                    kind: 'failure',
                    reason,
                    ...(attempt.presented === null ? {} : { presented: attempt.presented }),
                  },
                },
              }),
        },
      ]);
    } catch {
      // The original error matters more to the caller than a failure to log it; the store being down will
      // surface on its own.
    }
  }
}

/**
 * What an issuance changes about its device. An LDevID carries its renewal point (what csrattrs announces:
 * the profile's renewal window of its lifetime) and the certificate the device authenticated with, from which
 * the store tells whether the device still uses an older one.
 */
function deviceChange(
  profile: CertificateProfile,
  deviceId: DeviceId,
  order: IssueOrder,
  issued: IssuedCertificate,
  presented: PresentedCertificate | undefined,
): EnrollmentOutcome['device'] {
  if (profile.name === 'idevid') {
    return {
      id: deviceId,
      change: { kind: 'idevid', issuerId: issued.issuerId, serial: issued.serial, productLine: null },
    };
  }
  if (profile.name === 'ldevid') {
    const renewAt = renewalPoint(profile, issued, order.validitySeconds ?? profile.validity.defaultSeconds);
    return {
      id: deviceId,
      change: {
        kind: 'ldevid',
        issuerId: issued.issuerId,
        serial: issued.serial,
        notAfter: issued.notAfter,
        ...(renewAt === undefined ? {} : { renewAt }),
        ...(presented === undefined ? {} : { presented }),
      },
    };
  }
  return undefined;
}

/** The key type generated for EST serverkeygen: the profile's first choice (P-256 for device profiles). */
function defaultKeyAlgorithm(profile: CertificateProfile) {
  return profile.keyAlgorithms[0] ?? 'ec-p256';
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * The names a credential pins (ACME: the order's identifiers) against the request's: the same set, compared
 * case-insensitively for DNS names (RFC 4343) and by address for IPs.
 */
function checkExactAltNames(expected: readonly AltName[], requested: readonly AltName[]): void {
  const key = (name: AltName): string =>
    name.type === 'dns'
      ? `dns:${name.value.toLowerCase()}`
      : name.type === 'ip'
        ? `ip:${canonicalIp(name.value)}`
        : `${name.type}:${formatAltName(name)}`;
  const wanted = new Set(expected.map(key));
  const asked = new Set(requested.map(key));
  const missing = [...wanted].filter((name) => !asked.has(name));
  const extra = [...asked].filter((name) => !wanted.has(name));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`lacks ${missing.join(', ')}`] : []),
      ...(extra.length > 0 ? [`names ${extra.join(', ')} beyond what was authorized`] : []),
    ];
    throw new PkiError('POLICY_VIOLATION', `the request ${parts.join(' and ')}`, {
      details: { rule: 'names.authorized' },
    });
  }
}

function canonicalIp(value: string): string {
  if (!value.includes(':')) return value;
  const socket = new SocketAddress({ address: value, family: 'ipv6' });
  return socket.address;
}
