import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Certificate, GeneralName, Name } from '@peculiar/asn1-x509';
import { makeTestHierarchy } from '../../../../test/helpers/pki-fixtures.js';
import { ID_IT } from '../../../pki/asn1/cmp/cmp-oids.js';
import { InfoTypeAndValue } from '../../../pki/asn1/cmp/info-type-and-value.js';
import { PKIHeader } from '../../../pki/asn1/cmp/pki-header.js';
import { PKIMessage } from '../../../pki/asn1/cmp/pki-message.js';
import { ProtectedPart } from '../../../pki/asn1/cmp/protected-part.js';
import { decodeDer, encodeDer, toArrayBuffer } from '../../../pki/der.js';
import { decodeName } from '../../../pki/name.js';
import { protect, protectionAlgorithm, type ResponseProtection } from '../message-protection.js';
import { macSchemeOf } from '../mac-scheme.js';
import { encodePbmAlgorithm } from '../../../pki/password-based-mac.js';
import { decodeReceivedMessage } from './received-message.js';
import { certIssuedBody, certIssuedBodySchema, errorBody } from './response-bodies.js';
import { encodeResponse, type ResponseHeader } from './response-message.js';
import { goldenVector, goldenVectorNames } from '../../../../test/helpers/golden-vectors.js';

const { root, intermediate, leaf } = makeTestHierarchy();

test('the issued-certificate body written directly is the schema encoding, byte for byte', () => {
  for (const type of ['ip', 'cp', 'kup'] as const) {
    for (const certReqId of [0, -1]) {
      for (const caPubs of [[], [root.cert.der]]) {
        assert.deepEqual(
          certIssuedBody(type, certReqId, leaf.cert.der, caPubs),
          encodeDer(certIssuedBodySchema(type, certReqId, leaf.cert.der, caPubs)),
          `${type} ${certReqId} ${caPubs.length}`,
        );
      }
    }
  }
});

function fields(): ResponseHeader {
  return {
    pvno: 2,
    sender: new GeneralName({ directoryName: decodeName(intermediate.cert.subjectDer) }),
    recipient: new GeneralName({ directoryName: new Name() }),
    messageTime: new Date('2026-11-27T12:00:00Z'),
    transactionId: new Uint8Array(randomBytes(16)),
    senderNonce: new Uint8Array(randomBytes(16)),
    recipNonce: new Uint8Array(randomBytes(16)),
    senderKid: Uint8Array.of(1, 2, 3),
    generalInfo: [
      new InfoTypeAndValue({ infoType: ID_IT.implicitConfirm, infoValue: Uint8Array.of(5, 0).buffer }),
    ],
  };
}

/** The same response through the schemas alone: PKIMessage with decoded certificates, protection over ProtectedPart. */
function schemaResponse(
  header: ResponseHeader,
  body: ReturnType<typeof certIssuedBodySchema>,
  protection: ResponseProtection,
  extraCerts: readonly Uint8Array[],
): Uint8Array {
  const pkiHeader = new PKIHeader({
    pvno: header.pvno,
    sender: header.sender,
    recipient: header.recipient,
    messageTime: header.messageTime,
    senderKID: toArrayBuffer(header.senderKid!),
    transactionID: toArrayBuffer(header.transactionId!),
    senderNonce: toArrayBuffer(header.senderNonce),
    recipNonce: toArrayBuffer(header.recipNonce!),
    generalInfo: [...header.generalInfo!],
    protectionAlg: protectionAlgorithm(protection),
  });
  const message = new PKIMessage({ header: pkiHeader, body });
  message.protection = toArrayBuffer(
    protect(protection, encodeDer(new ProtectedPart({ header: pkiHeader, body }))),
  );
  message.extraCerts = extraCerts.map((der) => decodeDer(der, Certificate, 'certificate'));
  return encodeDer(message);
}

test('a response assembled from DER parts is the schema encoding, signed and MAC-protected', () => {
  const header = fields();
  const extraCerts = [intermediate.cert.der, root.cert.der];
  const signature: ResponseProtection = {
    kind: 'signature',
    credential: {
      certificate: {
        der: intermediate.cert.der,
        chain: [root.cert.der],
        notBefore: new Date(0),
        notAfter: new Date(0),
      },
      key: intermediate.key,
      signatureAlgorithm: { ...signatureOf(), sign: (_key, data) => data.subarray(0, 8) },
    },
  };
  const scheme = macSchemeOf(
    encodePbmAlgorithm({
      salt: new Uint8Array(16).fill(1),
      owf: 'sha256',
      iterationCount: 500,
      mac: 'hmac-sha1',
    }),
    10_000,
  )!;
  const mac: ResponseProtection = { kind: 'mac', secret: Uint8Array.of(1, 2), scheme, reference: 'tok_1' };
  for (const protection of [signature, mac]) {
    const direct = encodeResponse(header, certIssuedBody('ip', 0, leaf.cert.der), protection, extraCerts);
    const viaSchema = schemaResponse(
      header,
      certIssuedBodySchema('ip', 0, leaf.cert.der),
      protection,
      extraCerts,
    );
    assert.deepEqual(direct, viaSchema);
  }
  // A body given as schema objects comes out the same as its DER.
  const error = errorBody('badPOP', 'no');
  assert.deepEqual(encodeResponse(header, error, mac, []), encodeResponse(header, encodeDer(error), mac, []));
});

function signatureOf() {
  return {
    name: 'ecdsa-with-SHA256' as const,
    oid: '1.2.840.10045.4.3.2',
    identifierDer: Uint8Array.of(0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02),
    keyAlgorithms: ['ec-p256' as const],
    signAsync: () => Promise.resolve(new Uint8Array()),
    verify: () => true,
  };
}

test('a received message reads as PKIMessage does, with extraCerts as the bytes sent', () => {
  const files = goldenVectorNames('cmp', '.der');
  assert.ok(files.length > 10);
  for (const name of files) {
    const der = goldenVector('cmp', name);
    const received = decodeReceivedMessage(der);
    const full = decodeDer(der, PKIMessage, name);
    assert.deepEqual(encodeDer(received.message.header), encodeDer(full.header), name);
    assert.deepEqual(encodeDer(received.message.body), encodeDer(full.body), name);
    assert.deepEqual(received.message.protection, full.protection, name);
    assert.deepEqual(
      received.extraCerts,
      (full.extraCerts ?? []).map((c) => encodeDer(c)),
      name,
    );
  }
});
