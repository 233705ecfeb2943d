import Type, { type Static } from 'typebox';
import { encodePem } from '../pki/pem.js';
import {
  type EndpointObservation,
  type ObservationOutcome,
  type ObservationSummary,
  PROBE_ERROR_KINDS,
} from '../store/observation-log.js';
import { Instant, literalUnion, nullable } from './api-schemas.js';

const OUTCOMES: readonly ObservationOutcome[] = ['ok', ...PROBE_ERROR_KINDS];

const LeafSchema = Type.Object(
  {
    serial: Type.String(),
    issuer: Type.String({ description: 'RFC 4514' }),
    subject: Type.String({ description: 'RFC 4514' }),
    sans: Type.Array(Type.String(), { description: 'dns:…, ip:…, uri:…' }),
    notBefore: Instant,
    notAfter: Instant,
    fingerprintSha256: Type.String(),
    keyAlgorithm: Type.String({ description: 'ec-p256, rsa-2048, ed25519…' }),
  },
  { description: 'The certificate the endpoint presented' },
);

const LinkedSchema = Type.Object(
  { issuerId: Type.String(), serial: Type.String(), deviceId: nullable(Type.String()) },
  { description: 'The certificate of ours the leaf is (same issuer, serial and fingerprint); null: none' },
);

/** The fields of every observation; the detail adds the chain. */
const OBSERVATION_FIELDS = {
  id: Type.Integer(),
  endpointId: Type.Integer(),
  observedAt: Instant,
  durationMs: Type.Integer(),
  outcome: literalUnion(OUTCOMES, {
    description: 'ok: the handshake completed and the chain was judged; otherwise why the probe failed',
  }),
  errorMessage: nullable(Type.String()),
  tlsVersion: nullable(Type.String()),
  protocolResult: nullable(Type.String({ description: 'e.g. CONNACK 0 (accepted), HTTP 200' })),
  leaf: nullable(LeafSchema),
  daysLeft: nullable(Type.Integer({ description: "Whole days to the leaf's notAfter; negative: expired" })),
  chainLength: Type.Integer(),
  chainValid: nullable(Type.Boolean({ description: 'Against our issuers and the extra trust anchors' })),
  chainError: nullable(Type.String()),
  chainValidSystem: nullable(Type.Boolean({ description: "Against the system's root store" })),
  chainSystemError: nullable(Type.String()),
  hostnameMatches: nullable(Type.Boolean()),
  linked: nullable(LinkedSchema),
};

/** What one probe saw, without the chain's bytes (lists, the latest view). */
export const ObservationSchema = Type.Object(OBSERVATION_FIELDS);

/** One observation with the chain as presented. */
export const ObservationDetailSchema = Type.Object({
  ...OBSERVATION_FIELDS,
  endpointName: Type.String(),
  chainPem: Type.Array(Type.String(), {
    description: 'Each certificate presented, in PEM, leaf first',
  }),
});

export type ObservationJson = Static<typeof ObservationSchema>;
export type ObservationDetailJson = Static<typeof ObservationDetailSchema>;

export function observationJson(o: ObservationSummary): ObservationJson {
  return {
    id: o.id,
    endpointId: o.endpointId,
    observedAt: o.observedAt.toISOString(),
    durationMs: o.durationMs,
    outcome: o.outcome,
    errorMessage: o.errorMessage,
    tlsVersion: o.tlsVersion,
    protocolResult: o.protocolResult,
    leaf:
      o.leaf === null
        ? null
        : {
            ...o.leaf,
            sans: [...o.leaf.sans],
            notBefore: o.leaf.notBefore.toISOString(),
            notAfter: o.leaf.notAfter.toISOString(),
          },
    daysLeft: o.daysLeft,
    chainLength: o.chainLength,
    chainValid: o.chainValid,
    chainError: o.chainError,
    chainValidSystem: o.chainValidSystem,
    chainSystemError: o.chainSystemError,
    hostnameMatches: o.hostnameMatches,
    linked: o.linked === null ? null : { ...o.linked },
  };
}

export function observationDetailJson(o: EndpointObservation, endpointName: string): ObservationDetailJson {
  const { chainDer, ...summary } = o;
  return {
    ...observationJson(summary),
    endpointName,
    chainPem: chainDer.map((der) => encodePem('CERTIFICATE', der)),
  };
}
