import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestCertificate, makeTestHierarchy } from '../../../test/helpers/pki-fixtures.js';
import { encodeDer } from '../der.js';
import { OID } from '../oids.js';
import { ocspNoCheckExtension } from './ocsp-signing.js';

test('id-pkix-ocsp-nocheck is non-critical with a NULL value (RFC 6960 §4.2.2.2.1)', () => {
  assert.equal(
    Buffer.from(encodeDer(ocspNoCheckExtension())).toString('hex'),
    '300f06092b060105050730010504020500',
  );
});

test('a delegated responder certificate carries it with the OCSPSigning extended key usage', () => {
  const { intermediate } = makeTestHierarchy();
  const responder = makeTestCertificate({
    subject: 'OCSP Responder',
    issuer: intermediate,
    extendedKeyUsage: [OID.ocspSigning],
    extraExtensions: [ocspNoCheckExtension()],
  });
  assert.deepEqual(responder.cert.extensions.extKeyUsage?.purposes, [OID.ocspSigning]);
  assert.deepEqual(
    responder.cert.extensions.present.find((e) => e.oid === OID.ocspNoCheck),
    { oid: OID.ocspNoCheck, critical: false },
  );
});
