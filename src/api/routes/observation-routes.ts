import Type, { type Static } from 'typebox';
import { PkiError } from '../../core/pki-error.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import { nullable, PAGE_QUERY, pageSchema, problemResponses } from '../api-schemas.js';
import { EndpointKindSchema, EndpointSchema, endpointJson } from '../endpoint-view.js';
import {
  ObservationDetailSchema,
  ObservationSchema,
  observationDetailJson,
  observationJson,
} from '../observation-view.js';
import { isEpochMs, PageCursor } from '../page-cursor.js';
import { EndpointParams } from './endpoint-routes.js';

const ObservationParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

const LatestQuery = Type.Object(
  {
    kind: Type.Optional(EndpointKindSchema),
    enabled: Type.Optional(Type.Boolean()),
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);

const HistoryQuery = Type.Object({ ...PAGE_QUERY }, { additionalProperties: false });

const LatestSchema = Type.Object({
  endpoint: EndpointSchema,
  /** Null before the endpoint's first probe. */
  observation: nullable(ObservationSchema),
});

/** The latest view is in endpoint id order (the store's keyset): a page ends at its last endpoint's id. */
const LATEST_CURSOR = new PageCursor<number>('observations-latest', {
  encode: (id) => [id],
  decode: ([id]) => (isEpochMs(id) && id >= 0 ? id : undefined),
});

interface HistoryKey {
  readonly observedAt: Date;
  readonly id: number;
}

/** Newest first: a page ends at its last observation's time and id (probes may share a millisecond). */
const HISTORY_CURSOR = new PageCursor<HistoryKey>('observations', {
  encode: (key) => [key.observedAt.getTime(), key.id],
  decode: ([observedAt, id]) =>
    isEpochMs(observedAt) && isEpochMs(id) && id > 0 ? { observedAt: new Date(observedAt), id } : undefined,
});

/** What the monitor's probes saw: every endpoint's latest, one endpoint's history, one observation whole. */
export const observationRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof LatestQuery> }>(
    '/observations/latest',
    {
      schema: {
        tags: ['Monitor'],
        summary: 'Every endpoint with its latest observation, in endpoint id order',
        description: 'What the Prometheus exporter and the alert rules read. Filters: kind, enabled.',
        querystring: LatestQuery,
        response: { 200: pageSchema(LatestSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { kind, enabled, cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const afterId = LATEST_CURSOR.decode(cursor);
      const rows = await deps.observations.latest({
        ...(kind === undefined ? {} : { kind }),
        ...(enabled === undefined ? {} : { enabled }),
        ...(afterId === undefined ? {} : { afterId }),
        limit: limit + 1,
      });
      return pageOf(
        rows,
        limit,
        LATEST_CURSOR,
        (row) => row.endpoint.id,
        (row) => ({
          endpoint: endpointJson(row.endpoint),
          observation: row.observation === null ? null : observationJson(row.observation),
        }),
      );
    },
  );

  app.get<{ Params: Static<typeof EndpointParams>; Querystring: Static<typeof HistoryQuery> }>(
    '/endpoints/:name/observations',
    {
      schema: {
        tags: ['Monitor'],
        summary: "An endpoint's observations, newest first (without the chains' bytes)",
        params: EndpointParams,
        querystring: HistoryQuery,
        response: { 200: pageSchema(ObservationSchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const before = HISTORY_CURSOR.decode(cursor);
      const endpoint = await deps.endpoints.get(request.params.name);
      if (endpoint === undefined)
        throw new PkiError('NOT_FOUND', `no endpoint named '${request.params.name}'`);
      const rows = await deps.observations.history(endpoint.id, {
        ...(before === undefined ? {} : { before: before.observedAt, beforeId: before.id }),
        limit: limit + 1,
      });
      return pageOf(
        rows,
        limit,
        HISTORY_CURSOR,
        (o) => ({ observedAt: o.observedAt, id: o.id }),
        observationJson,
      );
    },
  );

  app.get<{ Params: Static<typeof ObservationParams> }>(
    '/observations/:id',
    {
      schema: {
        tags: ['Monitor'],
        summary: 'One observation, with the chain the endpoint presented in PEM',
        params: ObservationParams,
        response: { 200: ObservationDetailSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const observation = await deps.observations.get(id);
      const endpoint = observation && (await deps.endpoints.getById(observation.endpointId));
      // An endpoint removed meanwhile takes its observations with it.
      if (observation === undefined || endpoint === undefined) {
        throw new PkiError('NOT_FOUND', `no observation ${id}`);
      }
      return observationDetailJson(observation, endpoint.name);
    },
  );
};
