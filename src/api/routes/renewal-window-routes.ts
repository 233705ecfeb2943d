import Type, { type Static } from 'typebox';
import { toDeviceId, toIssuerId, toSerialHex, type SerialHex } from '../../core/ids.js';
import { actorOf, credentialOf, operatorOf } from '../api-operator.js';
import type { ApiRoutes } from '../api-dependencies.js';
import { problemResponses } from '../api-schemas.js';
import { invalidInput } from '../invalid-input.js';

const RenewalWindowBody = Type.Object(
  {
    issuerId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 63, description: 'Every certificate in force of this issuer' }),
    ),
    deviceId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "The device's certificates in force" }),
    ),
    serials: Type.Optional(
      Type.Array(Type.String({ minLength: 2, maxLength: 59 }), { minItems: 1, maxItems: 10_000 }),
    ),
    start: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
    end: Type.String({ format: 'date-time' }),
    explanationUrl: Type.Optional(Type.String({ pattern: '^https?://\\S+$', maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const RenewalWindowResult = Type.Object({
  certificates: Type.Integer({ description: 'How many certificates got the window' }),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
});

function dateOf(text: string, pointer: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw invalidInput('body', pointer, 'is not a date-time');
  return date;
}

/**
 * RFC 9773: pull the suggested renewal window of certificates forward (admin), e.g. for an intermediate being
 * retired. ACME clients and the device agent see it at their next renewalInfo check.
 */
export const renewalWindowRoutes: ApiRoutes = (app, deps) => {
  app.post<{ Body: Static<typeof RenewalWindowBody> }>(
    '/renewal-windows',
    {
      schema: {
        tags: ['Certificates'],
        summary: 'Set the RFC 9773 renewal window of certificates in force (admin)',
        body: RenewalWindowBody,
        response: { 200: RenewalWindowResult, ...problemResponses(400, 404, 413, 415, 422) },
      },
    },
    async (request) => {
      const operator = operatorOf(request);
      const { body } = request;
      const issuerId = body.issuerId === undefined ? undefined : toIssuerId(body.issuerId);
      if (body.issuerId !== undefined && issuerId === undefined)
        throw invalidInput('body', '/issuerId', 'is not an issuer id');
      const deviceId = body.deviceId === undefined ? undefined : toDeviceId(body.deviceId);
      if (body.deviceId !== undefined && deviceId === undefined)
        throw invalidInput('body', '/deviceId', 'is not a device id');
      const serials = body.serials?.map((text, index): SerialHex => {
        const serial = toSerialHex(text);
        if (serial === undefined) throw invalidInput('body', `/serials/${index}`, 'is not a hex serial');
        return serial;
      });
      const result = await deps.renewalWindows.pullForward(
        credentialOf(operator),
        {
          ...(issuerId === undefined ? {} : { issuerId }),
          ...(deviceId === undefined ? {} : { deviceId }),
          ...(serials === undefined ? {} : { serials }),
        },
        {
          start: body.start === undefined ? deps.clock.now() : dateOf(body.start, '/start'),
          end: dateOf(body.end, '/end'),
          explanationUrl: body.explanationUrl ?? null,
        },
      );
      request.log.info({ actor: actorOf(operator), certificates: result.certificates }, 'renewal window set');
      return {
        certificates: result.certificates,
        start: result.start.toISOString(),
        end: result.end.toISOString(),
      };
    },
  );
};
