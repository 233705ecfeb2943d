import Type, { type Static } from 'typebox';
import type { IssuerId } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import type { IssuerRecord } from '../../store/records.js';
import type { ApiRoutes } from '../api-dependencies.js';
import type { IssuerDependents } from '../issuer-dependents.js';
import { pageOf, pageSize } from '../api-page.js';
import { Instant, nullable, PAGE_QUERY, pageSchema, problemResponses } from '../api-schemas.js';
import { isEpochMs, isText, PageCursor } from '../page-cursor.js';
import { issuerIdOf } from './certificate-routes.js';

const IssuerParams = Type.Object({ issuerId: Type.String({ minLength: 1, maxLength: 63 }) });
const IssuerListQuery = Type.Object({ ...PAGE_QUERY }, { additionalProperties: false });

const IssuerSchema = Type.Object({
  id: Type.String(),
  role: Type.Union([Type.Literal('root'), Type.Literal('intermediate')]),
  parentId: nullable(Type.String()),
  subject: Type.String(),
  keyAlgorithm: Type.String(),
  online: Type.Boolean({
    description: 'Whether its key is held by this deployment (an offline root: false)',
  }),
  notBefore: Instant,
  notAfter: Instant,
  subjectKeyIdHex: Type.String(),
  fingerprintSha256: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('retired')]),
  createdAt: Instant,
  dependents: Type.Object(
    {
      issuers: Type.Integer({ minimum: 0, description: 'Issuers whose parent it is' }),
      certificates: Type.Integer({
        minimum: 0,
        description: 'Certificates it issued that are in force (not revoked, not expired)',
      }),
    },
    { description: 'What depends on it; the certificates are counted at most once a minute' },
  ),
});

/** What depends on each issuer: its child issuers, and its certificates in force (a cached count). */
interface Dependents {
  readonly children: ReadonlyMap<string, number>;
  readonly certificates: ReadonlyMap<IssuerId, number>;
}

interface IssuerKey {
  readonly createdAt: number;
  readonly id: string;
}

/** Oldest first (a root before what it signed): a page ends at its last issuer's creation time and id. */
const ISSUER_CURSOR = new PageCursor<IssuerKey>('issuers', {
  encode: (key) => [key.createdAt, key.id],
  decode: ([createdAt, id]) => (isEpochMs(createdAt) && isText(id) ? { createdAt, id } : undefined),
});

function issuerJson(issuer: IssuerRecord, dependents: Dependents): Static<typeof IssuerSchema> {
  return {
    id: issuer.id,
    role: issuer.role,
    parentId: issuer.parentId,
    subject: issuer.subject,
    keyAlgorithm: issuer.keyAlgorithm,
    online: issuer.keyUri !== null,
    notBefore: issuer.notBefore.toISOString(),
    notAfter: issuer.notAfter.toISOString(),
    subjectKeyIdHex: issuer.subjectKeyIdHex,
    fingerprintSha256: issuer.fingerprintSha256,
    status: issuer.status,
    createdAt: issuer.createdAt.toISOString(),
    dependents: {
      issuers: dependents.children.get(issuer.id) ?? 0,
      certificates: dependents.certificates.get(issuer.id) ?? 0,
    },
  };
}

/** The whole hierarchy is a handful of rows, so the children are counted from the list itself. */
async function dependentsOf(
  all: readonly IssuerRecord[],
  issuerDependents: Pick<IssuerDependents, 'certificatesByIssuer'>,
): Promise<Dependents> {
  const children = new Map<string, number>();
  for (const issuer of all) {
    if (issuer.parentId !== null) children.set(issuer.parentId, (children.get(issuer.parentId) ?? 0) + 1);
  }
  return { children, certificates: await issuerDependents.certificatesByIssuer() };
}

const keyOf = (issuer: IssuerRecord): IssuerKey => ({ createdAt: issuer.createdAt.getTime(), id: issuer.id });

function after(key: IssuerKey | undefined) {
  return (issuer: IssuerRecord) => {
    if (key === undefined) return true;
    const own = keyOf(issuer);
    return own.createdAt > key.createdAt || (own.createdAt === key.createdAt && own.id > key.id);
  };
}

/**
 * The deployment's issuers, read-only (ceremonies change them, on the command line). A deployment has a
 * handful, so the store lists them all and the page is cut here, by the same kind of key as every list.
 */
export const issuerRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof IssuerListQuery> }>(
    '/issuers',
    {
      schema: {
        tags: ['Issuers'],
        summary: 'List the issuers, oldest first',
        querystring: IssuerListQuery,
        response: { 200: pageSchema(IssuerSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const start = after(ISSUER_CURSOR.decode(cursor));
      const all = await deps.issuers.list();
      const dependents = await dependentsOf(all, deps.issuerDependents);
      const rows = all.filter(start);
      return pageOf(rows.slice(0, limit + 1), limit, ISSUER_CURSOR, keyOf, (issuer) =>
        issuerJson(issuer, dependents),
      );
    },
  );

  app.get<{ Params: Static<typeof IssuerParams> }>(
    '/issuers/:issuerId',
    {
      schema: {
        tags: ['Issuers'],
        summary: 'One issuer',
        params: IssuerParams,
        response: { 200: IssuerSchema, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const id = issuerIdOf(request.params.issuerId, 'path');
      const issuer = await deps.issuers.get(id);
      if (issuer === undefined) throw new PkiError('NOT_FOUND', `no issuer '${id}'`);
      return issuerJson(issuer, await dependentsOf(await deps.issuers.list(), deps.issuerDependents));
    },
  );
};
