import type { Clock } from '../core/clock.js';
import type { DeviceId, IssuerId } from '../core/ids.js';
import { toDeviceId } from '../core/ids.js';
import { isPkiError, PkiError } from '../core/pki-error.js';
import type { IssueOrder, IssuedCertificate } from '../ca/issue-order.js';
import { parseCsr, type ParsedCsr } from '../pki/csr.js';
import { deviceIdentityUri, deviceIdFromAltNames } from '../pki/device-identity.js';
import type { AltName } from '../pki/general-names.js';
import { encodeName, nameValue, parseDistinguishedName } from '../pki/name.js';
import { OID } from '../pki/oids.js';
import { profileByName } from '../pki/profiles/builtin-profiles.js';
import type { CertificateProfile, ProfileName } from '../pki/profiles/certificate-profile.js';
import { checkProfile } from '../pki/profiles/check-profile.js';
import type { DeviceRegistry } from '../store/device-registry.js';
import type { EnrollmentLog } from '../store/enrollment-log.js';
import type { Authorization, Credential, Provisioner } from './provisioner.js';

/** The CA as the RA sees it: one call. */
export interface CertificateIssuer {
  issue(order: IssueOrder): Promise<IssuedCertificate>;
}

export interface CertificateRequest {
  /** PKCS#10 as DER, PEM or base64. */
  readonly csr: Uint8Array | string;
  readonly profile: string;
  /** Defaults to the issuer configured for the profile. */
  readonly issuerId?: IssuerId;
  readonly validitySeconds?: number;
  /** The device the certificate is for; otherwise taken from the request (IDevID serialNumber, LDevID URI). */
  readonly deviceId?: string;
  /** Replaces the CSR's subject (operator requests only), RFC 4514 form. */
  readonly subject?: string;
  /** The front end and operation, for the enrollment log: `cli`/`issue`, `est`/`simpleenroll`… */
  readonly protocol: string;
  readonly operation: string;
}

export interface RegistrationAuthorityOptions {
  /** Which issuer signs each profile unless the request names one. */
  readonly defaultIssuers: Partial<Record<ProfileName, IssuerId>>;
  /** Prefix of device identity URIs in LDevIDs, e.g. `urn:dev:org:32473-`. */
  readonly deviceUriPrefix: string;
}

/**
 * The only door to issuance. It authenticates the credential through the provisioner for its kind, parses and
 * verifies the request, binds it to a device identity, applies the profile, asks the CA, and updates the
 * device registry. Every attempt is written to the enrollment log, refusals included, with the reason.
 */
export class RegistrationAuthority {
  private readonly provisioners: ReadonlyMap<string, Provisioner>;

  constructor(
    provisioners: readonly Provisioner[],
    private readonly ca: CertificateIssuer,
    private readonly devices: DeviceRegistry,
    private readonly enrollments: EnrollmentLog,
    private readonly clock: Clock,
    private readonly options: RegistrationAuthorityOptions,
  ) {
    this.provisioners = new Map(provisioners.map((p) => [p.kind, p]));
  }

  async requestCertificate(credential: Credential, request: CertificateRequest): Promise<IssuedCertificate> {
    const attempt: Attempt = {
      requester: `${credential.kind}:unauthenticated`,
      deviceId: null,
      profile: null,
      issuerId: null,
    };
    try {
      const authorization = await this.authorize(credential);
      attempt.requester = authorization.requester;
      const profile = profileByName(request.profile);
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

      const csr = parseCsr(request.csr);
      const subject = request.subject === undefined ? csr.subject : parseDistinguishedName(request.subject);
      const binding = this.bindIdentity(profile, csr, subject, request, authorization);
      attempt.deviceId = binding.deviceId;
      const order: IssueOrder = {
        issuerId,
        profile: profile.name,
        subject,
        subjectDer: request.subject === undefined ? csr.subjectDer : encodeName(subject),
        altNames: binding.altNames,
        spkiDer: csr.spkiDer,
        keyAlgorithm: csr.keyAlgorithm,
        ...(request.validitySeconds === undefined ? {} : { validitySeconds: request.validitySeconds }),
        deviceId: binding.deviceId,
        requestedVia: request.protocol,
        requester: authorization.requester,
      };
      // The RA's own check, so a refusal names the rule before the CA is involved; the CA checks again.
      checkProfile(profile, order);

      const issued = await this.ca.issue(order);
      await this.recordSuccess(profile, binding.deviceId, issued);
      await this.enrollments.append({
        at: this.clock.now(),
        deviceId: binding.deviceId,
        protocol: request.protocol,
        operation: request.operation,
        profile: profile.name,
        issuerId,
        outcome: 'issued',
        reasonCode: null,
        reason: null,
        requester: authorization.requester,
        certificateSerial: issued.serial,
      });
      return issued;
    } catch (error) {
      await this.recordFailure(attempt, request, error);
      throw error;
    }
  }

  private async authorize(credential: Credential): Promise<Authorization> {
    const provisioner = this.provisioners.get(credential.kind);
    if (!provisioner)
      throw new PkiError('UNAUTHORIZED', `credentials of kind ${credential.kind} are not accepted`);
    return provisioner.authorize(credential);
  }

  /**
   * Ties the request to a device. An IDevID names its device in the subject serialNumber; an LDevID in an
   * identity URI, which the RA adds when the request lacks it. A request naming a different device than the
   * credential allows is FORBIDDEN.
   */
  private bindIdentity(
    profile: CertificateProfile,
    csr: ParsedCsr,
    subject: ParsedCsr['subject'],
    request: CertificateRequest,
    authorization: Authorization,
  ): { deviceId: DeviceId | null; altNames: readonly AltName[] } {
    const explicit = request.deviceId === undefined ? undefined : parseDeviceId(request.deviceId);
    let deviceId: DeviceId | undefined;
    let altNames = csr.altNames;
    if (profile.name === 'idevid') {
      const serialNumber = nameValue(subject, OID.serialNumber);
      deviceId = serialNumber === undefined ? undefined : parseDeviceId(serialNumber);
      if (explicit !== undefined && deviceId !== undefined && explicit !== deviceId) {
        throw new PkiError('FORBIDDEN', `the request's serialNumber ${deviceId} is not device ${explicit}`);
      }
    } else if (profile.name === 'ldevid') {
      const named = deviceIdFromAltNames(this.options.deviceUriPrefix, altNames);
      if (named !== undefined && explicit !== undefined && named !== explicit) {
        throw new PkiError('FORBIDDEN', `the request names device ${named}, not ${explicit}`);
      }
      deviceId = named ?? explicit;
      if (deviceId === undefined) {
        throw new PkiError(
          'POLICY_VIOLATION',
          `ldevid profile: the device identity is unknown; name it with a ${this.options.deviceUriPrefix}… URI`,
          {
            details: { profile: profile.name, rule: 'ldevid.device-identity' },
          },
        );
      }
      if (named === undefined)
        altNames = [deviceIdentityUri(this.options.deviceUriPrefix, deviceId), ...altNames];
    } else if (explicit !== undefined) {
      deviceId = explicit;
    }
    if (authorization.deviceId !== undefined && deviceId !== authorization.deviceId) {
      throw new PkiError(
        'FORBIDDEN',
        `this credential may only obtain certificates for device ${authorization.deviceId}`,
      );
    }
    return { deviceId: deviceId ?? null, altNames };
  }

  private async recordSuccess(
    profile: CertificateProfile,
    deviceId: DeviceId | null,
    issued: IssuedCertificate,
  ): Promise<void> {
    if (deviceId === null) return;
    const at = this.clock.now();
    if (profile.name === 'idevid') {
      await this.devices.recordIdevid(
        deviceId,
        { issuerId: issued.issuerId, serial: issued.serial, productLine: null },
        at,
      );
    } else if (profile.name === 'ldevid') {
      await this.devices.recordLdevid(
        deviceId,
        { issuerId: issued.issuerId, serial: issued.serial, notAfter: issued.notAfter },
        at,
      );
    }
  }

  private async recordFailure(attempt: Attempt, request: CertificateRequest, error: unknown): Promise<void> {
    const at = this.clock.now();
    const refused = isPkiError(error) && error.code !== 'INTERNAL' && error.code !== 'UNAVAILABLE';
    const reasonCode = isPkiError(error)
      ? typeof error.details['rule'] === 'string'
        ? error.details['rule']
        : error.code
      : 'INTERNAL';
    const reason = isPkiError(error) ? error.message : 'internal error';
    try {
      await this.enrollments.append({
        at,
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
      });
      if (attempt.deviceId !== null) await this.devices.recordFailure(attempt.deviceId, reason, at);
    } catch {
      // The original error matters more to the caller than a failure to log it; the store being down will
      // surface on its own.
    }
  }
}

interface Attempt {
  requester: string;
  deviceId: DeviceId | null;
  profile: ProfileName | null;
  issuerId: IssuerId | null;
}

function parseDeviceId(value: string): DeviceId {
  const id = toDeviceId(value);
  if (!id) throw new PkiError('MALFORMED_INPUT', `'${value}' is not a valid device identifier`);
  return id;
}
