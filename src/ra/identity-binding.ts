import type { Name } from '@peculiar/asn1-x509';
import type { DeviceId } from '../core/ids.js';
import { toDeviceId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { deviceIdentityUri, deviceIdFromAltNames } from '../pki/device-identity.js';
import type { AltName } from '../pki/general-names.js';
import { nameValue } from '../pki/name.js';
import { OID } from '../pki/oids.js';
import type { CertificateProfile } from '../pki/profiles/certificate-profile.js';
import type { Authorization } from './provisioner.js';

export interface IdentityBinding {
  readonly deviceId: DeviceId | null;
  /** The alternative names the certificate will carry (the LDevID identity URI added when missing). */
  readonly altNames: readonly AltName[];
}

/**
 * Ties a request to a device. An IDevID names its device in the subject serialNumber; an LDevID in an identity
 * URI, which is added when the request lacks it. A request naming another device than the one asked for, or than
 * the credential belongs to, is FORBIDDEN.
 */
export function bindIdentity(
  profile: CertificateProfile,
  request: { subject: Name; altNames: readonly AltName[]; deviceId?: string },
  authorization: Authorization,
  deviceUriPrefix: string,
): IdentityBinding {
  const explicit = request.deviceId === undefined ? undefined : parseDeviceId(request.deviceId);
  let deviceId: DeviceId | undefined;
  let altNames = request.altNames;
  if (profile.name === 'idevid') {
    const serialNumber = nameValue(request.subject, OID.serialNumber);
    deviceId = serialNumber === undefined ? undefined : parseDeviceId(serialNumber);
    if (explicit !== undefined && deviceId !== undefined && explicit !== deviceId) {
      throw new PkiError('FORBIDDEN', `the request's serialNumber ${deviceId} is not device ${explicit}`);
    }
  } else if (profile.name === 'ldevid') {
    const named = deviceIdFromAltNames(deviceUriPrefix, altNames);
    const expected = explicit ?? authorization.deviceId;
    if (named !== undefined && expected !== undefined && named !== expected) {
      throw new PkiError('FORBIDDEN', `the request names device ${named}, not ${expected}`);
    }
    deviceId = named ?? expected;
    if (deviceId === undefined) {
      throw new PkiError(
        'POLICY_VIOLATION',
        `ldevid profile: the device identity is unknown; name it with a ${deviceUriPrefix}… URI`,
        {
          details: { profile: profile.name, rule: 'ldevid.device-identity' },
        },
      );
    }
    if (named === undefined) altNames = [deviceIdentityUri(deviceUriPrefix, deviceId), ...altNames];
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

function parseDeviceId(value: string): DeviceId {
  const id = toDeviceId(value);
  if (!id) throw new PkiError('MALFORMED_INPUT', `'${value}' is not a valid device identifier`);
  return id;
}
