import Type, { type Static } from 'typebox';
import { PkiError } from '../../core/pki-error.js';
import { ENDPOINT_CSV_COLUMNS } from '../../monitor/endpoint-csv.js';
import type { EndpointChanges, NewEndpoint } from '../../store/endpoint-registry.js';
import { actorOf, operatorOf } from '../api-operator.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import { nullable, PAGE_QUERY, pageSchema, problemResponses } from '../api-schemas.js';
import { acceptCsvBodies, CSV_MEDIA_TYPE } from '../csv-body.js';
import {
  ENDPOINT_CURSOR,
  EndpointKindSchema,
  EndpointProtocolSchema,
  EndpointSchema,
  endpointJson,
} from '../endpoint-view.js';
import { invalidInput } from '../invalid-input.js';
import {
  ObservationDetailSchema,
  ObservationSchema,
  observationDetailJson,
  observationJson,
} from '../observation-view.js';

/** Default bound of a CSV import: some ten thousand rows. */
export const DEFAULT_MAX_IMPORT_BYTES = 1024 * 1024;

export const EndpointParams = Type.Object({
  name: Type.String({
    minLength: 1,
    maxLength: 128,
    description: 'The endpoint name; percent-encode a `/` in it as %2F',
  }),
});

const EndpointListQuery = Type.Object(
  {
    kind: Type.Optional(EndpointKindSchema),
    protocol: Type.Optional(EndpointProtocolSchema),
    enabled: Type.Optional(Type.Boolean()),
    failing: Type.Optional(
      Type.Boolean({ description: 'true: only endpoints whose last probe failed; false: only the others' }),
    ),
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);

/**
 * The fields an operator sets, by the store's names (NewEndpoint). The schema checks the types; the content
 * (a DNS name, a label name) is checked by the store's own rules, as for `certfleet monitor add`.
 */
const ENDPOINT_FIELDS = {
  host: Type.String({ minLength: 1, maxLength: 253, description: 'A DNS name or an IP address' }),
  port: Type.Integer({ minimum: 1, maximum: 65_535 }),
  sni: Type.Optional(
    nullable(Type.String({ description: 'Server name to send and match; default: the host (not an IP)' })),
  ),
  protocol: Type.Optional(EndpointProtocolSchema),
  kind: Type.Optional(EndpointKindSchema),
  deviceId: Type.Optional(nullable(Type.String({ description: 'The device the endpoint belongs to' }))),
  clientCredential: Type.Optional(
    nullable(Type.String({ description: 'A client certificate of monitor.clientCredentials to present' })),
  ),
  labels: Type.Optional(
    Type.Record(Type.String(), Type.String(), { description: 'Up to 16, names as Prometheus labels' }),
  ),
  notes: Type.Optional(nullable(Type.String({ maxLength: 2000 }))),
  enabled: Type.Optional(Type.Boolean({ description: 'Default true; false: kept, not probed' })),
};

const CreateEndpointBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Unique: letters, digits and . _ : @ / + -, starting with a letter or digit',
    }),
    ...ENDPOINT_FIELDS,
  },
  { additionalProperties: false },
);

const UpdateEndpointBody = Type.Object(
  {
    ...ENDPOINT_FIELDS,
    host: Type.Optional(ENDPOINT_FIELDS.host),
    port: Type.Optional(ENDPOINT_FIELDS.port),
  },
  { additionalProperties: false },
);

const EndpointWithLatestSchema = Type.Object({
  ...EndpointSchema.properties,
  latestObservation: nullable(ObservationSchema),
});

const ImportReportSchema = Type.Object({
  rows: Type.Integer({ description: 'Data rows read (the header not counted)' }),
  imported: Type.Integer({ description: 'Endpoints added' }),
  errors: Type.Array(
    Type.Object({
      line: Type.Integer({ description: 'The line of the file the row ends on' }),
      error: Type.String(),
    }),
    { description: 'The rows not imported, in line order; empty when every row was' },
  ),
});

/** GET /endpoints/{name} shows the newest observation with the endpoint. */
const LATEST = { limit: 1 } as const;

/**
 * The external monitor's endpoints (docs/monitor.md): listed, read with their latest observation, added,
 * changed and removed one by one or imported from CSV, and probed now. Writes go through EndpointRegistrar and
 * OnDemandProbes, which apply the command line's rules and audit each change.
 */
export const endpointRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof EndpointListQuery> }>(
    '/endpoints',
    {
      schema: {
        tags: ['Monitor'],
        summary: 'List the monitored endpoints, by name',
        querystring: EndpointListQuery,
        response: { 200: pageSchema(EndpointSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { kind, protocol, enabled, failing, cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const afterName = ENDPOINT_CURSOR.decode(cursor);
      const rows = await deps.endpoints.page({
        ...(kind === undefined ? {} : { kind }),
        ...(protocol === undefined ? {} : { protocol }),
        ...(enabled === undefined ? {} : { enabled }),
        ...(failing === undefined ? {} : { failing }),
        ...(afterName === undefined ? {} : { afterName }),
        limit: limit + 1,
      });
      return pageOf(rows, limit, ENDPOINT_CURSOR, (endpoint) => endpoint.name, endpointJson);
    },
  );

  app.get<{ Params: Static<typeof EndpointParams> }>(
    '/endpoints/:name',
    {
      schema: {
        tags: ['Monitor'],
        summary: 'One endpoint, with its latest observation (null before its first probe)',
        params: EndpointParams,
        response: { 200: EndpointWithLatestSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const endpoint = await deps.endpoints.get(request.params.name);
      if (endpoint === undefined)
        throw new PkiError('NOT_FOUND', `no endpoint named '${request.params.name}'`);
      const [latest] = await deps.observations.history(endpoint.id, LATEST);
      return {
        ...endpointJson(endpoint),
        latestObservation: latest === undefined ? null : observationJson(latest),
      };
    },
  );

  app.post<{ Body: Static<typeof CreateEndpointBody> }>(
    '/endpoints',
    {
      schema: {
        tags: ['Monitor'],
        summary: 'Add an endpoint to probe (admin), as certfleet monitor add',
        body: CreateEndpointBody,
        response: { 201: EndpointSchema, ...problemResponses(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const operator = operatorOf(request);
      // The schema checked the types; the registrar checks the content (deviceId included) by the store's rules.
      const added = await deps.endpointRegistrar.add(actorOf(operator), request.body as NewEndpoint);
      reply.code(201);
      return endpointJson(added);
    },
  );

  app.patch<{ Params: Static<typeof EndpointParams>; Body: Static<typeof UpdateEndpointBody> }>(
    '/endpoints/:name',
    {
      schema: {
        tags: ['Monitor'],
        summary: 'Change an endpoint (admin): the fields given, the rest as they are; the name stays',
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: { 200: EndpointSchema, ...problemResponses(400, 404, 413, 415) },
      },
    },
    async (request) => {
      const operator = operatorOf(request);
      if (Object.keys(request.body).length === 0) {
        throw invalidInput('body', '', 'names no field to change');
      }
      const updated = await deps.endpointRegistrar.update(
        actorOf(operator),
        request.params.name,
        request.body as EndpointChanges,
      );
      return endpointJson(updated);
    },
  );

  app.delete<{ Params: Static<typeof EndpointParams> }>(
    '/endpoints/:name',
    {
      schema: {
        tags: ['Monitor'],
        summary: 'Remove an endpoint and its observations (admin)',
        params: EndpointParams,
        response: { 204: Type.Null({ description: 'Removed' }), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await deps.endpointRegistrar.remove(actorOf(operatorOf(request)), request.params.name);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Static<typeof EndpointParams> }>(
    '/endpoints/:name/probe',
    {
      schema: {
        tags: ['Monitor'],
        summary: 'Probe an endpoint now (admin) and record what it shows, as certfleet monitor probe <name>',
        description:
          'A failing endpoint is still a 200: the observation says why (outcome). The probe takes at most ' +
          'monitor.probeTimeoutMs.',
        params: EndpointParams,
        response: { 200: ObservationDetailSchema, ...problemResponses(404, 503) },
      },
    },
    async (request) => {
      const { endpoint, observation } = await deps.onDemandProbes.probe(
        actorOf(operatorOf(request)),
        request.params.name,
      );
      return observationDetailJson(observation, endpoint.name);
    },
  );

  // Its own instance: the import takes a CSV body, every other route of the API JSON only.
  const maxImportBytes = deps.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES;
  void app.register((csv) => {
    acceptCsvBodies(csv, maxImportBytes);
    csv.post<{ Body: string }>(
      '/endpoints/import',
      {
        schema: {
          tags: ['Monitor'],
          summary: 'Add endpoints from a CSV file (admin), as certfleet monitor import',
          description:
            `Content-Type: ${CSV_MEDIA_TYPE}, at most ${maxImportBytes} bytes, header ` +
            `\`${ENDPOINT_CSV_COLUMNS.join(',')}\` (sni, kind and device_id may be left out). The good rows ` +
            'are imported together and each bad row is reported with its line: the answer is 200 whenever the ' +
            'file could be read, so check `errors`. A file without a usable header is a 400 and imports nothing.',
          consumes: [CSV_MEDIA_TYPE],
          body: Type.String({ description: 'The CSV file' }),
          response: { 200: ImportReportSchema, ...problemResponses(400, 413, 415) },
        },
      },
      async (request) => {
        const report = await deps.endpointRegistrar.importCsv(actorOf(operatorOf(request)), request.body);
        return {
          rows: report.rows,
          imported: report.imported.length,
          errors: report.errors.map((e) => ({ line: e.line, error: e.reason })),
        };
      },
    );
    return Promise.resolve();
  });
};
