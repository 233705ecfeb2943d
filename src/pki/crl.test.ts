import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertParserOnlyRaisesPkiErrors } from '../../test/helpers/fuzz.js';
import { makeTestCrl, makeTestHierarchy, SAMPLE_REVOCATIONS } from '../../test/helpers/pki-fixtures.js';
import { PkiError } from '../core/pki-error.js';
import { parseCrl } from './crl.js';
import { keyIdentifierOf } from './extensions.js';
import { encodePem } from './pem.js';

test('a CRL round-trips: number, authority key id, entries with reasons and invalidity dates', () => {
  const { intermediate } = makeTestHierarchy();
  const crl = parseCrl(encodePem('X509 CRL', makeTestCrl(intermediate, SAMPLE_REVOCATIONS)));
  assert.equal(crl.crlNumber, 42);
  assert.deepEqual(crl.entries, SAMPLE_REVOCATIONS);
  assert.deepEqual(crl.authorityKeyId, keyIdentifierOf(intermediate.key.spki));
  assert.deepEqual(crl.issuerDer, intermediate.cert.subjectDer);
  assert.equal(crl.nextUpdate?.toISOString(), '2036-03-05T00:00:00.000Z');
});

test('malformed CRLs raise PkiError', () => {
  for (const input of ['', 'junk', new Uint8Array([0x30, 0x01, 0x00])])
    assert.throws(() => parseCrl(input), PkiError);
  assertParserOnlyRaisesPkiErrors(
    makeTestCrl(makeTestHierarchy().intermediate, SAMPLE_REVOCATIONS),
    parseCrl,
    2000,
  );
});
