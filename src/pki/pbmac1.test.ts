import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { isPkiError } from '../core/pki-error.js';
import { assertParserOnlyRaisesPkiErrors } from '../../test/helpers/fuzz.js';
import { Pbkdf2Params } from './asn1/pbkdf2-params.js';
import { Pbmac1Params } from './asn1/pbmac1-params.js';
import { bytesToHex, decodeDer, encodeDer, hexToBytes, toArrayBuffer } from './der.js';
import { HMAC_ALGORITHMS } from './mac-algorithms.js';
import { OID } from './oids.js';
import {
  decodePbmac1Algorithm,
  derivePbmac1Key,
  encodePbmac1Algorithm,
  pbmac1,
  verifyPbmac1,
  type Pbmac1Settings,
} from './pbmac1.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const LIMITS = { maxIterations: 100_000 };

/** RFC 7914 §11, the PBKDF2-HMAC-SHA256 test vectors (dkLen = 64). */
const RFC7914 = [
  {
    P: 'passwd',
    S: 'salt',
    c: 1,
    DK: '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
  },
  {
    P: 'Password',
    S: 'NaCl',
    c: 80000,
    DK: '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
  },
];

function assertRefused(fn: () => unknown, code: string, rule?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isPkiError(error), String(error));
    assert.equal(error.code, code);
    if (rule !== undefined) assert.equal(error.details['rule'], rule);
    return true;
  });
}

test('KDF step: PBKDF2-HMAC-SHA256 gives the RFC 7914 §11 vectors', () => {
  for (const v of RFC7914) {
    const settings: Pbmac1Settings = {
      salt: text(v.S),
      iterationCount: v.c,
      keyLength: 64,
      prf: 'hmac-sha256',
      mac: 'hmac-sha256',
    };
    assert.equal(bytesToHex(derivePbmac1Key(text(v.P), settings)), v.DK);
  }
});

test('MAC step: hmac-sha256 is HMAC-SHA-256 of RFC 4231 §4.2 and §4.3 (test cases 1 and 2)', () => {
  const hash = HMAC_ALGORITHMS['hmac-sha256'].hash;
  const tc1 = createHmac(hash, new Uint8Array(20).fill(0x0b)).update('Hi There').digest('hex');
  assert.equal(tc1, 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  const tc2 = createHmac(hash, 'Jefe').update('what do ya want for nothing?').digest('hex');
  assert.equal(tc2, '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
});

/**
 * End to end: the key is RFC 7914's first DK; the MAC over RFC 4231 test case 2's data was computed
 * independently with `printf 'what do ya want for nothing?' | openssl mac -digest SHA256 -macopt hexkey:<DK> HMAC`.
 */
test('PBMAC1 end to end from the RFC 7914 key and RFC 4231 data', () => {
  const settings: Pbmac1Settings = {
    salt: text('salt'),
    iterationCount: 1,
    keyLength: 64,
    prf: 'hmac-sha256',
    mac: 'hmac-sha256',
  };
  const data = text('what do ya want for nothing?');
  const expected = '73011d168a8ff3ece92fe88c305b3571bf9cb1d9e9249be6c5c53f46dbde4573';
  const mac = pbmac1(text('passwd'), settings, data);
  assert.equal(bytesToHex(mac), expected);
  assert.ok(verifyPbmac1(text('passwd'), settings, data, mac));
  assert.ok(!verifyPbmac1(text('passwD'), settings, data, mac));
  assert.ok(!verifyPbmac1(text('passwd'), settings, data.subarray(1), mac));
  assert.ok(!verifyPbmac1(text('passwd'), settings, data, mac.subarray(0, 20)));
});

test('encode → decode round trip is byte-exact; keyLength defaults to the MAC size; HMAC-SHA1 PRF is the DEFAULT', () => {
  const base = { salt: hexToBytes('000102030405060708090a0b0c0d0e0f'), iterationCount: 10_000 } as const;
  for (const [prf, mac] of [
    ['hmac-sha256', 'hmac-sha256'],
    ['hmac-sha512', 'hmac-sha384'],
    ['hmac-sha1', 'hmac-sha224'],
  ] as const) {
    const alg = encodePbmac1Algorithm({ ...base, prf, mac });
    const der = encodeDer(alg);
    const decoded = decodePbmac1Algorithm(decodeDer(der, AlgorithmIdentifier, 'alg'), LIMITS);
    assert.deepEqual(decoded, { ...base, keyLength: HMAC_ALGORITHMS[mac].outputBytes, prf, mac });
    assert.deepEqual(encodeDer(encodePbmac1Algorithm(decoded)), der);
    assert.deepEqual(
      decodePbmac1Algorithm(new Uint8Array(alg.parameters ?? new ArrayBuffer(0)), LIMITS),
      decoded,
    );

    const params = decodeDer(new Uint8Array(alg.parameters ?? new ArrayBuffer(0)), Pbmac1Params, 'p');
    assert.equal(params.keyDerivationFunc.algorithm, OID.pbkdf2);
    assert.equal(params.messageAuthScheme.parameters, null);
    const kdf = decodeDer(
      new Uint8Array(params.keyDerivationFunc.parameters ?? new ArrayBuffer(0)),
      Pbkdf2Params,
      'k',
    );
    assert.equal(kdf.prf?.algorithm, prf === 'hmac-sha1' ? undefined : HMAC_ALGORITHMS[prf].oid);
  }
  const explicit = encodePbmac1Algorithm({ ...base, keyLength: 48, prf: 'hmac-sha256', mac: 'hmac-sha256' });
  assert.equal(decodePbmac1Algorithm(explicit, LIMITS).keyLength, 48);
});

function pbmac1Der(
  kdf: { [K in keyof Pbkdf2Params]?: Pbkdf2Params[K] | undefined } = {},
  mac = new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256, parameters: null }),
  kdfAlgorithm: string = OID.pbkdf2,
): Uint8Array {
  // Object.assign, not the constructor, so that `keyLength: undefined` removes the field.
  const pbkdf2 = Object.assign(
    new Pbkdf2Params({
      salt: toArrayBuffer(new Uint8Array(16)),
      iterationCount: 1000,
      keyLength: 32,
      prf: new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256, parameters: null }),
    }),
    kdf,
  );
  return encodeDer(
    new Pbmac1Params({
      keyDerivationFunc: new AlgorithmIdentifier({
        algorithm: kdfAlgorithm,
        parameters: toArrayBuffer(encodeDer(pbkdf2)),
      }),
      messageAuthScheme: mac,
    }),
  );
}

test('decodePbmac1Algorithm refuses unsupported PRF, MAC or KDF, a missing keyLength and costly or weak parameters', () => {
  assert.equal(decodePbmac1Algorithm(pbmac1Der(), LIMITS).keyLength, 32);
  const hmacMd5 = new AlgorithmIdentifier({ algorithm: '1.3.6.1.5.5.8.1.1' });
  const hmacSha3 = new AlgorithmIdentifier({ algorithm: '2.16.840.1.101.3.4.2.15' });
  assertRefused(() => decodePbmac1Algorithm(pbmac1Der({ prf: hmacMd5 }), LIMITS), 'UNSUPPORTED_ALGORITHM');
  assertRefused(() => decodePbmac1Algorithm(pbmac1Der({}, hmacSha3), LIMITS), 'UNSUPPORTED_ALGORITHM');
  const scrypt = '1.3.6.1.4.1.11591.4.11';
  assertRefused(
    () => decodePbmac1Algorithm(pbmac1Der({}, undefined, scrypt), LIMITS),
    'UNSUPPORTED_ALGORITHM',
  );
  assertRefused(() => decodePbmac1Algorithm(pbmac1Der({ keyLength: undefined }), LIMITS), 'MALFORMED_INPUT');
  assertRefused(
    () => decodePbmac1Algorithm(pbmac1Der({ iterationCount: LIMITS.maxIterations + 1 }), LIMITS),
    'POLICY_VIOLATION',
    'cmp.pbm-iterations',
  );
  assertRefused(
    () => decodePbmac1Algorithm(pbmac1Der({ iterationCount: 99 }), LIMITS),
    'POLICY_VIOLATION',
    'cmp.pbm-iterations',
  );
  for (const keyLength of [1, 15, 129]) {
    assertRefused(
      () => decodePbmac1Algorithm(pbmac1Der({ keyLength }), LIMITS),
      'POLICY_VIOLATION',
      'cmp.pbmac1-key-length',
    );
  }
  assertRefused(
    () => decodePbmac1Algorithm(pbmac1Der({ salt: new ArrayBuffer(4) }), LIMITS),
    'POLICY_VIOLATION',
    'cmp.pbm-salt',
  );
  assertRefused(
    () =>
      decodePbmac1Algorithm(
        new AlgorithmIdentifier({ algorithm: OID.passwordBasedMac, parameters: toArrayBuffer(pbmac1Der()) }),
        LIMITS,
      ),
    'UNSUPPORTED_ALGORITHM',
  );
  assertRefused(
    () => decodePbmac1Algorithm(new AlgorithmIdentifier({ algorithm: OID.pbmac1 }), LIMITS),
    'MALFORMED_INPUT',
  );
  assertRefused(
    () =>
      encodePbmac1Algorithm({
        salt: new Uint8Array(16),
        iterationCount: 1000,
        keyLength: 8,
        prf: 'hmac-sha256',
        mac: 'hmac-sha256',
      }),
    'POLICY_VIOLATION',
    'cmp.pbmac1-key-length',
  );
});

test('decoding PBMAC1 parameters from random or damaged bytes only raises PkiError', () => {
  const alg = encodePbmac1Algorithm({
    salt: new Uint8Array(16),
    iterationCount: 1000,
    prf: 'hmac-sha256',
    mac: 'hmac-sha256',
  });
  assertParserOnlyRaisesPkiErrors(new Uint8Array(alg.parameters ?? new ArrayBuffer(0)), (bytes) =>
    decodePbmac1Algorithm(bytes, LIMITS),
  );
  assertParserOnlyRaisesPkiErrors(encodeDer(alg), (bytes) =>
    decodePbmac1Algorithm(decodeDer(bytes, AlgorithmIdentifier, 'protectionAlg'), LIMITS),
  );
});
