import Type, { type Static } from 'typebox';
import { FLEET_STATES, type FleetDevice } from '../store/fleet-reader.js';
import { Instant, isoOrNull, literalUnion, NullableInstant, nullable } from './api-schemas.js';

export const FleetStateSchema = literalUnion(FLEET_STATES);

export const AtRiskReasonSchema = Type.Union([
  Type.Literal('renewed-not-deployed'),
  Type.Literal('repeated-failures'),
  Type.Literal('renewal-overdue'),
]);

/** A device as the fleet view sees it (see FleetState and AtRiskReason in store/fleet-reader.ts). */
export const DeviceSchema = Type.Object({
  id: Type.String(),
  productLine: nullable(Type.String()),
  state: FleetStateSchema,
  atRiskReason: nullable(AtRiskReasonSchema),
  certificateInUse: nullable(
    Type.Object(
      { serial: Type.String(), notAfter: Instant },
      { description: 'The certificate the device is believed to use; null until it has onboarded' },
    ),
  ),
  newestCertificate: nullable(
    Type.Object(
      { serial: Type.String(), issuerId: nullable(Type.String()), notAfter: NullableInstant },
      {
        description: 'The newest LDevID issued to it; differs from the one in use when renewed, not deployed',
      },
    ),
  ),
  renewAt: NullableInstant,
  idevid: nullable(Type.Object({ serial: Type.String(), issuerId: nullable(Type.String()) })),
  lastSuccessAt: NullableInstant,
  lastFailureAt: NullableInstant,
  lastFailureReason: nullable(Type.String()),
  consecutiveFailures: Type.Integer({ minimum: 0 }),
  lastPresentedAt: NullableInstant,
  createdAt: Instant,
  updatedAt: Instant,
});

export type DeviceJson = Static<typeof DeviceSchema>;

export function deviceJson(device: FleetDevice): DeviceJson {
  return {
    id: device.deviceId,
    productLine: device.productLine,
    state: device.state,
    atRiskReason: device.atRiskReason,
    certificateInUse:
      device.inUse === null
        ? null
        : { serial: device.inUse.serial, notAfter: device.inUse.notAfter.toISOString() },
    newestCertificate:
      device.newestSerial === null
        ? null
        : {
            serial: device.newestSerial,
            issuerId: device.newestIssuerId,
            notAfter: isoOrNull(device.newestNotAfter),
          },
    renewAt: isoOrNull(device.renewAt),
    idevid:
      device.idevidSerial === null ? null : { serial: device.idevidSerial, issuerId: device.idevidIssuerId },
    lastSuccessAt: isoOrNull(device.lastSuccessAt),
    lastFailureAt: isoOrNull(device.lastFailureAt),
    lastFailureReason: device.lastFailureReason,
    consecutiveFailures: device.consecutiveFailures,
    lastPresentedAt: isoOrNull(device.lastPresentedAt),
    createdAt: device.createdAt.toISOString(),
    updatedAt: device.updatedAt.toISOString(),
  };
}
