import Type, { type Static } from 'typebox';
import { API_TOKEN_SCOPES, type ApiTokenRecord } from '../../store/api-tokens.js';
import { actorOf, operatorOf } from '../api-operator.js';
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
import { ADMIN_ONLY } from '../bearer-authentication.js';
import { isEpochMs, isText, PageCursor } from '../page-cursor.js';

const ScopeSchema = literalUnion(API_TOKEN_SCOPES);

const ApiTokenParams = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 64, description: 'The id or the name of the token' }),
});
const ApiTokenListQuery = Type.Object({ ...PAGE_QUERY }, { additionalProperties: false });

const CreateApiTokenBody = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$',
      description: 'Unique for ever; the audit trail names what the token does after it',
    }),
    scope: ScopeSchema,
    expiresInSeconds: Type.Optional(
      nullable(Type.Integer({ minimum: 60, description: 'Lifetime; omitted or null: until revoked' })),
    ),
  },
  { additionalProperties: false },
);

const ApiTokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: ScopeSchema,
  createdAt: Instant,
  expiresAt: NullableInstant,
  lastUsedAt: NullableInstant,
  revokedAt: NullableInstant,
});

const CreatedApiTokenSchema = Type.Object({
  token: ApiTokenSchema,
  secret: Type.String({ description: 'The bearer token, shown this once: cft_<id>_<secret>' }),
});

const RevokedApiTokenSchema = Type.Object({
  outcome: Type.Union([Type.Literal('revoked'), Type.Literal('already-revoked')]),
  token: ApiTokenSchema,
});

const API_TOKEN_CURSOR = new PageCursor<{ createdAt: Date; id: string }>('api-tokens', {
  encode: (key) => [key.createdAt.getTime(), key.id],
  decode: ([createdAt, id]) =>
    isEpochMs(createdAt) && isText(id) ? { createdAt: new Date(createdAt), id } : undefined,
});

function apiTokenJson(token: ApiTokenRecord): Static<typeof ApiTokenSchema> {
  return {
    id: token.id,
    name: token.name,
    scope: token.scope,
    createdAt: token.createdAt.toISOString(),
    expiresAt: isoOrNull(token.expiresAt),
    lastUsedAt: isoOrNull(token.lastUsedAt),
    revokedAt: isoOrNull(token.revokedAt),
  };
}

/**
 * Operators' API tokens, all of it for admin tokens only (even listing: which tokens exist is for those who
 * manage them). `certfleet api-token` does the same on the command line, and makes the first one.
 */
export const apiTokenRoutes: ApiRoutes = (app, deps) => {
  // After the plugin's authentication hook: a read token is refused even for GET here.
  app.get<{ Querystring: Static<typeof ApiTokenListQuery> }>(
    '/api-tokens',
    {
      ...ADMIN_ONLY,
      schema: {
        tags: ['API tokens'],
        summary: 'List API tokens, oldest first (admin; never their secrets)',
        querystring: ApiTokenListQuery,
        response: { 200: pageSchema(ApiTokenSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const after = API_TOKEN_CURSOR.decode(cursor);
      const rows = await deps.operatorTokens.list({
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
      });
      return pageOf(
        rows,
        limit,
        API_TOKEN_CURSOR,
        (t) => ({ createdAt: t.createdAt, id: t.id }),
        apiTokenJson,
      );
    },
  );

  app.post<{ Body: Static<typeof CreateApiTokenBody> }>(
    '/api-tokens',
    {
      ...ADMIN_ONLY,
      schema: {
        tags: ['API tokens'],
        summary: 'Make an API token (admin); the token is in this answer only',
        body: CreateApiTokenBody,
        response: { 201: CreatedApiTokenSchema, ...problemResponses(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const { name, scope, expiresInSeconds } = request.body;
      const created = await deps.operatorTokens.create(actorOf(operatorOf(request)), {
        name,
        scope,
        lifetimeSeconds: expiresInSeconds ?? null,
      });
      reply.code(201).header('Cache-Control', 'no-store');
      return { token: apiTokenJson(created.record), secret: created.token };
    },
  );

  app.post<{ Params: Static<typeof ApiTokenParams> }>(
    '/api-tokens/:token/revoke',
    {
      ...ADMIN_ONLY,
      schema: {
        tags: ['API tokens'],
        summary: 'Revoke an API token by id or name (admin)',
        params: ApiTokenParams,
        response: { 200: RevokedApiTokenSchema, ...problemResponses(404, 409) },
      },
    },
    async (request) => {
      const revoked = await deps.operatorTokens.revoke(actorOf(operatorOf(request)), request.params.token);
      return {
        outcome: revoked.changed ? 'revoked' : 'already-revoked',
        token: apiTokenJson(revoked.record),
      };
    },
  );
};
