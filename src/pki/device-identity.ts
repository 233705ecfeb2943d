import type { DeviceId } from '../core/ids.js';
import { toDeviceId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { AltName } from './general-names.js';

/**
 * The default prefix of a device identity URI: an RFC 9039 `urn:dev:org` name under the documentation
 * enterprise number 32473 (RFC 5612). Operators set their own enterprise number in configuration.
 */
export const DEFAULT_DEVICE_URI_PREFIX = 'urn:dev:org:32473-';

export function deviceIdentityUri(prefix: string, deviceId: DeviceId): AltName {
  return { type: 'uri', value: `${prefix}${deviceId}` };
}

/** The device id named by the identity URIs among `altNames`; more than one distinct id is MALFORMED_INPUT. */
export function deviceIdFromAltNames(prefix: string, altNames: readonly AltName[]): DeviceId | undefined {
  const ids = new Set<string>();
  for (const name of altNames) {
    if (name.type === 'uri' && name.value.startsWith(prefix)) ids.add(name.value.slice(prefix.length));
  }
  if (ids.size > 1) throw new PkiError('MALFORMED_INPUT', 'the request names more than one device identity');
  const [id] = ids;
  if (id === undefined) return undefined;
  const deviceId = toDeviceId(id);
  if (!deviceId) throw new PkiError('MALFORMED_INPUT', `'${id}' is not a valid device identifier`);
  return deviceId;
}
