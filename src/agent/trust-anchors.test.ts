import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestCertificate, type TestCredential } from '../../test/helpers/pki-fixtures.js';
import { isPkiError } from '../core/pki-error.js';
import { generateKeyPair } from '../pki/algorithms/key-algorithm.js';
import { isSelfSigned, pinnedRoot, reviewCaCertificates } from './trust-anchors.js';

const at = new Date('2030-01-01T00:00:00Z');

/** RFC 7030 §4.1.3: the new root, self-signed, and the same name and key certified by the old root. */
function rollover(oldRoot: TestCredential, subject = 'Root G2') {
  const newKey = generateKeyPair('ec-p256');
  const newWithNew = makeTestCertificate({ subject, key: newKey, ca: true });
  const newWithOld = makeTestCertificate({ subject, key: newKey, ca: true, issuer: oldRoot });
  return { newWithNew, newWithOld };
}

describe('trust anchor rollover (RFC 7030 §4.1.3)', () => {
  const oldRoot = makeTestCertificate({ subject: 'Root G1', ca: true });
  const issuing = makeTestCertificate({ subject: 'Issuing CA', ca: true, pathLength: 0, issuer: oldRoot });

  test('NewWithNew is accepted when a NewWithOld with its subject and key verifies under the anchor', () => {
    const { newWithNew, newWithOld } = rollover(oldRoot);
    const review = reviewCaCertificates(
      [oldRoot.cert],
      [issuing.cert, newWithOld.cert, newWithNew.cert, oldRoot.cert],
      at,
    );
    assert.deepEqual(
      review.anchorsToAdd.map((c) => c.fingerprintSha256),
      [newWithNew.cert.fingerprintSha256],
    );
    assert.deepEqual(review.ignoredRoots, []);
    assert.deepEqual(
      review.intermediates.map((c) => c.subjectText),
      ['CN=Issuing CA', 'CN=Root G2'],
    );
  });

  test('a rollover that keeps the root name (NewWithOld is self-issued but not self-signed) is accepted', () => {
    const { newWithNew, newWithOld } = rollover(oldRoot, 'Root G1');
    assert.equal(newWithOld.cert.selfIssued, true);
    assert.equal(isSelfSigned(newWithOld.cert), false);
    const review = reviewCaCertificates([oldRoot.cert], [newWithOld.cert, newWithNew.cert], at);
    assert.equal(review.anchorsToAdd.length, 1);
    assert.equal(review.anchorsToAdd[0]?.fingerprintSha256, newWithNew.cert.fingerprintSha256);
  });

  test('refused: an unrelated root, a link from another root, a link for another key, an expired link', () => {
    const stranger = makeTestCertificate({ subject: 'Root G2', ca: true });
    const otherRoot = makeTestCertificate({ subject: 'Other Root', ca: true });
    const { newWithNew, newWithOld } = rollover(oldRoot);
    const linkFromStranger = rollover(otherRoot);
    const linkForOtherKey = makeTestCertificate({ subject: 'Root G2', ca: true, issuer: oldRoot });
    const expiredLink = makeTestCertificate({
      subject: 'Root G2',
      key: newWithNew.key,
      ca: true,
      issuer: oldRoot,
      notAfter: new Date('2029-01-01T00:00:00Z'),
    });
    const cases: Array<[string, TestCredential[]]> = [
      ['an unrelated root alone', [stranger]],
      ['NewWithNew without NewWithOld', [newWithNew]],
      [
        'a NewWithOld signed by a root we do not trust',
        [linkFromStranger.newWithNew, linkFromStranger.newWithOld],
      ],
      ['a NewWithOld for another key', [newWithNew, linkForOtherKey]],
      ['an expired NewWithOld', [newWithNew, expiredLink]],
    ];
    for (const [name, offered] of cases) {
      const review = reviewCaCertificates(
        [oldRoot.cert],
        offered.map((c) => c.cert),
        at,
      );
      assert.deepEqual(review.anchorsToAdd, [], name);
      assert.equal(review.ignoredRoots.length, 1, name);
    }
    // The proper pair is still accepted next to the noise.
    const mixed = reviewCaCertificates([oldRoot.cert], [stranger.cert, newWithOld.cert, newWithNew.cert], at);
    assert.deepEqual(
      mixed.anchorsToAdd.map((c) => c.fingerprintSha256),
      [newWithNew.cert.fingerprintSha256],
    );
    assert.deepEqual(
      mixed.ignoredRoots.map((c) => c.fingerprintSha256),
      [stranger.cert.fingerprintSha256],
    );
  });

  test('a known anchor is neither added again nor reported', () => {
    const review = reviewCaCertificates([oldRoot.cert], [issuing.cert, oldRoot.cert], at);
    assert.deepEqual(review.anchorsToAdd, []);
    assert.deepEqual(review.ignoredRoots, []);
  });
});

describe('bootstrap by pinned fingerprint', () => {
  const root = makeTestCertificate({ subject: 'Root G1', ca: true });
  const issuing = makeTestCertificate({ subject: 'Issuing CA', ca: true, pathLength: 0, issuer: root });

  test('picks the root whose SHA-256 matches, in any hex spelling', () => {
    const colons = root.cert.fingerprintSha256.toUpperCase().replace(/(..)(?!$)/g, '$1:');
    assert.equal(pinnedRoot([issuing.cert, root.cert], colons), root.cert);
  });

  test('refuses an answer without the pinned root, or a pin on a certificate that is not a root', () => {
    const other = makeTestCertificate({ subject: 'Root G1', ca: true });
    assert.throws(
      () => pinnedRoot([issuing.cert, other.cert], root.cert.fingerprintSha256),
      (e) => isPkiError(e, 'UNTRUSTED'),
    );
    assert.throws(
      () => pinnedRoot([issuing.cert, root.cert], issuing.cert.fingerprintSha256),
      (e) => isPkiError(e, 'UNTRUSTED'),
    );
  });
});
