import type { Clock } from '../core/clock.js';
import type { DeviceId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { isProfileName } from '../pki/profiles/certificate-profile.js';
import type { EnrollmentTokenSecrets } from '../ra/enrollment-token-secrets.js';
import type { AuditLog } from '../store/audit-log.js';
import type { DeviceRegistry } from '../store/device-registry.js';
import type { EnrollmentTokenCatalog, VoidOutcome } from '../store/enrollment-token-catalog.js';
import type { EnrollmentTokenRecord, EnrollmentTokens } from '../store/enrollment-tokens.js';

export interface NewEnrollmentTokenRequest {
  readonly deviceId: DeviceId;
  readonly profile: string;
  readonly label: string | null;
  readonly lifetimeSeconds: number;
}

/**
 * Enrollment tokens made and voided through the API, by the rules `certfleet device add --token` follows: a
 * known profile, never for a decommissioned device (a refurbished device gets a new id), the secret derived and
 * hashed as the RA checks it (EnrollmentTokenSecrets), and each change audited (`token.created`, `token.voided`).
 */
export class EnrollmentTokenRegistrar {
  constructor(
    private readonly deps: {
      readonly tokens: Pick<EnrollmentTokens, 'create'>;
      readonly catalog: Pick<EnrollmentTokenCatalog, 'voidToken'>;
      readonly devices: Pick<DeviceRegistry, 'get'>;
      readonly audit: Pick<AuditLog, 'append'>;
      readonly secrets: EnrollmentTokenSecrets;
      readonly clock: Clock;
    },
  ) {}

  /** The new token and its secret, which is shown this once. */
  async create(
    actor: string,
    request: NewEnrollmentTokenRequest,
  ): Promise<{ readonly token: EnrollmentTokenRecord; readonly secret: string }> {
    if (!isProfileName(request.profile)) {
      throw new PkiError('MALFORMED_INPUT', `unknown profile '${request.profile}'`, {
        details: { in: 'body', pointer: '/profile' },
      });
    }
    if ((await this.deps.devices.get(request.deviceId))?.state === 'decommissioned') {
      throw new PkiError(
        'FORBIDDEN',
        `device ${request.deviceId} is decommissioned; a refurbished device gets a new device id`,
      );
    }
    const { id, secret, secretSha256 } = this.deps.secrets.mint();
    const at = this.deps.clock.now();
    const token = await this.deps.tokens.create(
      {
        id,
        secretSha256,
        deviceId: request.deviceId,
        profile: request.profile,
        label: request.label,
        createdBy: actor,
        expiresAt: new Date(at.getTime() + request.lifetimeSeconds * 1000),
      },
      at,
    );
    await this.deps.audit.append({
      at,
      event: 'token.created',
      actor,
      subject: `device:${token.deviceId}`,
      data: { tokenId: token.id, profile: token.profile, expiresAt: token.expiresAt.toISOString() },
    });
    return { token, secret };
  }

  /**
   * Voids one token: NOT_FOUND if there is none, CONFLICT if it was used (the certificate it got is revoked
   * instead); voiding a voided token changes nothing.
   */
  async void(
    actor: string,
    id: string,
  ): Promise<{ readonly outcome: VoidOutcome; readonly token: EnrollmentTokenRecord }> {
    const at = this.deps.clock.now();
    const result = await this.deps.catalog.voidToken(id, at);
    if (result === undefined) throw new PkiError('NOT_FOUND', `no enrollment token '${id}'`);
    if (result.outcome === 'used') {
      throw new PkiError(
        'CONFLICT',
        `enrollment token '${id}' was used; revoke the certificate it obtained instead`,
      );
    }
    if (result.outcome === 'voided') {
      await this.deps.audit.append({
        at,
        event: 'token.voided',
        actor,
        subject: `device:${result.token.deviceId}`,
        data: { tokenId: result.token.id },
      });
    }
    return result;
  }
}
