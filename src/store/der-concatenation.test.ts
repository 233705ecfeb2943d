import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatDer, splitDer } from './der-concatenation.js';

const short = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x05);
const long = new Uint8Array([0x30, 0x82, 0x01, 0x00, ...new Uint8Array(256).fill(7)]);

test('splitDer returns what concatDer joined, short and long lengths alike', () => {
  const joined = concatDer([short, long, short]);
  assert.equal(joined.length, short.length * 2 + long.length);
  assert.deepEqual(splitDer(joined), [short, long, short]);
  assert.deepEqual(splitDer(new Uint8Array(0)), []);
});

test('bytes that do not frame as DER come back as one last item, not lost', () => {
  const truncated = long.subarray(0, 100);
  assert.deepEqual(splitDer(concatDer([short, truncated])), [short, truncated]);
  const multiByteTag = Uint8Array.of(0x1f, 0x81, 0x01, 0x00);
  assert.deepEqual(splitDer(multiByteTag), [multiByteTag]);
  const hugeLength = Uint8Array.of(0x30, 0x85, 1, 2, 3, 4, 5);
  assert.deepEqual(splitDer(hugeLength), [hugeLength]);
});
