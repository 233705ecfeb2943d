import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPkiError } from '../../../core/pki-error.js';
import { hexToBytes } from '../../../pki/der.js';
import { keyIdentifierOf } from '../../../pki/extensions.js';
import { makeTestCertificate } from '../../../../test/helpers/pki-fixtures.js';
import { isAcmeProblem } from './acme-problem.js';
import { ariCertId, formatAriCertId, parseAriCertId } from './ari-cert-id.js';

/** RFC 9773 Appendix A: the example end-entity certificate (AKI 69:88:…:D4, serial 00:87:65:43:21). */
const RFC9773_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt
cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS
BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu
7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf
qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B
yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb
+FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK
-----END CERTIFICATE-----`;
const RFC9773_AKI = hexToBytes('69885b6b87464041e1b37b847ba0ae2cde01c8d4');
const RFC9773_SERIAL = hexToBytes('0087654321');
const RFC9773_CERT_ID = 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE';

test('RFC 9773 §4.1: the example parts and the example certificate give the example certID', () => {
  assert.equal(formatAriCertId({ keyIdentifier: RFC9773_AKI, serial: RFC9773_SERIAL }), RFC9773_CERT_ID);
  assert.equal(ariCertId(RFC9773_CERTIFICATE), RFC9773_CERT_ID);
  const parsed = parseAriCertId(RFC9773_CERT_ID);
  assert.deepEqual(parsed.keyIdentifier, RFC9773_AKI);
  assert.deepEqual(parsed.serial, RFC9773_SERIAL);
});

test('a certificate made here: AKI of its issuer key, serial as DER INTEGER content', () => {
  const issuer = makeTestCertificate({ subject: 'ARI Test CA', ca: true });
  const leaf = makeTestCertificate({ subject: 'device-ari', issuer });
  const certId = ariCertId(leaf.cert.der);
  const { keyIdentifier, serial } = parseAriCertId(certId);
  assert.deepEqual(keyIdentifier, keyIdentifierOf(issuer.key.spki));
  // randomSerial's top bit is clear, so the content octets are the magnitude itself (no sign octet).
  assert.equal(Buffer.from(serial).toString('hex'), leaf.cert.serial);
  assert.ok(!certId.includes('='));
  assert.notEqual(ariCertId(issuer.cert.der), certId);
});

test('a certificate without an AKI keyIdentifier cannot be named', () => {
  const bare = makeTestCertificate({ subject: 'no-aki' });
  const withoutAki = Buffer.from(bare.cert.der);
  // Hide the AKI extension's OID (2.5.29.35 → 2.5.29.99) so the certificate still decodes but has no AKI.
  const akiOid = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]);
  const at = withoutAki.indexOf(akiOid);
  assert.ok(at > 0);
  withoutAki[at + 4] = 0x63;
  assert.throws(
    () => ariCertId(new Uint8Array(withoutAki)),
    (error: unknown) => isPkiError(error, 'MALFORMED_INPUT'),
  );
});

test('non-canonical or impossible certIDs are malformed', () => {
  for (const text of [
    '',
    'aYhba4dGQEHhs3uEe6CuLN4ByNQ',
    'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE.AA',
    'aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE',
    'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE=',
    'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdl+yE',
    '.AIdlQyE',
    'aYhba4dGQEHhs3uEe6CuLN4ByNQ.',
    'aYhba4dGQEHhs3uEe6CuLN4ByNQ.h2VDIQ', // 87:65:43:21 without its sign octet: negative
    'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AAFl', // 00:01:65: a leading zero that is not needed
    `${'A'.repeat(100)}.AIdlQyE`,
  ]) {
    assert.throws(
      () => parseAriCertId(text),
      (error: unknown) => isAcmeProblem(error, 'malformed'),
      text,
    );
  }
});
