import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestCertificate, makeTestHierarchy } from '../../test/helpers/pki-fixtures.js';
import { isPkiError } from '../core/pki-error.js';
import { TrustStore } from './chain.js';

const now = new Date('2030-01-01T00:00:00Z');

test('a leaf chains through its intermediate to the anchor', () => {
  const { root, intermediate, leaf } = makeTestHierarchy();
  const path = new TrustStore([root.cert]).validate(leaf.cert, [intermediate.cert], now);
  assert.deepEqual(
    path.certificates.map((c) => c.subjectText),
    ['CN=device-1', 'CN=Test Issuing CA', 'CN=Test Root'],
  );
});

test('refusals: unknown anchor, missing intermediate, expired, not a CA, path length', () => {
  const { root, intermediate, leaf } = makeTestHierarchy();
  const other = makeTestHierarchy();
  const trust = new TrustStore([root.cert]);
  assert.throws(
    () => new TrustStore([other.root.cert]).validate(leaf.cert, [intermediate.cert], now),
    (e) => isPkiError(e, 'UNTRUSTED'),
  );
  assert.throws(
    () => trust.validate(leaf.cert, [], now),
    (e) => isPkiError(e, 'UNTRUSTED'),
  );
  assert.throws(
    () => trust.validate(leaf.cert, [intermediate.cert], new Date('2050-01-01T00:00:00Z')),
    (e) => isPkiError(e, 'CERT_EXPIRED'),
  );
  assert.throws(
    () => trust.validate(leaf.cert, [intermediate.cert], new Date('2020-01-01T00:00:00Z')),
    (e) => isPkiError(e, 'CERT_EXPIRED'),
  );

  // A certificate that claims the intermediate's name but was signed by another key.
  const impostor = makeTestCertificate({
    subject: 'device-1',
    issuer: { key: other.intermediate.key, cert: intermediate.cert },
  });
  assert.throws(
    () => trust.validate(impostor.cert, [intermediate.cert], now),
    (e) => isPkiError(e, 'UNTRUSTED') && /does not verify/.test(e.message),
  );

  // An end-entity used as an issuer.
  const fakeCa = makeTestCertificate({ subject: 'not a ca', issuer: root });
  const underFake = makeTestCertificate({ subject: 'victim', issuer: fakeCa });
  assert.throws(
    () => trust.validate(underFake.cert, [fakeCa.cert], now),
    (e) => isPkiError(e, 'UNTRUSTED') && /not a CA/.test(e.message),
  );

  // pathLen 0 forbids a further CA below the intermediate.
  const sub = makeTestCertificate({ subject: 'sub ca', ca: true, issuer: intermediate });
  const underSub = makeTestCertificate({ subject: 'deep leaf', issuer: sub });
  assert.throws(
    () => trust.validate(underSub.cert, [sub.cert, intermediate.cert], now),
    (e) => isPkiError(e, 'UNTRUSTED') && /at most 0/.test(e.message),
  );
});
