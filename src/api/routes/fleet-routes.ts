import Type, { type Static } from 'typebox';
import { toDeviceId } from '../../core/ids.js';
import { FLEET_STATES } from '../../store/fleet-reader.js';
import type { AtRiskDevice, AtRiskKey } from '../../store/fleet-reader.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import {
  Instant,
  isoOrNull,
  NullableInstant,
  nullable,
  PAGE_QUERY,
  pageSchema,
  problemResponses,
} from '../api-schemas.js';
import { AtRiskReasonSchema } from '../device-view.js';
import { fleetQuery, POLICY_QUERY, policyOf } from '../fleet-policy.js';
import { isEpochMs, isText, PageCursor } from '../page-cursor.js';

const PolicyQuery = Type.Object({ ...POLICY_QUERY }, { additionalProperties: false });
const AtRiskQuery = Type.Object({ ...POLICY_QUERY, ...PAGE_QUERY }, { additionalProperties: false });

const PolicySchema = {
  at: Instant,
  marginSeconds: Type.Integer(),
  failureThreshold: Type.Integer(),
};

const FleetStatusSchema = Type.Object({
  ...PolicySchema,
  counts: Type.Object({
    ...Object.fromEntries(FLEET_STATES.map((state) => [state, Type.Integer()])),
    total: Type.Integer(),
  }),
});

/** The shape of `certfleet fleet at-risk --json`'s devices. */
const AtRiskDeviceSchema = Type.Object({
  deviceId: Type.String(),
  productLine: nullable(Type.String()),
  reason: AtRiskReasonSchema,
  inUse: nullable(Type.Object({ serial: Type.String(), notAfter: Instant, secondsLeft: Type.Integer() })),
  newestSerial: nullable(Type.String()),
  renewAt: NullableInstant,
  consecutiveFailures: Type.Integer(),
  lastSuccessAt: NullableInstant,
  lastFailureAt: NullableInstant,
  lastFailureReason: nullable(Type.String()),
  lastPresentedAt: NullableInstant,
});

/** Most urgent first: a page ends at its last device's expiry (null: no certificate in use) and id. */
const AT_RISK_CURSOR = new PageCursor<AtRiskKey>('at-risk', {
  encode: (key) => [key.inUseNotAfter?.getTime() ?? null, key.deviceId],
  decode: ([notAfter, id]) => {
    const deviceId = isText(id) ? toDeviceId(id) : undefined;
    if (deviceId === undefined || (notAfter !== null && !isEpochMs(notAfter))) return undefined;
    return { inUseNotAfter: notAfter === null ? null : new Date(notAfter), deviceId };
  },
});

function atRiskJson(device: AtRiskDevice, now: Date): Static<typeof AtRiskDeviceSchema> {
  return {
    deviceId: device.deviceId,
    productLine: device.productLine,
    reason: device.reason,
    inUse:
      device.inUse === null
        ? null
        : {
            serial: device.inUse.serial,
            notAfter: device.inUse.notAfter.toISOString(),
            secondsLeft: Math.floor((device.inUse.notAfter.getTime() - now.getTime()) / 1000),
          },
    newestSerial: device.newestSerial,
    renewAt: isoOrNull(device.renewAt),
    consecutiveFailures: device.consecutiveFailures,
    lastSuccessAt: isoOrNull(device.lastSuccessAt),
    lastFailureAt: isoOrNull(device.lastFailureAt),
    lastFailureReason: device.lastFailureReason,
    lastPresentedAt: isoOrNull(device.lastPresentedAt),
  };
}

/** The fleet view: `certfleet fleet status` and `certfleet fleet at-risk`, with the same rules and policy. */
export const fleetRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof PolicyQuery> }>(
    '/fleet/status',
    {
      schema: {
        tags: ['Fleet'],
        summary: 'How many devices are in each state now (the states partition the fleet)',
        querystring: PolicyQuery,
        response: { 200: FleetStatusSchema, ...problemResponses(400) },
      },
    },
    async (request) => {
      const now = deps.clock.now();
      const policy = policyOf(request.query, deps.atRiskPolicy);
      const counts = await deps.fleet.countByState(fleetQuery(now, policy));
      const total = FLEET_STATES.reduce((sum, state) => sum + counts[state], 0);
      return { at: now.toISOString(), ...policy, counts: { ...counts, total } };
    },
  );

  app.get<{ Querystring: Static<typeof AtRiskQuery> }>(
    '/fleet/at-risk',
    {
      schema: {
        tags: ['Fleet'],
        summary: 'The devices at risk now, most urgent (soonest expiry) first, each with its reason',
        querystring: AtRiskQuery,
        response: {
          200: Type.Object({ ...PolicySchema, ...pageSchema(AtRiskDeviceSchema).properties }),
          ...problemResponses(400),
        },
      },
    },
    async (request) => {
      const { cursor, limit: asked, ...overrides } = request.query;
      const limit = pageSize(asked);
      const now = deps.clock.now();
      const policy = policyOf(overrides, deps.atRiskPolicy);
      const after = AT_RISK_CURSOR.decode(cursor);
      const rows = await deps.fleet.atRiskAfter({
        ...fleetQuery(now, policy),
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
      });
      const page = pageOf(
        rows,
        limit,
        AT_RISK_CURSOR,
        (d) => ({ inUseNotAfter: d.inUse?.notAfter ?? null, deviceId: d.deviceId }),
        (d) => atRiskJson(d, now),
      );
      return { at: now.toISOString(), ...policy, ...page };
    },
  );
};
