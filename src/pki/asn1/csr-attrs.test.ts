import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsnConvert } from '@peculiar/asn1-schema';
import { OID } from '../oids.js';
import { CsrAttrs } from './csr-attrs.js';

/** RFC 7030 §4.5.2's example: two bare OIDs and two attributes, in that interleaving. */
const RFC7030_EXAMPLE = Buffer.from(
  'MEEGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBYGCSqGSIb3DQEJDjEJBgcrBgEBAQEWBggqhkjOPQQDAw==',
  'base64',
);

test('CsrAttrs reads each AttrOrOID alternative and writes the same bytes back', () => {
  const attrs = AsnConvert.parse(RFC7030_EXAMPLE, CsrAttrs);
  assert.deepEqual(
    Array.from(
      attrs,
      (item) => item.oid ?? `attribute ${item.attribute?.type} (${item.attribute?.values.length})`,
    ),
    [
      OID.challengePassword,
      `attribute ${OID.ecPublicKey} (1)`,
      `attribute ${OID.extensionRequest} (1)`,
      OID.ecdsaWithSHA384,
    ],
  );
  assert.deepEqual(Buffer.from(AsnConvert.serialize(attrs)), RFC7030_EXAMPLE);
  assert.deepEqual(Buffer.from(AsnConvert.serialize(new CsrAttrs())), Buffer.from([0x30, 0x00]));
});
