import Type, { type Static } from 'typebox';
import { PkiError } from '../../core/pki-error.js';
import {
  DELIVERY_STATUSES,
  type DeliveryAttemptRecord,
  type DeliveryRecord,
} from '../../store/delivery-log.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import {
  Instant,
  isoOrNull,
  literalUnion,
  NullableInstant,
  nullable,
  PAGE_QUERY,
  pageSchema,
  problemResponses,
} from '../api-schemas.js';
import { isEpochMs, PageCursor } from '../page-cursor.js';

const DeliveryParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

const DeliveryListQuery = Type.Object(
  {
    status: Type.Optional(literalUnion(DELIVERY_STATUSES)),
    rule: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Only this rule (by name)' }),
    ),
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);

const DELIVERY_FIELDS = {
  id: Type.Integer(),
  ruleId: Type.String(),
  ruleName: Type.String(),
  subjectKey: Type.String(),
  event: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  level: Type.String(),
  channel: Type.String(),
  status: literalUnion(DELIVERY_STATUSES, {
    description: 'pending: to be sent (now or later); delivered; failed: given up',
  }),
  attempts: Type.Integer(),
  nextAttemptAt: nullable(
    Type.String({
      format: 'date-time',
      description: 'When a pending delivery is due (the end of quiet hours, a retry); null once done',
    }),
  ),
  lastError: nullable(Type.String()),
  createdAt: Instant,
  deliveredAt: NullableInstant,
};

const DeliverySchema = Type.Object(DELIVERY_FIELDS);

const AttemptSchema = Type.Object({
  attempt: Type.Integer({ description: '1 for the first' }),
  at: Instant,
  outcome: Type.Union([Type.Literal('delivered'), Type.Literal('retry'), Type.Literal('failed')]),
  error: nullable(Type.String()),
  durationMs: Type.Integer(),
});

const DeliveryDetailSchema = Type.Object({
  ...DELIVERY_FIELDS,
  payload: Type.Unknown({ description: 'The notification, as it is sent' }),
  attemptLog: Type.Array(AttemptSchema, { description: 'Every attempt, first first' }),
});

/** Newest first (by id): a page ends at its last delivery's id. */
const DELIVERY_CURSOR = new PageCursor<number>('deliveries', {
  encode: (id) => [id],
  decode: ([id]) => (isEpochMs(id) && id > 0 ? id : undefined),
});

function deliveryJson(d: DeliveryRecord): Static<typeof DeliverySchema> {
  return {
    id: d.id,
    ruleId: d.ruleId,
    ruleName: d.ruleName,
    subjectKey: d.subjectKey,
    event: d.event,
    level: d.level,
    channel: d.channel,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: isoOrNull(d.deliveredAt),
  };
}

function attemptJson(a: DeliveryAttemptRecord): Static<typeof AttemptSchema> {
  return {
    attempt: a.attempt,
    at: a.at.toISOString(),
    outcome: a.outcome,
    error: a.error,
    durationMs: a.durationMs,
  };
}

/** The alerts' delivery log (docs/alerts.md), read-only: every notice for every channel and its attempts. */
export const deliveryRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof DeliveryListQuery> }>(
    '/deliveries',
    {
      schema: {
        tags: ['Alerts'],
        summary: 'The delivery log, newest first; by status, rule and channel',
        querystring: DeliveryListQuery,
        response: { 200: pageSchema(DeliverySchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { status, rule, channel, cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const beforeId = DELIVERY_CURSOR.decode(cursor);
      const rows = await deps.deliveries.list({
        ...(status === undefined ? {} : { status }),
        ...(rule === undefined ? {} : { ruleName: rule }),
        ...(channel === undefined ? {} : { channel }),
        ...(beforeId === undefined ? {} : { beforeId }),
        limit: limit + 1,
      });
      return pageOf(rows, limit, DELIVERY_CURSOR, (d) => d.id, deliveryJson);
    },
  );

  app.get<{ Params: Static<typeof DeliveryParams> }>(
    '/deliveries/:id',
    {
      schema: {
        tags: ['Alerts'],
        summary: 'One delivery, with its notification and every attempt',
        params: DeliveryParams,
        response: { 200: DeliveryDetailSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const delivery = await deps.deliveries.get(id);
      if (delivery === undefined) throw new PkiError('NOT_FOUND', `no delivery ${id}`);
      const attempts = await deps.deliveries.attempts(id);
      return { ...deliveryJson(delivery), payload: delivery.payload, attemptLog: attempts.map(attemptJson) };
    },
  );
};
