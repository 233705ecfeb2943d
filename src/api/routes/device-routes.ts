import Type, { type Static } from 'typebox';
import { type DeviceId, toDeviceId } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { FLEET_STATES, type FleetState } from '../../store/fleet-reader.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import { PAGE_QUERY, pageSchema, problemResponses } from '../api-schemas.js';
import {
  CERTIFICATE_CURSOR,
  CertificateSchema,
  certificateJson,
  certificateKey,
} from '../certificate-view.js';
import { DeviceSchema, deviceJson, FleetStateSchema } from '../device-view.js';
import { fleetQuery, POLICY_QUERY, policyOf } from '../fleet-policy.js';
import { invalidInput } from '../invalid-input.js';
import { isText, PageCursor } from '../page-cursor.js';
import { issuerIdOf } from './certificate-routes.js';

export const DeviceParams = Type.Object({
  deviceId: Type.String({
    minLength: 1,
    maxLength: 128,
    description: 'The device id; percent-encode a `/` in it as %2F',
  }),
});

/** Ten years: longer than any certificate a device holds. */
const MAX_EXPIRING_WITHIN_SECONDS = 10 * 366 * 86_400;

const DeviceListQuery = Type.Object(
  {
    state: Type.Optional(FleetStateSchema),
    productLine: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    atRisk: Type.Optional(
      Type.Boolean({ description: 'true: only devices at risk (as state=at_risk); false: all but those' }),
    ),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Only devices whose id starts with this' }),
    ),
    issuerId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: 'Only devices whose certificate in use this issuer issued',
      }),
    ),
    expiringWithinSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_EXPIRING_WITHIN_SECONDS,
        description:
          'Only devices whose certificate in use expires within this many seconds from now (not expired ' +
          'yet; revoked and decommissioned devices are left out)',
      }),
    ),
    ...POLICY_QUERY,
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);

const DeviceQuery = Type.Object({ ...POLICY_QUERY }, { additionalProperties: false });

const DeviceCertificatesQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('prepared'), Type.Literal('issued'), Type.Literal('revoked')]),
    ),
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);

/** Devices are listed by id; a page ends at its last device's id. */
const DEVICE_CURSOR = new PageCursor<DeviceId>('devices', {
  encode: (id) => [id],
  decode: ([id]) => (isText(id) ? toDeviceId(id) : undefined),
});

export function deviceIdOf(text: string): DeviceId {
  const id = toDeviceId(text);
  if (id === undefined) {
    throw invalidInput('path', '/deviceId', 'is not a device id (letters, digits and ._:@/+-, up to 128)');
  }
  return id;
}

/** `q`: the start of a device id, which is itself of a device id's form (a prefix range of the key). */
function deviceIdPrefixOf(text: string): string {
  if (toDeviceId(text) === undefined) {
    throw invalidInput('query', '/q', 'is not the start of a device id (letters, digits and ._:@/+-)');
  }
  return text;
}

/** The states a list asks for: `state` and `atRisk` together narrow, so a contradiction matches nothing. */
function statesOf(state: FleetState | undefined, atRisk: boolean | undefined): FleetState[] | undefined {
  const wanted = state === undefined ? [...FLEET_STATES] : [state];
  if (atRisk === undefined) return state === undefined ? undefined : wanted;
  return wanted.filter((s) => (s === 'at_risk') === atRisk);
}

/** The fleet's devices with their state, current certificate, last success and last failure. */
export const deviceRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof DeviceListQuery> }>(
    '/devices',
    {
      schema: {
        tags: ['Devices'],
        summary: 'List devices with their fleet state',
        description:
          'By id. Filters: state (as `certfleet fleet status` counts them), product line, at risk, id prefix ' +
          '(q), issuer and expiry of the certificate in use. The state is judged now, under the default ' +
          'at-risk policy unless marginSeconds or failureThreshold say otherwise.',
        querystring: DeviceListQuery,
        response: { 200: pageSchema(DeviceSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const {
        state,
        productLine,
        atRisk,
        q,
        issuerId,
        expiringWithinSeconds,
        cursor,
        limit: asked,
        ...policy
      } = request.query;
      const limit = pageSize(asked);
      const states = statesOf(state, atRisk);
      const afterId = DEVICE_CURSOR.decode(cursor);
      const now = deps.clock.now();
      const rows = await deps.fleet.devices({
        ...fleetQuery(now, policyOf(policy, deps.atRiskPolicy)),
        ...(states === undefined ? {} : { states }),
        ...(productLine === undefined ? {} : { productLine }),
        ...(q === undefined ? {} : { idPrefix: deviceIdPrefixOf(q) }),
        ...(issuerId === undefined ? {} : { inUseIssuerId: issuerIdOf(issuerId, 'query') }),
        ...(expiringWithinSeconds === undefined
          ? {}
          : { inUseExpiringBy: new Date(now.getTime() + expiringWithinSeconds * 1000) }),
        ...(afterId === undefined ? {} : { afterId }),
        limit: limit + 1,
      });
      return pageOf(rows, limit, DEVICE_CURSOR, (device) => device.deviceId, deviceJson);
    },
  );

  app.get<{ Params: Static<typeof DeviceParams>; Querystring: Static<typeof DeviceQuery> }>(
    '/devices/:deviceId',
    {
      schema: {
        tags: ['Devices'],
        summary:
          'One device: its state, current certificate and expiry, last success, last failure and reason',
        params: DeviceParams,
        querystring: DeviceQuery,
        response: { 200: DeviceSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const id = deviceIdOf(request.params.deviceId);
      const now = deps.clock.now();
      const device = await deps.fleet.device(id, fleetQuery(now, policyOf(request.query, deps.atRiskPolicy)));
      if (device === undefined) throw new PkiError('NOT_FOUND', `no device ${id}`);
      return deviceJson(device);
    },
  );

  app.get<{ Params: Static<typeof DeviceParams>; Querystring: Static<typeof DeviceCertificatesQuery> }>(
    '/devices/:deviceId/certificates',
    {
      schema: {
        tags: ['Devices'],
        summary: "A device's certificates, soonest expiry first",
        params: DeviceParams,
        querystring: DeviceCertificatesQuery,
        response: { 200: pageSchema(CertificateSchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const deviceId = deviceIdOf(request.params.deviceId);
      const { status, cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const after = CERTIFICATE_CURSOR.decode(cursor);
      const rows = await deps.certificateCatalog.page({
        deviceId,
        ...(status === undefined ? {} : { status }),
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
      });
      // A device with no certificates yet is still a device; an id nothing knows is a typo.
      if (rows.length === 0 && after === undefined && status === undefined) {
        const now = deps.clock.now();
        if (
          (await deps.fleet.device(deviceId, fleetQuery(now, policyOf({}, deps.atRiskPolicy)))) === undefined
        )
          throw new PkiError('NOT_FOUND', `no device ${deviceId}`);
      }
      return pageOf(rows, limit, CERTIFICATE_CURSOR, certificateKey, certificateJson);
    },
  );
};
