import Type, { type Static } from 'typebox';
import type { ApiRoutes } from '../api-dependencies.js';
import { Instant, nullable, problemResponses } from '../api-schemas.js';

const DEFAULT_SINCE_SECONDS = 86_400;
/** The window is a range of enrollment_events_at_idx: a month bounds what one request reads. */
const MAX_SINCE_SECONDS = 31 * 86_400;

const EnrollmentFailuresQuery = Type.Object(
  {
    sinceSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_SINCE_SECONDS,
        default: DEFAULT_SINCE_SECONDS,
        description: `The window: failures of the last this many seconds (default a day, at most 31 days).`,
      }),
    ),
  },
  { additionalProperties: false },
);

const EnrollmentFailuresSchema = Type.Object({
  since: Instant,
  total: Type.Integer({ description: 'Failed attempts in the window, every cause' }),
  byCause: Type.Array(
    Type.Object({
      reasonCode: nullable(Type.String({ description: 'The error code or rule that refused the attempt' })),
      count: Type.Integer({ minimum: 1 }),
      lastAt: Instant,
      lastReason: nullable(Type.String({ description: 'What the newest failure of this cause said' })),
    }),
    { description: 'One per cause, the cause whose last failure is newest first' },
  ),
});

/**
 * Why enrollments and renewals failed lately: the attempts refused or in error (a request waiting for
 * approval is a result, not a failure), grouped by reason code, for the dashboard's overview.
 */
export const enrollmentFailureRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof EnrollmentFailuresQuery> }>(
    '/enrollment-failures',
    {
      schema: {
        tags: ['Fleet'],
        summary: 'The failed enrollment attempts of a recent window, by cause',
        querystring: EnrollmentFailuresQuery,
        response: { 200: EnrollmentFailuresSchema, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { sinceSeconds = DEFAULT_SINCE_SECONDS } = request.query;
      const since = new Date(deps.clock.now().getTime() - sinceSeconds * 1000);
      const causes = await deps.enrollments.failuresByCause(since);
      return {
        since: since.toISOString(),
        total: causes.reduce((sum, cause) => sum + cause.count, 0),
        byCause: causes.map((cause) => ({
          reasonCode: cause.reasonCode,
          count: cause.count,
          lastAt: cause.lastAt.toISOString(),
          lastReason: cause.lastReason,
        })),
      };
    },
  );
};
