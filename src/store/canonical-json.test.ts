import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from './canonical-json.js';

test('sorts keys recursively by UTF-16 code units, without whitespace', () => {
  const cases: Array<[unknown, string]> = [
    [{ b: 1, a: { d: [3, { z: 0, y: 1 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":1,"z":0}]},"b":1}'],
    // Integer-like keys sort as strings, not in the numeric order JavaScript objects keep them in.
    [{ 10: 'x', 9: 'y', a: 'z' }, '{"10":"x","9":"y","a":"z"}'],
    [{ é: 1, z: 2, Z: 3 }, '{"Z":3,"z":2,"é":1}'],
    ['line\nbreak "quoted"', '"line\\nbreak \\"quoted\\""'],
    [[1.5, -0, 1e21, true], '[1.5,0,1e+21,true]'],
    [null, 'null'],
  ];
  for (const [value, expected] of cases) assert.equal(canonicalJson(value), expected);
});

test('follows JSON.stringify for values JSON cannot hold', () => {
  assert.equal(canonicalJson({ gone: undefined, f: () => 1, kept: 1 }), '{"kept":1}');
  assert.equal(canonicalJson([undefined, Number.NaN, Infinity]), '[null,null,null]');
  assert.equal(canonicalJson({ at: new Date(0) }), '{"at":"1970-01-01T00:00:00.000Z"}');
  assert.equal(canonicalJson(undefined), 'null');
  assert.throws(() => canonicalJson({ n: 1n }), TypeError);
});

test('is a fixed point through JSON.parse', () => {
  const values: unknown[] = [
    { z: [{ b: 1, a: 2 }], a: 'ü\u2028', n: -0, big: 123456789012345680000, tiny: 5e-324 },
    { lone: '\ud800', nested: { at: new Date(1_700_000_000_000) } },
  ];
  for (const value of values) {
    const once = canonicalJson(value);
    assert.equal(canonicalJson(JSON.parse(once)), once);
  }
});
