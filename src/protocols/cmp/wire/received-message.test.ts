import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertParserOnlyRaisesPkiErrors } from '../../../../test/helpers/fuzz.js';
import { PKIMessage } from '../../../pki/asn1/cmp/pki-message.js';
import {
  bytesEqual,
  bytesToHex,
  decodeDer,
  decodeDerWithTree,
  encodeDer,
  rawChild,
} from '../../../pki/der.js';
import { TAG, tlv } from '../../../pki/der-writer.js';
import { decodeReceivedMessage } from './received-message.js';
import { goldenVector } from '../../../../test/helpers/golden-vectors.js';

// Real requests and answers written by OpenSSL 3.0 (test/fixtures/cmp/README.md).
const fixture = (name: string): Uint8Array => goldenVector('cmp', name);

test('extraCerts are found after the body, also when the body is an ip ([1] like extraCerts)', () => {
  for (const name of ['ir-sig.der', 'ir-mac-ip.der', 'ir-sig-ip.der', 'kur.der', 'kur-kup.der']) {
    const der = fixture(name);
    const expected = (decodeDer(der, PKIMessage, name).extraCerts ?? []).map((c) => bytesToHex(encodeDer(c)));
    assert.deepEqual(decodeReceivedMessage(der).extraCerts.map(bytesToHex), expected, name);
  }
  // ir-sig-ip.der has an ip body and no extraCerts: the body must not be taken for them.
  assert.equal(decodeReceivedMessage(fixture('ir-sig-ip.der')).extraCerts.length, 0);
});

test('protectedPart is SEQUENCE { header, body } from the bytes received', () => {
  const der = fixture('ir-mac.der');
  const received = decodeReceivedMessage(der);
  const { tree } = decodeDerWithTree(der, PKIMessage, 'PKIMessage');
  const expected = tlv(TAG.sequence, rawChild(tree, [0], 'header'), rawChild(tree, [1], 'body'));
  assert.ok(bytesEqual(received.protectedPart, expected), 'bytesEqual(received.protectedPart, expected)');
  assert.equal(received.bodyType, 'ir');
});

// Mutated, truncated and random bytes: only PkiError, never a library exception (a few hundred runs per message).
for (const name of [
  'ir-sig.der',
  'ir-mac.der',
  'p10cr.der',
  'kur.der',
  'rr.der',
  'genm.der',
  'ir-mac-certconf.der',
]) {
  test(`decodeReceivedMessage only raises PkiError on mutations of ${name}`, () => {
    assertParserOnlyRaisesPkiErrors(fixture(name), decodeReceivedMessage, 400);
  });
}
