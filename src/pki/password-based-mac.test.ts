import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { isPkiError } from '../core/pki-error.js';
import { assertParserOnlyRaisesPkiErrors } from '../../test/helpers/fuzz.js';
import { PBMParameter } from './asn1/cmp/pbm-parameter.js';
import { bytesToHex, decodeDer, encodeDer, hexToBytes, toArrayBuffer } from './der.js';
import { tlv } from './der-writer.js';
import { HMAC_ALGORITHMS, OWF_ALGORITHMS } from './mac-algorithms.js';
import { OID } from './oids.js';
import {
  decodePbmParameter,
  derivePbmKey,
  encodePbmAlgorithm,
  passwordBasedMac,
  verifyPasswordBasedMac,
  type PbmSettings,
} from './password-based-mac.js';
import { goldenVector } from '../../test/helpers/golden-vectors.js';

const SHARED_SECRET = new TextEncoder().encode('shared-secret');
const LIMITS = { maxIterations: 10_000 };

interface CapturedMessage {
  readonly protectionAlg: AlgorithmIdentifier;
  readonly protectionAlgDer: Uint8Array;
  readonly protectedPart: Uint8Array;
  readonly protection: Uint8Array;
}

/**
 * Takes a PKIMessage apart with asn1js alone (the CMP schemas are someone else's file): ProtectedPart is
 * SEQUENCE { header, body } rebuilt from the exact bytes of the message's first two fields (RFC 9810 §5.1.3).
 */
function captured(name: string): CapturedMessage {
  const der = goldenVector('cmp-mac', name);
  const { result, offset } = asn1js.fromBER(der);
  assert.equal(offset, der.length);
  const [header, body, protection] = (result as asn1js.Sequence).valueBlock.value;
  assert.ok(header && body && protection);
  const alg = (header as asn1js.Sequence).valueBlock.value.find(
    (field) => field.idBlock.tagClass === 3 && field.idBlock.tagNumber === 1,
  ) as asn1js.Constructed | undefined;
  const algNode = alg?.valueBlock.value[0];
  assert.ok(algNode, 'protectionAlg [1]');
  const protectionAlgDer = new Uint8Array(algNode.valueBeforeDecodeView);
  const bits = (protection as asn1js.Constructed).valueBlock.value[0] as asn1js.BitString;
  assert.equal(bits.valueBlock.unusedBits, 0);
  return {
    protectionAlg: decodeDer(protectionAlgDer, AlgorithmIdentifier, 'protectionAlg'),
    protectionAlgDer,
    protectedPart: tlv(
      0x30,
      new Uint8Array(header.valueBeforeDecodeView),
      new Uint8Array(body.valueBeforeDecodeView),
    ),
    protection: new Uint8Array(bits.valueBlock.valueHexView),
  };
}

function pbmParameterDer(overrides: Partial<PBMParameter> = {}): Uint8Array {
  return encodeDer(
    new PBMParameter({
      salt: toArrayBuffer(hexToBytes('0001020304050607')),
      owf: new AlgorithmIdentifier({ algorithm: OID.sha256 }),
      iterationCount: 500,
      mac: new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256 }),
      ...overrides,
    }),
  );
}

function assertRefused(fn: () => unknown, code: string, rule?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isPkiError(error), String(error));
    assert.equal(error.code, code);
    if (rule !== undefined) assert.equal(error.details['rule'], rule);
    return true;
  });
}

for (const name of [
  'pbm-default.req.der',
  'pbm-default.rsp.der',
  'pbm-sha1-hmac-sha256.req.der',
  'pbm-sha512-hmac-sha256.req.der',
]) {
  test(`PasswordBasedMac recomputes OpenSSL's protection of ${name}`, () => {
    const message = captured(name);
    const settings = decodePbmParameter(message.protectionAlg, LIMITS);
    assert.deepEqual(passwordBasedMac(SHARED_SECRET, settings, message.protectedPart), message.protection);
    assert.ok(verifyPasswordBasedMac(SHARED_SECRET, settings, message.protectedPart, message.protection));
    const wrongSecret = new TextEncoder().encode('shared-secreT');
    assert.ok(!verifyPasswordBasedMac(wrongSecret, settings, message.protectedPart, message.protection));
    assert.ok(
      !verifyPasswordBasedMac(SHARED_SECRET, settings, message.protectedPart.subarray(1), message.protection),
    );
    assert.ok(
      !verifyPasswordBasedMac(SHARED_SECRET, settings, message.protectedPart, message.protection.subarray(1)),
    );
    // Our encoding of what we decoded is OpenSSL's, byte for byte.
    assert.deepEqual(encodeDer(encodePbmAlgorithm(settings)), message.protectionAlgDer);
  });
}

test("OpenSSL 3.0's defaults: owf SHA-256, 500 iterations, HMAC-SHA1 (IPsec arc OID), 16-byte salt", () => {
  for (const name of ['pbm-default.req.der', 'pbm-default.rsp.der']) {
    const message = captured(name);
    const settings = decodePbmParameter(message.protectionAlg, LIMITS);
    assert.equal(settings.owf, 'sha256');
    assert.equal(settings.iterationCount, 500);
    assert.equal(settings.mac, 'hmac-sha1');
    assert.equal(settings.salt.length, 16);
    const params = decodeDer(
      new Uint8Array(message.protectionAlg.parameters ?? new ArrayBuffer(0)),
      PBMParameter,
      'p',
    );
    assert.equal(params.mac.algorithm, OID.hmacSha1);
  }
});

test('OpenSSL keys HMAC with the whole BASEKEY: cutting (K < H) or expanding (K > H) it would not verify', () => {
  for (const name of [
    'pbm-default.req.der',
    'pbm-sha1-hmac-sha256.req.der',
    'pbm-sha512-hmac-sha256.req.der',
  ]) {
    const message = captured(name);
    const settings = decodePbmParameter(message.protectionAlg, LIMITS);
    const { hash, outputBytes } = HMAC_ALGORITHMS[settings.mac];
    assert.notEqual(outputBytes, OWF_ALGORITHMS[settings.owf].outputBytes);
    const sizedKey = derivePbmKey(SHARED_SECRET, settings, outputBytes);
    const sizedMac = createHmac(hash, sizedKey).update(message.protectedPart).digest();
    assert.notDeepEqual(new Uint8Array(sizedMac), message.protection);
  }
});

/**
 * Computed independently with a shell pipeline, not with this code:
 *   printf 'secret' > k; printf '\x00\x01\x02\x03\x04\x05\x06\x07' >> k
 *   for i in $(seq 100); do openssl dgst -sha256 -binary k > k2; mv k2 k; done      # BASEKEY
 *   printf 'hello PBM' | openssl mac -digest SHA1 -macopt hexkey:$(xxd -p -c 256 k) HMAC
 * and for the SHA-1 key expansion, the same loop with -sha1, then
 *   (printf 1; cat k) | openssl dgst -sha1 -binary | xxd -p                          # OWF("1" || BASEKEY)
 */
test('PasswordBasedMac hand vector (openssl dgst loop + openssl mac)', () => {
  const settings: PbmSettings = {
    salt: hexToBytes('0001020304050607'),
    owf: 'sha256',
    iterationCount: 100,
    mac: 'hmac-sha1',
  };
  const secret = new TextEncoder().encode('secret');
  const data = new TextEncoder().encode('hello PBM');
  assert.equal(
    bytesToHex(derivePbmKey(secret, settings)),
    'e5206181d5a3b1f5338eeba92852916305c4dd1825e13db585ac3805a5028f7b',
  );
  assert.equal(
    bytesToHex(passwordBasedMac(secret, settings, data)),
    '2e89568b88df1a1b7a813a5e9701a768458b625c',
  );

  const sha1: PbmSettings = { ...settings, owf: 'sha1' };
  const baseKey = '1740d998d9fd6853c3f6423514c5b89e8885fb2e';
  const owf1 = '1df1935c49289f4890c20acdd1ac8ed831496d02';
  assert.equal(bytesToHex(derivePbmKey(secret, sha1)), baseKey);
  assert.equal(bytesToHex(derivePbmKey(secret, sha1, 16)), baseKey.slice(0, 32));
  assert.equal(bytesToHex(derivePbmKey(secret, sha1, 32)), baseKey + owf1.slice(0, 24));
  assert.equal(bytesToHex(derivePbmKey(secret, sha1, 40)), baseKey + owf1);
});

test('decodePbmParameter takes the parameters DER as well as the AlgorithmIdentifier', () => {
  const der = pbmParameterDer();
  const fromDer = decodePbmParameter(der, LIMITS);
  const fromAlg = decodePbmParameter(
    new AlgorithmIdentifier({ algorithm: OID.passwordBasedMac, parameters: toArrayBuffer(der) }),
    LIMITS,
  );
  assert.deepEqual(fromDer, fromAlg);
  assert.deepEqual(fromDer, {
    salt: hexToBytes('0001020304050607'),
    owf: 'sha256',
    iterationCount: 500,
    mac: 'hmac-sha256',
  });
  // NULL parameters on the digest and the HMAC are accepted too.
  const withNull = pbmParameterDer({
    owf: new AlgorithmIdentifier({ algorithm: OID.sha512, parameters: null }),
    mac: new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA1, parameters: null }),
  });
  assert.deepEqual(decodePbmParameter(withNull, LIMITS), { ...fromDer, owf: 'sha512', mac: 'hmac-sha1' });
});

test('decodePbmParameter refuses unknown algorithms, weak or costly parameters', () => {
  const md5 = new AlgorithmIdentifier({ algorithm: '1.2.840.113549.2.5' });
  const hmacMd5 = new AlgorithmIdentifier({ algorithm: '1.3.6.1.5.5.8.1.1' });
  assertRefused(() => decodePbmParameter(pbmParameterDer({ owf: md5 }), LIMITS), 'UNSUPPORTED_ALGORITHM');
  assertRefused(() => decodePbmParameter(pbmParameterDer({ mac: hmacMd5 }), LIMITS), 'UNSUPPORTED_ALGORITHM');
  assertRefused(
    () => decodePbmParameter(pbmParameterDer({ iterationCount: 99 }), LIMITS),
    'POLICY_VIOLATION',
    'cmp.pbm-iterations',
  );
  assertRefused(
    () => decodePbmParameter(pbmParameterDer({ iterationCount: 10_001 }), LIMITS),
    'POLICY_VIOLATION',
    'cmp.pbm-iterations',
  );
  assertRefused(
    () => decodePbmParameter(pbmParameterDer({ iterationCount: -500 }), LIMITS),
    'POLICY_VIOLATION',
    'cmp.pbm-iterations',
  );
  for (const saltBytes of [0, 7, 65]) {
    assertRefused(
      () => decodePbmParameter(pbmParameterDer({ salt: new ArrayBuffer(saltBytes) }), LIMITS),
      'POLICY_VIOLATION',
      'cmp.pbm-salt',
    );
  }
  const sha256WithParams = new AlgorithmIdentifier({
    algorithm: OID.sha256,
    parameters: toArrayBuffer(hexToBytes('0401ff')),
  });
  assertRefused(
    () => decodePbmParameter(pbmParameterDer({ owf: sha256WithParams }), LIMITS),
    'MALFORMED_INPUT',
  );
  assertRefused(
    () =>
      decodePbmParameter(
        new AlgorithmIdentifier({ algorithm: OID.pbmac1, parameters: toArrayBuffer(pbmParameterDer()) }),
        LIMITS,
      ),
    'UNSUPPORTED_ALGORITHM',
  );
  assertRefused(
    () => decodePbmParameter(new AlgorithmIdentifier({ algorithm: OID.passwordBasedMac }), LIMITS),
    'MALFORMED_INPUT',
  );
});

test('encodePbmAlgorithm refuses what decode would refuse; SHA-2 HMACs use their RFC 8018 identifiers', () => {
  const settings: PbmSettings = {
    salt: new Uint8Array(16),
    owf: 'sha256',
    iterationCount: 1000,
    mac: 'hmac-sha256',
  };
  const alg = encodePbmAlgorithm(settings);
  assert.equal(alg.algorithm, OID.passwordBasedMac);
  assert.deepEqual(decodePbmParameter(alg, LIMITS), settings);
  const params = decodeDer(new Uint8Array(alg.parameters ?? new ArrayBuffer(0)), PBMParameter, 'p');
  assert.equal(params.mac.algorithm, OID.hmacWithSHA256);
  assertRefused(
    () => encodePbmAlgorithm({ ...settings, iterationCount: 1 }),
    'POLICY_VIOLATION',
    'cmp.pbm-iterations',
  );
  assertRefused(
    () => encodePbmAlgorithm({ ...settings, salt: new Uint8Array(4) }),
    'POLICY_VIOLATION',
    'cmp.pbm-salt',
  );
});

test('passwordBasedMac refuses a non-positive iteration count rather than looping zero times', () => {
  const settings: PbmSettings = {
    salt: new Uint8Array(8),
    owf: 'sha256',
    iterationCount: 0,
    mac: 'hmac-sha256',
  };
  assertRefused(() => passwordBasedMac(new Uint8Array(1), settings, new Uint8Array()), 'MALFORMED_INPUT');
});

test('decoding PasswordBasedMac parameters from random or damaged bytes only raises PkiError', () => {
  const valid = captured('pbm-default.req.der');
  assertParserOnlyRaisesPkiErrors(
    new Uint8Array(valid.protectionAlg.parameters ?? new ArrayBuffer(0)),
    (bytes) => decodePbmParameter(bytes, LIMITS),
  );
  assertParserOnlyRaisesPkiErrors(valid.protectionAlgDer, (bytes) =>
    decodePbmParameter(decodeDer(bytes, AlgorithmIdentifier, 'protectionAlg'), LIMITS),
  );
});
