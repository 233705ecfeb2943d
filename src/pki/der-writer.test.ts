import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Time } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import {
  derLength,
  derTime,
  derUnsignedInteger,
  DerWriter,
  TAG,
  timeSize,
  tlv,
  tlvSize,
  unsignedIntegerSize,
} from './der-writer.js';
import { encodeDer } from './der.js';

test('derTime matches the schema Time encoding across the UTCTime/GeneralizedTime switch', () => {
  fc.assert(
    fc.property(
      fc.date({
        min: new Date('1950-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      (date) => {
        assert.deepEqual(derTime(date), encodeDer(new Time(date)));
      },
    ),
    { numRuns: 2000 },
  );
  assert.equal(derTime(new Date('2049-12-31T23:59:59Z'))[0], TAG.utcTime);
  assert.equal(derTime(new Date('2050-01-01T00:00:00Z'))[0], TAG.generalizedTime);
});

test('derUnsignedInteger matches asn1js for any magnitude', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
      const value = BigInt('0x' + Buffer.from(bytes).toString('hex'));
      assert.deepEqual(derUnsignedInteger(bytes), new Uint8Array(asn1js.Integer.fromBigInt(value).toBER()));
    }),
    { numRuns: 2000 },
  );
});

test('derLength uses the shortest form at every boundary', () => {
  const cases: Array<[number, number[]]> = [
    [0, [0]],
    [127, [0x7f]],
    [128, [0x81, 0x80]],
    [255, [0x81, 0xff]],
    [256, [0x82, 0x01, 0x00]],
    [65535, [0x82, 0xff, 0xff]],
    [65536, [0x83, 0x01, 0x00, 0x00]],
  ];
  for (const [length, bytes] of cases) assert.deepEqual([...derLength(length)], bytes, String(length));
  const big = new Uint8Array(70000);
  const encoded = tlv(TAG.octetString, big);
  assert.deepEqual(encoded, new Uint8Array(new asn1js.OctetString({ valueHex: big }).toBER()));
});

test('DerWriter writes times, integers and lengths exactly as the schema-checked helpers do', () => {
  fc.assert(
    fc.property(
      fc.date({
        min: new Date('1950-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      fc.uint8Array({ minLength: 1, maxLength: 24 }),
      fc.uint8Array({ maxLength: 300 }),
      (date, magnitude, blob) => {
        const expected = tlv(
          TAG.sequence,
          derTime(date),
          derUnsignedInteger(magnitude),
          tlv(TAG.octetString, blob),
        );
        const content = timeSize(date) + unsignedIntegerSize(magnitude) + tlvSize(blob.length);
        const written = new DerWriter(tlvSize(content))
          .header(TAG.sequence, content)
          .time(date)
          .unsignedInteger(magnitude)
          .header(TAG.octetString, blob.length)
          .bytes(blob)
          .finish();
        assert.deepEqual(written, expected);
      },
    ),
    { numRuns: 2000 },
  );
  assert.throws(() => new DerWriter(3).header(TAG.sequence, 0).finish(), RangeError);
});
