import Type, { type Static } from 'typebox';
import { PkiError } from '../../core/pki-error.js';
import type { EnrollmentEventKey } from '../../store/enrollment-log.js';
import type { EnrollmentEventRecord } from '../../store/records.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import { Instant, nullable, PAGE_QUERY, pageSchema, problemResponses } from '../api-schemas.js';
import { fleetQuery, policyOf } from '../fleet-policy.js';
import { isEpochMs, PageCursor } from '../page-cursor.js';
import { DeviceParams, deviceIdOf } from './device-routes.js';

const EnrollmentEventsQuery = Type.Object({ ...PAGE_QUERY }, { additionalProperties: false });

const EnrollmentEventSchema = Type.Object({
  id: Type.Integer(),
  at: Instant,
  protocol: Type.String({ description: 'The front end: cli, est, cmp, acme, api' }),
  operation: Type.String({ description: 'e.g. issue, simpleenroll, simplereenroll' }),
  outcome: Type.Union([
    Type.Literal('issued'),
    Type.Literal('refused'),
    Type.Literal('pending'),
    Type.Literal('error'),
  ]),
  reasonCode: nullable(Type.String({ description: 'The error code or rule of a refusal; null when issued' })),
  reason: nullable(Type.String()),
  certificateSerial: nullable(Type.String()),
});

/** Newest first: a page ends at its last event's time and id (events may share a millisecond). */
const EVENT_CURSOR = new PageCursor<EnrollmentEventKey>('enrollment-events', {
  encode: (key) => [key.at.getTime(), key.id],
  decode: ([at, id]) => (isEpochMs(at) && isEpochMs(id) && id > 0 ? { at: new Date(at), id } : undefined),
});

function eventJson(event: EnrollmentEventRecord): Static<typeof EnrollmentEventSchema> {
  return {
    id: event.id,
    at: event.at.toISOString(),
    protocol: event.protocol,
    operation: event.operation,
    outcome: event.outcome,
    reasonCode: event.reasonCode,
    reason: event.reason,
    certificateSerial: event.certificateSerial,
  };
}

/** A device's enrollment attempts, failures included, for its detail page. */
export const enrollmentEventRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Params: Static<typeof DeviceParams>; Querystring: Static<typeof EnrollmentEventsQuery> }>(
    '/devices/:deviceId/enrollment-events',
    {
      schema: {
        tags: ['Devices'],
        summary: "A device's enrollment attempts (issued, refused, pending, error), newest first",
        params: DeviceParams,
        querystring: EnrollmentEventsQuery,
        response: { 200: pageSchema(EnrollmentEventSchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const deviceId = deviceIdOf(request.params.deviceId);
      const { cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const before = EVENT_CURSOR.decode(cursor);
      const rows = await deps.enrollments.devicePage({
        deviceId,
        ...(before === undefined ? {} : { before }),
        limit: limit + 1,
      });
      // A device without attempts yet is still a device; an id nothing knows is a typo. (Attempts refused for a
      // device never registered are listed all the same: they are what an operator looks for.)
      if (rows.length === 0 && before === undefined) {
        const now = deps.clock.now();
        if (
          (await deps.fleet.device(deviceId, fleetQuery(now, policyOf({}, deps.atRiskPolicy)))) === undefined
        )
          throw new PkiError('NOT_FOUND', `no device ${deviceId}`);
      }
      return pageOf(rows, limit, EVENT_CURSOR, (event) => ({ at: event.at, id: event.id }), eventJson);
    },
  );
};
