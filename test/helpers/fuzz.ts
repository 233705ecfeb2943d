import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PkiError } from '../../src/core/pki-error.js';

/** Random bytes, single-byte mutations of `valid` and its truncations: what a decoder must survive. */
export function mutationsOf(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const mutated = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
    const copy = new Uint8Array(valid);
    copy[i] = (copy[i] ?? 0) ^ x;
    return copy;
  });
  return fc.oneof(
    mutated,
    fc.uint8Array({ maxLength: valid.length + 200 }),
    fc.nat(valid.length).map((n) => valid.subarray(0, n)),
  );
}

/**
 * Feeds `parse` random bytes, single-byte mutations of a valid encoding and its truncations, and checks that it
 * either succeeds or throws a PkiError: never a library exception, never a crash.
 */
export function assertParserOnlyRaisesPkiErrors(
  valid: Uint8Array,
  parse: (input: Uint8Array) => unknown,
  numRuns = 5000,
): void {
  const input = mutationsOf(valid);
  fc.assert(
    fc.property(input, (bytes) => {
      try {
        parse(bytes);
      } catch (error) {
        assert.ok(error instanceof PkiError, `non-PkiError thrown: ${String(error)}`);
      }
    }),
    { numRuns },
  );
}
