import Type, { type Static } from 'typebox';
import type { AcmeExternalAccountKeyRecord } from '../../store/acme-state.js';
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
import {
  type ExternalAccountKeyPosition,
  externalAccountKeyState,
  MAX_EAB_LABEL_LENGTH,
} from '../external-account-key-registrar.js';
import { isEpochMs, isText, PageCursor } from '../page-cursor.js';

const TAG = 'ACME external account keys';

const KeyIdSchema = Type.String({
  pattern: '^eab_[0-9a-f]{16}$',
  description: 'The key identifier, `kid` of the binding JWS (certbot `--eab-kid`)',
});

const EabKeyParams = Type.Object({ keyId: KeyIdSchema });
const EabKeyListQuery = Type.Object({ ...PAGE_QUERY }, { additionalProperties: false });

const CreateEabKeyBody = Type.Object(
  {
    label: Type.Optional(
      Type.String({
        maxLength: MAX_EAB_LABEL_LENGTH,
        description: 'What the key is for (a customer, a site); shown in lists. Default empty',
      }),
    ),
    dnsNames: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
        maxItems: 100,
        description:
          'Scope: the names the account it binds may obtain (`*`, `*.example.net`, exact), within acme.policy',
      }),
    ),
    ipRanges: Type.Optional(
      Type.Array(Type.String({ minLength: 3, maxLength: 43 }), {
        maxItems: 100,
        description: 'Scope: the IP ranges (CIDR) the account it binds may obtain, within acme.policy',
      }),
    ),
  },
  { additionalProperties: false },
);

const ScopeSchema = nullable(
  Type.Object(
    { dnsNames: Type.Array(Type.String()), ipRanges: Type.Array(Type.String()) },
    {
      description:
        'What the account it binds may obtain (within acme.policy); null: whatever acme.policy allows',
    },
  ),
);

const EabKeySchema = Type.Object({
  keyId: KeyIdSchema,
  label: Type.String(),
  state: literalUnion(['unused', 'bound', 'revoked'] as const, {
    description: 'unused: may bind one account; bound: has bound one; revoked: binds no account any more',
  }),
  createdAt: Instant,
  boundAccountId: nullable(
    Type.String({ description: 'The ACME account it bound (its URL ends in this id)' }),
  ),
  boundAt: NullableInstant,
  revokedAt: NullableInstant,
  identifierScope: ScopeSchema,
});

const CreatedEabKeySchema = Type.Object({
  keyId: KeyIdSchema,
  hmacKey: Type.String({
    description: 'The MAC key, base64url, shown this once (certbot `--eab-hmac-key`)',
  }),
  label: Type.String(),
  createdAt: Instant,
  identifierScope: ScopeSchema,
});

const RevokedEabKeySchema = Type.Object({
  outcome: Type.Union([Type.Literal('revoked'), Type.Literal('already-revoked')]),
  key: EabKeySchema,
});

const EAB_KEY_CURSOR = new PageCursor<ExternalAccountKeyPosition>('acme-eab-keys', {
  encode: (key) => [key.createdAt.getTime(), key.keyId],
  decode: ([createdAt, keyId]) =>
    isEpochMs(createdAt) && isText(keyId) ? { createdAt: new Date(createdAt), keyId } : undefined,
});

function eabKeyJson(key: AcmeExternalAccountKeyRecord): Static<typeof EabKeySchema> {
  return {
    keyId: key.keyId,
    label: key.label,
    state: externalAccountKeyState(key),
    createdAt: key.createdAt.toISOString(),
    boundAccountId: key.boundAccountId,
    boundAt: isoOrNull(key.boundAt),
    revokedAt: isoOrNull(key.revokedAt),
    identifierScope: scopeJson(key),
  };
}

function scopeJson(key: AcmeExternalAccountKeyRecord): Static<typeof ScopeSchema> {
  const scope = key.identifierScope;
  return scope === null ? null : { dnsNames: [...scope.dnsNames], ipRanges: [...scope.ipRanges] };
}

/**
 * RFC 8555 §7.3.4 external account binding keys for the ACME server (`acme.externalAccountRequired`), admin
 * tokens only, listing too: these are credentials, for those who hand them out. `certfleet acme eab` does the
 * same on the command line.
 */
export const acmeEabKeyRoutes: ApiRoutes = (app, deps) => {
  // After the plugin's authentication hook: a read token is refused even for GET here.
  app.get<{ Querystring: Static<typeof EabKeyListQuery> }>(
    '/acme/eab-keys',
    {
      ...ADMIN_ONLY,
      schema: {
        tags: [TAG],
        summary: 'List external account keys, oldest first (admin; never their MAC keys)',
        querystring: EabKeyListQuery,
        response: { 200: pageSchema(EabKeySchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const after = EAB_KEY_CURSOR.decode(cursor);
      const rows = await deps.externalAccountKeys.list({
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
      });
      return pageOf(
        rows,
        limit,
        EAB_KEY_CURSOR,
        (key) => ({ createdAt: key.createdAt, keyId: key.keyId }),
        eabKeyJson,
      );
    },
  );

  app.post<{ Body: Static<typeof CreateEabKeyBody> }>(
    '/acme/eab-keys',
    {
      ...ADMIN_ONLY,
      schema: {
        tags: [TAG],
        summary: 'Make an external account key (admin); its MAC key is in this answer only',
        description:
          'Hand keyId and hmacKey to one ACME client: its newAccount carries an externalAccountBinding MACed ' +
          'with them, and the key then belongs to that account.',
        body: CreateEabKeyBody,
        response: { 201: CreatedEabKeySchema, ...problemResponses(400, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const created = await deps.externalAccountKeys.create(
        actorOf(operatorOf(request)),
        request.body.label ?? '',
        request.body.dnsNames === undefined && request.body.ipRanges === undefined
          ? null
          : { dnsNames: request.body.dnsNames ?? [], ipRanges: request.body.ipRanges ?? [] },
      );
      reply.code(201).header('Cache-Control', 'no-store');
      return {
        keyId: created.record.keyId,
        hmacKey: created.hmacKey,
        label: created.record.label,
        createdAt: created.record.createdAt.toISOString(),
        identifierScope: scopeJson(created.record),
      };
    },
  );

  app.delete<{ Params: Static<typeof EabKeyParams> }>(
    '/acme/eab-keys/:keyId',
    {
      ...ADMIN_ONLY,
      schema: {
        tags: [TAG],
        summary: 'Revoke an external account key (admin); it stays listed, as revoked',
        description:
          'No newAccount binds with it from now on. An account it bound already keeps working: deactivate ' +
          'that account to end it.',
        params: EabKeyParams,
        response: { 200: RevokedEabKeySchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const revoked = await deps.externalAccountKeys.revoke(
        actorOf(operatorOf(request)),
        request.params.keyId,
      );
      return { outcome: revoked.changed ? 'revoked' : 'already-revoked', key: eabKeyJson(revoked.record) };
    },
  );
};
