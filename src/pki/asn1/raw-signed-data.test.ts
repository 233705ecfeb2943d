import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EncapsulatedContentInfo } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { bytesToHex, hexToBytes, toArrayBuffer } from '../der.js';
import { OID } from '../oids.js';
import { DerValueSet } from './der-value-set.js';
import { RawSignedData } from './raw-signed-data.js';

test('RawSignedData keeps its SET elements as the exact DER read, [0] and [1] included', () => {
  const element = hexToBytes('3003020105');
  const der = AsnConvert.serialize(
    new RawSignedData({
      version: 1,
      encapContentInfo: new EncapsulatedContentInfo({ eContentType: OID.data }),
      certificates: new DerValueSet([toArrayBuffer(element)]),
      crls: new DerValueSet([toArrayBuffer(element)]),
    }),
  );
  assert.equal(
    bytesToHex(new Uint8Array(der)),
    '3022020101310030' + '0b06092a864886f70d010701' + 'a0053003020105' + 'a1053003020105' + '3100',
  );
  const read = AsnConvert.parse(der, RawSignedData);
  assert.deepEqual(new Uint8Array(read.certificates?.[0] ?? new ArrayBuffer(0)), element);
  assert.deepEqual(new Uint8Array(read.crls?.[0] ?? new ArrayBuffer(0)), element);
  assert.equal(read.signerInfos.length, 0);
  assert.deepEqual(new Uint8Array(AsnConvert.serialize(read)), new Uint8Array(der));
});
