import Type, { type Static } from 'typebox';
import { type IssuerId, type SerialHex, toDeviceId, toIssuerId, toSerialHex } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { encodePem } from '../../pki/pem.js';
import type { CertificateReader } from '../../store/certificate-reader.js';
import type { CertificateRecord } from '../../store/records.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { pageOf, pageSize } from '../api-page.js';
import { PAGE_QUERY, pageSchema, problemResponses } from '../api-schemas.js';
import {
  CERTIFICATE_CURSOR,
  CertificateSchema,
  certificateJson,
  certificateKey,
} from '../certificate-view.js';
import { invalidInput, type RequestPart } from '../invalid-input.js';
import { negotiate } from '../media-negotiation.js';

/** What GET /certificates/{serial} can answer, JSON first (RFC 8555 §7.4.2 names the PEM type). */
const MEDIA_TYPES = ['application/json', 'application/pkix-cert', 'application/x-pem-file'] as const;

export const SerialParams = Type.Object({
  serial: Type.String({ minLength: 2, maxLength: 64, description: 'Hex serial (colons allowed)' }),
});

const IssuerQuery = Type.Object(
  {
    issuerId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: 'Needed only when the serial exists under several',
      }),
    ),
  },
  { additionalProperties: false },
);

const CertificateListQuery = Type.Object(
  {
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    issuerId: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    profile: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    status: Type.Optional(
      Type.Union([Type.Literal('prepared'), Type.Literal('issued'), Type.Literal('revoked')]),
    ),
    ...PAGE_QUERY,
  },
  { additionalProperties: false },
);

export function serialOf(text: string): SerialHex {
  const serial = toSerialHex(text);
  if (serial === undefined) throw invalidInput('path', '/serial', 'is not a hex serial number');
  return serial;
}

export function issuerIdOf(text: string, part: RequestPart): IssuerId {
  const id = toIssuerId(text);
  if (id === undefined) {
    throw invalidInput(part, '/issuerId', 'is not an issuer id (lower-case letters, digits and dashes)');
  }
  return id;
}

/** The one certificate with this serial (under `issuerId` if given): NOT_FOUND, or CONFLICT if ambiguous. */
export async function certificateBySerial(
  certificates: Pick<CertificateReader, 'findBySerial'>,
  serial: SerialHex,
  issuerId: IssuerId | undefined,
): Promise<CertificateRecord> {
  const matches = (await certificates.findBySerial(serial)).filter(
    (record) => issuerId === undefined || record.issuerId === issuerId,
  );
  const [record, other] = matches;
  if (record === undefined) throw new PkiError('NOT_FOUND', `no certificate with serial ${serial}`);
  if (other !== undefined) {
    throw new PkiError('CONFLICT', `serial ${serial} exists under several issuers; name one with issuerId`);
  }
  return record;
}

/** Certificates: list by device, issuer, profile, status; one by serial, as JSON, DER or PEM. */
export const certificateRoutes: ApiRoutes = (app, deps) => {
  app.get<{ Querystring: Static<typeof CertificateListQuery> }>(
    '/certificates',
    {
      schema: {
        tags: ['Certificates'],
        summary: 'List certificates, soonest expiry first',
        querystring: CertificateListQuery,
        response: { 200: pageSchema(CertificateSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { deviceId, issuerId, profile, status, cursor, limit: asked } = request.query;
      const limit = pageSize(asked);
      const device = deviceId === undefined ? undefined : toDeviceId(deviceId);
      if (deviceId !== undefined && device === undefined) {
        throw invalidInput('query', '/deviceId', 'is not a device id');
      }
      const after = CERTIFICATE_CURSOR.decode(cursor);
      const rows = await deps.certificateCatalog.page({
        ...(device === undefined ? {} : { deviceId: device }),
        ...(issuerId === undefined ? {} : { issuerId: issuerIdOf(issuerId, 'query') }),
        ...(profile === undefined ? {} : { profile }),
        ...(status === undefined ? {} : { status }),
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
      });
      return pageOf(rows, limit, CERTIFICATE_CURSOR, certificateKey, certificateJson);
    },
  );

  app.get<{ Params: Static<typeof SerialParams>; Querystring: Static<typeof IssuerQuery> }>(
    '/certificates/:serial',
    {
      schema: {
        tags: ['Certificates'],
        summary: 'One certificate: JSON, or the certificate itself in DER or PEM (by the Accept header)',
        params: SerialParams,
        querystring: IssuerQuery,
        response: {
          200: {
            description: 'The certificate',
            content: {
              'application/json': { schema: CertificateSchema },
              'application/pkix-cert': { schema: { type: 'string', format: 'binary' } },
              'application/x-pem-file': { schema: { type: 'string' } },
            },
          },
          ...problemResponses(400, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { issuerId } = request.query;
      const record = await certificateBySerial(
        deps.certificates,
        serialOf(request.params.serial),
        issuerId === undefined ? undefined : issuerIdOf(issuerId, 'query'),
      );
      const media = negotiate(request.headers.accept, MEDIA_TYPES);
      reply.header('Vary', 'Accept');
      if (media === 'application/json') return certificateJson(record);
      if (record.der === null) {
        throw new PkiError('CONFLICT', `certificate ${record.serial} is prepared but not signed yet`);
      }
      const body =
        media === 'application/pkix-cert'
          ? Buffer.from(record.der)
          : Buffer.from(encodePem('CERTIFICATE', record.der), 'utf8');
      return reply.type(media).send(body);
    },
  );
};
