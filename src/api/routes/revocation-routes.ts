import Type, { type Static } from 'typebox';
import { REQUESTABLE_REVOCATION_REASONS, type RevocationReason } from '../../core/revocation-reason.js';
import type { RevocationSummary } from '../../ra/revocations.js';
import { PkiError } from '../../core/pki-error.js';
import { actorOf, credentialOf, operatorOf } from '../api-operator.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { literalUnion, problemResponses } from '../api-schemas.js';
import { CertificateSchema, certificateJson } from '../certificate-view.js';
import { invalidInput } from '../invalid-input.js';
import { certificateBySerial, issuerIdOf, SerialParams, serialOf } from './certificate-routes.js';
import { DeviceParams, deviceIdOf } from './device-routes.js';

const ReasonSchema = literalUnion(REQUESTABLE_REVOCATION_REASONS, {
  description: 'RFC 5280 §5.3.1 reason (certificateHold and removeFromCRL are not offered)',
});

const RevokeBody = Type.Object(
  {
    reason: Type.Optional(ReasonSchema),
    issuerId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: 'Needed only when the serial exists under several',
      }),
    ),
    invalidityDate: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the key was (suspected) compromised' }),
    ),
  },
  { additionalProperties: false },
);

const DecommissionBody = Type.Object(
  { reason: Type.Optional(ReasonSchema) },
  { additionalProperties: false },
);

const RevocationResultSchema = Type.Object({
  issuerId: Type.String(),
  serial: Type.String(),
  result: Type.Union([Type.Literal('revoked'), Type.Literal('already-revoked'), Type.Literal('not-found')]),
});

const RevokedSchema = Type.Object({
  result: Type.Union([Type.Literal('revoked'), Type.Literal('already-revoked')]),
  certificate: CertificateSchema,
});

const DecommissionedSchema = Type.Object({
  deviceId: Type.String(),
  stateChanged: Type.Boolean({ description: 'false when it was decommissioned before' }),
  revoked: Type.Integer(),
  alreadyRevoked: Type.Integer(),
  tokensVoided: Type.Integer(),
  certificates: Type.Array(RevocationResultSchema),
});

function invalidityDateOf(text: string | undefined): Date | null {
  if (text === undefined) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw invalidInput('body', '/invalidityDate', 'is not a date-time');
  return date;
}

function certificatesOf(summary: RevocationSummary): Static<typeof RevocationResultSchema>[] {
  return summary.certificates.map((c) => ({ issuerId: c.issuerId, serial: c.serial, result: c.result }));
}

/**
 * Revocation through the RA (ra/revocations.ts), as `certfleet cert revoke` and `certfleet device
 * decommission`: the same rules, the CA's revoker records each revocation with its audit event
 * (`cert.revoked`, `device.decommissioned`) naming the token as the operator, and the server's CRL schedule
 * republishes the issuer's CRL.
 */
export const revocationRoutes: ApiRoutes = (app, deps) => {
  app.post<{ Params: Static<typeof SerialParams>; Body: Static<typeof RevokeBody> }>(
    '/certificates/:serial/revoke',
    {
      schema: {
        tags: ['Revocation'],
        summary: 'Revoke a certificate (admin)',
        params: SerialParams,
        body: RevokeBody,
        response: { 200: RevokedSchema, ...problemResponses(400, 404, 409, 413, 415, 422) },
      },
    },
    async (request) => {
      const operator = operatorOf(request);
      const { body } = request;
      const serial = serialOf(request.params.serial);
      const issuerId = body.issuerId === undefined ? undefined : issuerIdOf(body.issuerId, 'body');
      const reason: RevocationReason = body.reason ?? 'unspecified';
      const summary = await deps.revocations.revoke(
        credentialOf(operator),
        { kind: 'certificate', serial, ...(issuerId === undefined ? {} : { issuerId }) },
        reason,
        invalidityDateOf(body.invalidityDate),
      );
      const [outcome] = summary.certificates;
      if (outcome === undefined || outcome.result === 'not-found') {
        throw new PkiError('NOT_FOUND', `no certificate with serial ${serial}`);
      }
      request.log.info({ actor: actorOf(operator), serial, reason }, 'certificate revoked through the API');
      const record = await certificateBySerial(deps.certificates, outcome.serial, outcome.issuerId);
      return { result: outcome.result, certificate: certificateJson(record) };
    },
  );

  app.post<{ Params: Static<typeof DeviceParams>; Body: Static<typeof DecommissionBody> }>(
    '/devices/:deviceId/decommission',
    {
      schema: {
        tags: ['Revocation'],
        summary:
          'Decommission a device (admin): revoke its certificates, void its tokens, no onboarding again',
        params: DeviceParams,
        body: DecommissionBody,
        response: { 200: DecommissionedSchema, ...problemResponses(400, 404, 413, 415, 422) },
      },
    },
    async (request) => {
      const operator = operatorOf(request);
      const deviceId = deviceIdOf(request.params.deviceId);
      const reason: RevocationReason = request.body.reason ?? 'cessationOfOperation';
      const summary = await deps.revocations.decommission(credentialOf(operator), deviceId, reason);
      return {
        deviceId,
        stateChanged: summary.stateChanged,
        revoked: summary.revoked,
        alreadyRevoked: summary.alreadyRevoked,
        tokensVoided: summary.tokensVoided,
        certificates: certificatesOf(summary),
      };
    },
  );
};
