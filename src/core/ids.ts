/**
 * Branded identifiers, so a device id cannot be passed where a serial is expected.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A device's stable identity (for example its factory serial number). */
export type DeviceId = Brand<string, 'DeviceId'>;
/** A certificate serial number as lower-case hex of its DER INTEGER content, without leading zero bytes. */
export type SerialHex = Brand<string, 'SerialHex'>;
/** The operator-chosen name of an issuer, e.g. `root`, `factory`, `operational`. */
export type IssuerId = Brand<string, 'IssuerId'>;

const SERIAL_HEX = /^[0-9a-f]{2,40}$/;
const ISSUER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}$/;

export function isSerialHex(value: string): value is SerialHex {
  return SERIAL_HEX.test(value) && value.length % 2 === 0;
}

export function isIssuerId(value: string): value is IssuerId {
  return ISSUER_ID.test(value);
}

export function isDeviceId(value: string): value is DeviceId {
  return DEVICE_ID.test(value);
}

/** Validated constructors; the failing value is reported by the caller, which knows where it came from. */
export function toSerialHex(value: string): SerialHex | undefined {
  const lower = value.toLowerCase().replace(/:/g, '');
  return isSerialHex(lower) ? lower : undefined;
}

export function toIssuerId(value: string): IssuerId | undefined {
  return isIssuerId(value) ? value : undefined;
}

export function toDeviceId(value: string): DeviceId | undefined {
  return isDeviceId(value) ? value : undefined;
}
