import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { apiPlugin, type ApiPluginOptions } from './api-plugin.js';

/** Where the API lives, and where its OpenAPI document and the page that renders it are served. */
export const API_PREFIX = '/api/v1';
export const DOCS_PREFIX = '/docs';

/**
 * The admin API with its documentation, on the HTTPS server: the API under /api/v1 (token required), and its
 * OpenAPI 3 document, built by @fastify/swagger from the routes' TypeBox schemas, at /docs/json with Swagger UI
 * at /docs (public: it describes the API, it grants nothing). Encapsulated, so the document lists the API's
 * routes only, not EST's or the health check.
 */
export async function adminApiPlugin(app: FastifyInstance, options: ApiPluginOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'certfleet admin API',
        version: '1',
        description:
          'Devices, certificates, revocation, enrollment tokens, the fleet view, the audit trail, issuers, ' +
          'API tokens, monitored endpoints and their observations, alert rules and states, alert ' +
          'deliveries, ACME external account keys and RFC 9773 renewal windows. Authenticate with `Authorization: Bearer <API token>` (`certfleet api-token create`); ' +
          'lists are paged with `limit` and `cursor`; errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: {
          apiToken: { type: 'http', scheme: 'bearer', description: 'An API token: cft_<id>_<secret>' },
        },
      },
      security: [{ apiToken: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  await app.register(apiPlugin, { ...options, prefix: API_PREFIX });
}
