import Type, { type Static } from 'typebox';
import { SECONDS_PER_DAY } from '../../core/duration.js';
import { toDeviceId } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import type { EnrollmentTokenKey } from '../../store/enrollment-token-catalog.js';
import type { EnrollmentTokenRecord } from '../../store/enrollment-tokens.js';
import { actorOf, operatorOf } from '../api-operator.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import {
  Instant,
  isoOrNull,
  NullableInstant,
  nullable,
  PAGE_QUERY,
  pageSchema,
  problemResponses,
} from '../api-schemas.js';
import { invalidInput } from '../invalid-input.js';
import { isEpochMs, isText, PageCursor } from '../page-cursor.js';

/** As `certfleet device add --token`: 7 days unless the request says otherwise. */
const DEFAULT_LIFETIME_SECONDS = 7 * SECONDS_PER_DAY;
const MAX_LIFETIME_SECONDS = 90 * SECONDS_PER_DAY;

const TokenParams = Type.Object({ tokenId: Type.String({ minLength: 1, maxLength: 64 }) });

const TokenListQuery = Type.Object(
  {
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    usable: Type.Optional(Type.Boolean({ description: 'true: only tokens unused, not voided, not expired' })),
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);

const CreateTokenBody = Type.Object(
  {
    deviceId: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'The device id the certificate will name',
    }),
    profile: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        default: 'ldevid',
        description: 'What the token may obtain',
      }),
    ),
    label: Type.Optional(
      nullable(
        Type.String({ minLength: 1, maxLength: 63, description: 'EST label it is valid for (null: any)' }),
      ),
    ),
    expiresInSeconds: Type.Optional(
      Type.Integer({
        minimum: 60,
        maximum: MAX_LIFETIME_SECONDS,
        default: DEFAULT_LIFETIME_SECONDS,
        description: 'Lifetime (default 7 days, at most 90)',
      }),
    ),
  },
  { additionalProperties: false },
);

const TokenStatusSchema = Type.Union([
  Type.Literal('usable'),
  Type.Literal('used'),
  Type.Literal('voided'),
  Type.Literal('expired'),
]);

const EnrollmentTokenSchema = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  profile: Type.String(),
  label: nullable(Type.String()),
  status: TokenStatusSchema,
  createdBy: Type.String(),
  createdAt: Instant,
  expiresAt: Instant,
  usedAt: NullableInstant,
  voidedAt: NullableInstant,
});

const CreatedTokenSchema = Type.Object({
  token: EnrollmentTokenSchema,
  secret: Type.String({ description: 'Shown this once; the server keeps only its SHA-256' }),
});

const VoidedTokenSchema = Type.Object({
  outcome: Type.Union([Type.Literal('voided'), Type.Literal('already-voided')]),
  token: EnrollmentTokenSchema,
});

/** Newest first: a page ends at its last token's creation time and id. */
const TOKEN_CURSOR = new PageCursor<EnrollmentTokenKey>('enrollment-tokens', {
  encode: (key) => [key.createdAt.getTime(), key.id],
  decode: ([createdAt, id]) =>
    isEpochMs(createdAt) && isText(id) ? { createdAt: new Date(createdAt), id } : undefined,
});

function statusOf(token: EnrollmentTokenRecord, now: Date): Static<typeof TokenStatusSchema> {
  if (token.usedAt !== null) return 'used';
  if (token.voidedAt !== null) return 'voided';
  return token.expiresAt.getTime() <= now.getTime() ? 'expired' : 'usable';
}

function tokenJson(token: EnrollmentTokenRecord, now: Date): Static<typeof EnrollmentTokenSchema> {
  return {
    id: token.id,
    deviceId: token.deviceId,
    profile: token.profile,
    label: token.label,
    status: statusOf(token, now),
    createdBy: token.createdBy,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt.toISOString(),
    usedAt: isoOrNull(token.usedAt),
    voidedAt: isoOrNull(token.voidedAt),
  };
}

/**
 * One-time enrollment tokens for devices without an IDevID: made (the secret shown once), listed, voided. The
 * registrar (enrollment-token-registrar.ts) applies the command line's rules and audits each change.
 */
export const enrollmentTokenRoutes: ApiRoutes = (app, deps) => {
  app.post<{ Body: Static<typeof CreateTokenBody> }>(
    '/enrollment-tokens',
    {
      schema: {
        tags: ['Enrollment tokens'],
        summary: 'Make a one-time enrollment token for a device (admin); the secret is in this answer only',
        body: CreateTokenBody,
        response: { 201: CreatedTokenSchema, ...problemResponses(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const operator = operatorOf(request);
      const { deviceId: text, profile, label, expiresInSeconds } = request.body;
      const deviceId = toDeviceId(text);
      if (deviceId === undefined) throw invalidInput('body', '/deviceId', 'is not a device id');
      const created = await deps.enrollmentTokens.create(actorOf(operator), {
        deviceId,
        profile: profile ?? 'ldevid',
        label: label ?? null,
        lifetimeSeconds: expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS,
      });
      reply.code(201).header('Cache-Control', 'no-store');
      return { token: tokenJson(created.token, deps.clock.now()), secret: created.secret };
    },
  );

  app.get<{ Querystring: Static<typeof TokenListQuery> }>(
    '/enrollment-tokens',
    {
      schema: {
        tags: ['Enrollment tokens'],
        summary: 'List enrollment tokens, newest first (never their secrets)',
        querystring: TokenListQuery,
        response: { 200: pageSchema(EnrollmentTokenSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { deviceId: text, usable, cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const deviceId = text === undefined ? undefined : toDeviceId(text);
      if (text !== undefined && deviceId === undefined) {
        throw invalidInput('query', '/deviceId', 'is not a device id');
      }
      const before = TOKEN_CURSOR.decode(cursor);
      const now = deps.clock.now();
      const rows = await deps.enrollmentTokenCatalog.page({
        ...(deviceId === undefined ? {} : { deviceId }),
        ...(usable === true ? { usableAt: now } : {}),
        ...(before === undefined ? {} : { before }),
        limit: limit + 1,
      });
      const page = pageOf(
        rows,
        limit,
        TOKEN_CURSOR,
        (t) => ({ createdAt: t.createdAt, id: t.id }),
        (t) => tokenJson(t, now),
      );
      // usable=false: the tokens that can no longer be used, filtered here (the store asks the opposite).
      return usable === false ? { ...page, items: page.items.filter((t) => t.status !== 'usable') } : page;
    },
  );

  app.get<{ Params: Static<typeof TokenParams> }>(
    '/enrollment-tokens/:tokenId',
    {
      schema: {
        tags: ['Enrollment tokens'],
        summary: 'One enrollment token',
        params: TokenParams,
        response: { 200: EnrollmentTokenSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const token = await deps.enrollmentTokenCatalog.get(request.params.tokenId);
      if (token === undefined)
        throw new PkiError('NOT_FOUND', `no enrollment token '${request.params.tokenId}'`);
      return tokenJson(token, deps.clock.now());
    },
  );

  app.post<{ Params: Static<typeof TokenParams> }>(
    '/enrollment-tokens/:tokenId/void',
    {
      schema: {
        tags: ['Enrollment tokens'],
        summary: 'Void an enrollment token (admin); a used one cannot be voided',
        params: TokenParams,
        response: { 200: VoidedTokenSchema, ...problemResponses(404, 409) },
      },
    },
    async (request) => {
      const operator = operatorOf(request);
      const result = await deps.enrollmentTokens.void(actorOf(operator), request.params.tokenId);
      const outcome = result.outcome === 'voided' ? 'voided' : 'already-voided';
      return { outcome, token: tokenJson(result.token, deps.clock.now()) };
    },
  );
};
