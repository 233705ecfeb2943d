import Type, { type Static } from 'typebox';
import { MAX_TIMELINE_DAYS } from '../../store/fleet-reader.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { Instant, problemResponses } from '../api-schemas.js';
import { fleetQuery, POLICY_QUERY, policyOf } from '../fleet-policy.js';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 90;

/** By issuer, the key of devices whose certificate in use is not in the store: not an issuer id's form. */
export const UNKNOWN_ISSUER_KEY = '(unknown)';

const ExpiryTimelineQuery = Type.Object(
  {
    days: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_TIMELINE_DAYS,
        default: DEFAULT_DAYS,
        description: `Days from the start of today (UTC), default ${DEFAULT_DAYS}, at most ${MAX_TIMELINE_DAYS}.`,
      }),
    ),
    by: Type.Optional(
      Type.Union([Type.Literal('state'), Type.Literal('issuer')], {
        default: 'state',
        description: 'Count each day by fleet state (default) or by the issuer of the certificate in use.',
      }),
    ),
    ...POLICY_QUERY,
  },
  { additionalProperties: false },
);

const ExpiryTimelineSchema = Type.Object({
  from: Instant,
  days: Type.Integer(),
  by: Type.Union([Type.Literal('state'), Type.Literal('issuer')]),
  buckets: Type.Array(
    Type.Object({
      date: Type.String({ format: 'date', description: 'The UTC day, YYYY-MM-DD' }),
      counts: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), {
        description:
          'Devices whose certificate in use expires that day, by state or issuer id; keys without a device ' +
          `are left out (by issuer, ${UNKNOWN_ISSUER_KEY} for a certificate the store does not hold)`,
      }),
    }),
    { description: 'One per day, in order, every day present (an empty `counts` for a day without expiry)' },
  ),
});

/** Midnight UTC of the day `now` falls in. */
function startOfUtcDay(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
}

/**
 * The dashboard's expiry timeline: the devices whose certificate in use expires on each UTC day from today,
 * stacked by fleet state (under the at-risk policy, as /fleet/status) or by issuer. Revoked and decommissioned
 * devices are left out. One range query over devices_in_use_not_after_idx (SqlFleetReader.expiryTimeline).
 */
export const expiryTimelineRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof ExpiryTimelineQuery> }>(
    '/fleet/expiry-timeline',
    {
      schema: {
        tags: ['Fleet'],
        summary: "How many devices' certificates in use expire on each UTC day, by state or issuer",
        querystring: ExpiryTimelineQuery,
        response: { 200: ExpiryTimelineSchema, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { days = DEFAULT_DAYS, by = 'state', ...overrides } = request.query;
      const now = deps.clock.now();
      const from = startOfUtcDay(now);
      const counts = await deps.fleet.expiryTimeline({
        ...fleetQuery(now, policyOf(overrides, deps.atRiskPolicy)),
        from,
        days,
        by,
      });
      const buckets: Array<{ date: string; counts: Record<string, number> }> = Array.from(
        { length: days },
        (_, day) => ({
          date: new Date(from.getTime() + day * DAY_MS).toISOString().slice(0, 10),
          counts: {},
        }),
      );
      for (const { day, key, count } of counts) {
        const bucket = buckets[day];
        if (bucket !== undefined) bucket.counts[key ?? UNKNOWN_ISSUER_KEY] = count;
      }
      return { from: from.toISOString(), days, by, buckets };
    },
  );
};
