import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PkiError } from '../core/pki-error.js';
import type { ApiDependencies, ApiRoutes } from './api-dependencies.js';
import { bearerAuthentication } from './bearer-authentication.js';
import { PROBLEM_MEDIA_TYPE, problemDetails } from './problem-details.js';
import { asApiError } from './request-errors.js';
import { acmeEabKeyRoutes } from './routes/acme-eab-key-routes.js';
import { alertRuleRoutes } from './routes/alert-rule-routes.js';
import { apiTokenRoutes } from './routes/api-token-routes.js';
import { auditEventRoutes } from './routes/audit-event-routes.js';
import { certificateRoutes } from './routes/certificate-routes.js';
import { deliveryRoutes } from './routes/delivery-routes.js';
import { deviceRoutes } from './routes/device-routes.js';
import { endpointRoutes } from './routes/endpoint-routes.js';
import { enrollmentEventRoutes } from './routes/enrollment-event-routes.js';
import { enrollmentFailureRoutes } from './routes/enrollment-failure-routes.js';
import { enrollmentTokenRoutes } from './routes/enrollment-token-routes.js';
import { expiryTimelineRoutes } from './routes/expiry-timeline-routes.js';
import { fleetRoutes } from './routes/fleet-routes.js';
import { issuerRoutes } from './routes/issuer-routes.js';
import { observationRoutes } from './routes/observation-routes.js';
import { renewalWindowRoutes } from './routes/renewal-window-routes.js';
import { revocationRoutes } from './routes/revocation-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { typeboxValidatorCompiler } from './typebox-validator-compiler.js';

export interface ApiPluginOptions extends ApiDependencies {
  /** Largest request body; the API's bodies are a few hundred bytes. Default 16 KiB. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
const REALM = 'Bearer realm="certfleet"';

/**
 * The resources, each one file under routes/. Adding one (the monitor's endpoints and observations, the
 * alerts' rules and deliveries) is one route file and one line here:
 * 1. routes/<resource>-routes.ts exports an ApiRoutes function that registers its routes with TypeBox schemas
 *    (params, querystring, body, response), `tags` and a `summary`: Fastify validates the input with them
 *    (typebox-validator-compiler.ts) and @fastify/swagger writes them into the OpenAPI document at /docs;
 * 2. lists answer a Page (api-page.ts): `...PAGE_QUERY` in the query schema, the store role asked for
 *    `limit + 1` rows after the key a PageCursor decoded from `cursor`, and `pageOf` for the answer; add the
 *    paged query to the store role if it has none (keyset, indexed, with its contract test);
 * 3. GETs need a `read` token, anything else `admin` (bearer-authentication.ts); writes go through the module
 *    that owns the rules (ra/, the registrars here), never to the store directly, and are audited with the
 *    token's name as the actor (api-operator.ts);
 * 4. errors are thrown as PkiError: the error handler below answers problem+json (problem-details.ts);
 * 5. add the store role the routes read to ApiDependencies (api-dependencies.ts) and list the function here.
 */
const RESOURCES: readonly ApiRoutes[] = [
  deviceRoutes,
  certificateRoutes,
  revocationRoutes,
  renewalWindowRoutes,
  enrollmentTokenRoutes,
  fleetRoutes,
  auditEventRoutes,
  issuerRoutes,
  apiTokenRoutes,
  endpointRoutes,
  observationRoutes,
  alertRuleRoutes,
  deliveryRoutes,
  sessionRoutes,
  expiryTimelineRoutes,
  enrollmentFailureRoutes,
  enrollmentEventRoutes,
  acmeEabKeyRoutes,
];

/**
 * The admin REST API, registered under `/api/v1`: operator authentication by bearer API token (read or admin
 * scope), JSON bodies only (but for the endpoints' CSV import, on its own instance: endpoint-routes.ts), and
 * every error as RFC 9457 problem+json from one table (API_PROBLEMS).
 */
export function apiPlugin(app: FastifyInstance, options: ApiPluginOptions): Promise<void> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  // JSON, and nothing else: any other body is 415 rather than a string the schema then refuses.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: maxBodyBytes },
    app.getDefaultJsonParser('error', 'error'),
  );
  app.setValidatorCompiler(typeboxValidatorCompiler);

  app.decorateRequest('apiOperator', null);
  app.addHook('onRequest', bearerAuthentication({ tokens: options.apiTokens, clock: options.clock }));

  app.setErrorHandler((error, request, reply) => {
    const problem = asApiError(error, maxBodyBytes);
    if (problem.code === 'INTERNAL' || problem.code === 'CONFIG_INVALID') {
      request.log.error({ err: error }, 'admin API request failed');
    }
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new PkiError('NOT_FOUND', `no ${request.method} ${pathOf(request)} in this API`),
    ),
  );

  for (const routes of RESOURCES) routes(app, options);
  return Promise.resolve();
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, error: PkiError): FastifyReply {
  const problem = problemDetails(error, pathOf(request));
  if (problem.status === 401) {
    // RFC 6750 §3: a challenge always; `invalid_token` when a token was sent and refused.
    const invalid = request.headers.authorization !== undefined;
    reply.header('WWW-Authenticate', invalid ? `${REALM}, error="invalid_token"` : REALM);
  }
  const scope = error.details['scope'];
  if (problem.status === 403 && typeof scope === 'string') {
    reply.header('WWW-Authenticate', `${REALM}, error="insufficient_scope", scope="${scope}"`);
  }
  const retryAfter = error.details['retryAfterSeconds'];
  if (problem.status === 429 && typeof retryAfter === 'number')
    reply.header('Retry-After', String(retryAfter));
  // Bytes, so Fastify adds no charset parameter: the media type is exactly RFC 9457's (JSON is UTF-8).
  return reply
    .code(problem.status)
    .type(PROBLEM_MEDIA_TYPE)
    .send(Buffer.from(JSON.stringify(problem), 'utf8'));
}

/** The request's path without its query: the problem's `instance`. */
function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query < 0 ? request.url : request.url.slice(0, query);
}
