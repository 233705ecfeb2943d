import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomSerial, serialToHex } from './serial.js';

test('serials are 16 bytes, positive, DER-minimal, time-ordered by millisecond, with 80 random bits', () => {
  const at = new Date('2026-11-27T12:00:00.123Z');
  const serials = Array.from({ length: 2000 }, () => randomSerial(at));
  for (const s of serials) {
    assert.equal(s.length, 16);
    assert.equal((s[0] ?? 0) & 0xc0, 0x40, 'top bit clear (positive), next bit set (no leading zero octet)');
  }
  assert.equal(new Set(serials.map((s) => serialToHex(s))).size, serials.length, 'no repeats');
  // Every random octet position takes many values: the random part is really random.
  for (let i = 6; i < 16; i++) assert.ok(new Set(serials.map((s) => s[i])).size > 200, `octet ${i}`);
  const prefix = (s: Uint8Array) => serialToHex(s).slice(0, 12);
  assert.equal(new Set(serials.map(prefix)).size, 1, 'one millisecond, one prefix');
  assert.ok(
    prefix(randomSerial(new Date(at.getTime() + 1))) > prefix(serials[0]!),
    'later serials sort after',
  );
});

test('serialToHex drops leading zero octets', () => {
  assert.equal(serialToHex(Uint8Array.of(0, 0, 0x8f, 1)), '8f01');
  assert.equal(serialToHex(Uint8Array.of(0)), '00');
});
