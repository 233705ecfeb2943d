import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { encodeDer } from '../../../pki/der.js';
import {
  acmeIdentifierExtension,
  acmeIdentifierValue,
  ID_PE_ACME_IDENTIFIER,
} from './acme-identifier-extension.js';

const KEY_AUTHZ = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';

test('acmeIdentifierValue is the DER OCTET STRING (SIZE(32)) of SHA-256(key authorization)', () => {
  const digest = createHash('sha256').update(KEY_AUTHZ).digest();
  assert.deepEqual(
    acmeIdentifierValue(KEY_AUTHZ),
    new Uint8Array(Buffer.concat([Buffer.of(0x04, 0x20), digest])),
  );
});

test('acmeIdentifierExtension is critical id-pe-acmeIdentifier wrapping that value', () => {
  const digest = createHash('sha256').update(KEY_AUTHZ).digest();
  const der = Buffer.from(encodeDer(acmeIdentifierExtension(KEY_AUTHZ)));
  // SEQUENCE { OID 1.3.6.1.5.5.7.1.31, BOOLEAN TRUE, OCTET STRING { OCTET STRING digest } }
  const expected = Buffer.concat([Buffer.from('303106082b0601050507011f0101ff04220420', 'hex'), digest]);
  assert.equal(ID_PE_ACME_IDENTIFIER, '1.3.6.1.5.5.7.1.31');
  assert.equal(der.toString('hex'), expected.toString('hex'));
});
