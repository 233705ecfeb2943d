import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decode, encode } from 'cborg';
import fc from 'fast-check';
import { makeTestCertificate, type TestCredential } from '../../../../test/helpers/pki-fixtures.js';
import { isPkiError } from '../../../core/pki-error.js';
import { generateKeyPair, type KeyAlgorithmName } from '../../../pki/algorithms/key-algorithm.js';
import { signatureAlgorithm } from '../../../pki/algorithms/signature-algorithm.js';
import { parseCertificate } from '../../../pki/certificate.js';
import { bytesToHex } from '../../../pki/der.js';
import { OID } from '../../../pki/oids.js';
import type { AltName } from '../../../pki/general-names.js';
import { AcmeProblem, type AcmeProblemType } from '../wire/acme-problem.js';
import { buildDeviceAttestation } from '../client/device-attestation-builder.js';
import {
  IDEVID_ATTESTATION_FORMAT,
  MAX_ATTESTATION_OBJECT_BYTES,
} from '../wire/device-attestation-format.js';
import {
  type AttToBeSigned,
  parseHardwareModule,
  parsePermanentIdentifier,
  verifyDeviceAttestation,
} from './device-attestation.js';
import { deviceIdentifiersOf } from './device-identifier.js';

const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const SIGNED: AttToBeSigned = {
  token: TOKEN,
  keyAuthorization: `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`,
};
const PEN = '1.3.6.1.4.1.32473';
const hex = (text: string): string => bytesToHex(new TextEncoder().encode(text));

// A factory PKI as certfleet builds it: root → factory issuing CA → IDevID (profile idevid: serialNumber subject,
// digitalSignature, the device-birth EKU), with the SAN otherNames a third-party IDevID may carry too.
const root = makeTestCertificate({ subject: 'Acme Manufacturer Root', ca: true });
const factory = makeTestCertificate({ subject: 'Acme Factory CA', ca: true, pathLength: 0, issuer: root });

function idevid(
  options: {
    keyAlgorithm?: KeyAlgorithmName;
    dn?: string;
    altNames?: readonly AltName[];
    ca?: boolean;
    keyUsage?: 'keyEncipherment';
  } = {},
): TestCredential {
  return makeTestCertificate({
    subject: 'sensor',
    dn: options.dn ?? 'serialNumber=SN-0042,CN=sensor,O=Acme',
    keyAlgorithm: options.keyAlgorithm ?? 'ec-p256',
    issuer: factory,
    extendedKeyUsage: [OID.certfleetDeviceBirth],
    ...(options.altNames === undefined ? {} : { altNames: options.altNames }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.keyUsage === undefined ? {} : { keyUsage: [options.keyUsage] }),
  });
}

const device = idevid({
  altNames: [
    { type: 'permanentIdentifier', value: 'SN-0042', assigner: `${PEN}.1` },
    { type: 'hardwareModuleName', hwType: `${PEN}.2`, serialHex: hex('TPM-77') },
  ],
});
const chainOf = (leaf: TestCredential): Uint8Array[] => [leaf.cert.der, factory.cert.der];
const validAttObj = buildDeviceAttestation({
  keyAuthorization: SIGNED.keyAuthorization,
  privateKey: device.key.material,
  chain: chainOf(device),
});

/** The statement members of a valid ES256 attestation by `device`, for tests that break one of them. */
function statement(): Record<string, unknown> {
  const sig = signatureAlgorithm('ecdsa-with-SHA256').sign(
    device.key,
    new TextEncoder().encode(SIGNED.keyAuthorization),
  );
  return { alg: -7, sig, x5c: chainOf(device) };
}

function attObj(attStmt: unknown, fmt: unknown = IDEVID_ATTESTATION_FORMAT): Uint8Array {
  return encode({ fmt, attStmt });
}

function assertProblem(run: () => unknown, type: AcmeProblemType, detail?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AcmeProblem, `expected an AcmeProblem, got ${String(error)}`);
    assert.equal(error.type, type, error.detail);
    if (detail) assert.match(error.detail, detail);
    return true;
  });
}

const rejectAs = (bytes: Uint8Array, type: AcmeProblemType, detail?: RegExp): void =>
  assertProblem(() => verifyDeviceAttestation(bytes, SIGNED), type, detail);

describe('verifyDeviceAttestation: success', () => {
  test('ES256: returns the format, the chain as sent and the IDevID identifiers', () => {
    const attested = verifyDeviceAttestation(validAttObj, SIGNED);
    assert.equal(attested.format, 'dev.certfleet.idevid');
    assert.deepEqual(attested.chain, chainOf(device));
    assert.deepEqual(attested.identifiers, [
      { type: 'permanent-identifier', value: 'SN-0042' },
      { type: 'permanent-identifier', value: `SN-0042/${PEN}.1` },
      { type: 'hardware-module', value: `TPM-77/${PEN}.2` },
    ]);
  });

  for (const [keyAlgorithm, alg] of [
    ['ec-p256', -7],
    ['ec-p384', -35],
    ['ed25519', -8],
    ['rsa-2048', -257],
  ] as const) {
    test(`${keyAlgorithm}: the builder signs with COSE alg ${alg} and the verifier accepts it`, () => {
      const leaf = idevid({ keyAlgorithm });
      const built = buildDeviceAttestation({
        keyAuthorization: SIGNED.keyAuthorization,
        privateKey: leaf.key.material,
        chain: chainOf(leaf),
      });
      const envelope = decodeEnvelope(built);
      assert.equal(envelope.attStmt.alg, alg);
      assert.deepEqual(verifyDeviceAttestation(built, SIGNED).identifiers, [
        { type: 'permanent-identifier', value: 'SN-0042' },
      ]);
    });
  }

  test('ES256 signatures are DER Ecdsa-Sig-Value (WebAuthn §6.5.5), not raw r||s', () => {
    const sig = decodeEnvelope(validAttObj).attStmt.sig;
    assert.equal(sig[0], 0x30);
    assert.equal(sig[1], sig.length - 2);
  });

  test('the builder omits authData; a client that sends it anyway is accepted and authData ignored', () => {
    assert.deepEqual(Object.keys(decodeEnvelope(validAttObj)).sort(), ['attStmt', 'fmt']);
    const withAuthData = encode({
      fmt: IDEVID_ATTESTATION_FORMAT,
      attStmt: statement(),
      authData: new Uint8Array(37),
    });
    assert.equal(verifyDeviceAttestation(withAuthData, SIGNED).format, IDEVID_ATTESTATION_FORMAT);
  });

  test('the returned chain is a copy, not a view into the request body', () => {
    const body = new Uint8Array(validAttObj);
    const attested = verifyDeviceAttestation(body, SIGNED);
    body.fill(0);
    assert.deepEqual(attested.chain, chainOf(device));
  });
});

describe('verifyDeviceAttestation: the signature', () => {
  test('over another key authorization (another account key, or another token)', () => {
    for (const keyAuthorization of [
      `${TOKEN}.other-thumbprint`,
      `other-token.${SIGNED.keyAuthorization.split('.')[1]}`,
    ]) {
      assertProblem(
        () => verifyDeviceAttestation(validAttObj, { token: TOKEN, keyAuthorization }),
        'badAttestationStatement',
        /signature over the key authorization/,
      );
    }
  });

  test('by a key other than the IDevID key', () => {
    const other = generateKeyPair('ec-p256');
    const sig = signatureAlgorithm('ecdsa-with-SHA256').sign(
      other,
      new TextEncoder().encode(SIGNED.keyAuthorization),
    );
    rejectAs(attObj({ ...statement(), sig }), 'badAttestationStatement', /signature/);
  });

  test("x5c led by another device's certificate than the signer's", () => {
    const otherDevice = idevid({ dn: 'serialNumber=SN-0043,CN=sensor,O=Acme' });
    rejectAs(attObj({ ...statement(), x5c: chainOf(otherDevice) }), 'badAttestationStatement', /signature/);
  });

  test('x5c in the wrong order (the issuing CA first)', () => {
    rejectAs(
      attObj({ ...statement(), x5c: [factory.cert.der, device.cert.der] }),
      'badAttestationStatement',
      /CA/,
    );
  });

  test('a sig with a flipped bit', () => {
    const sig = statement().sig as Uint8Array;
    sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 1;
    rejectAs(attObj({ ...statement(), sig }), 'badAttestationStatement');
  });

  for (const [alg, reason] of [
    [-8, /EdDSA does not fit the ec-p256 key/],
    [-35, /ES384 does not fit the ec-p256 key/],
    [-257, /RS256 does not fit the ec-p256 key/],
    [-36, /alg -36 is not supported/],
    [-65535, /not supported/],
    [1, /not supported/],
  ] as const) {
    test(`alg ${alg} with a P-256 IDevID`, () => {
      rejectAs(attObj({ ...statement(), alg }), 'badAttestationStatement', reason);
    });
  }

  test('alg ES256 with an Ed25519 IDevID', () => {
    const leaf = idevid({ keyAlgorithm: 'ed25519' });
    const built = decodeEnvelope(
      buildDeviceAttestation({
        keyAuthorization: SIGNED.keyAuthorization,
        privateKey: leaf.key.material,
        chain: chainOf(leaf),
      }),
    );
    rejectAs(
      attObj({ ...built.attStmt, alg: -7 }),
      'badAttestationStatement',
      /ES256 does not fit the ed25519 key/,
    );
  });

  test('an IDevID that is a CA certificate or whose keyUsage forbids signatures', () => {
    for (const leaf of [idevid({ ca: true }), idevid({ keyUsage: 'keyEncipherment' })]) {
      const built = decodeEnvelope(
        buildDeviceAttestation({
          keyAuthorization: SIGNED.keyAuthorization,
          privateKey: leaf.key.material,
          chain: chainOf(leaf),
        }),
      );
      rejectAs(attObj(built.attStmt), 'badAttestationStatement', /CA certificate|keyUsage/);
    }
  });
});

describe('verifyDeviceAttestation: structure', () => {
  for (const member of ['alg', 'sig', 'x5c']) {
    test(`attStmt without ${member}`, () => {
      const { [member]: _dropped, ...rest } = statement();
      rejectAs(attObj(rest), 'badAttestationStatement', new RegExp(`${member} is missing`));
    });
  }

  test('no fmt, no attStmt', () => {
    rejectAs(encode({ attStmt: statement() }), 'badAttestationStatement', /fmt is missing/);
    rejectAs(encode({ fmt: IDEVID_ATTESTATION_FORMAT }), 'badAttestationStatement', /attStmt is missing/);
    rejectAs(encode({}), 'badAttestationStatement', /fmt is missing/);
  });

  for (const fmt of ['packed', 'step', 'tpm', 'apple', 'none', 'dev.certfleet.IDEVID', '']) {
    test(`fmt ${JSON.stringify(fmt)}`, () => {
      rejectAs(attObj(statement(), fmt), 'badAttestationStatement', /is not supported/);
    });
  }

  test('members of the wrong CBOR type', () => {
    rejectAs(attObj(statement(), 7), 'badAttestationStatement', /fmt/);
    rejectAs(attObj([statement()]), 'badAttestationStatement', /attStmt/);
    rejectAs(attObj({ ...statement(), alg: 'ES256' }), 'badAttestationStatement', /alg/);
    rejectAs(attObj({ ...statement(), alg: -7.5 }), 'badAttestationStatement', /alg/);
    rejectAs(attObj({ ...statement(), sig: 'c2ln' }), 'badAttestationStatement', /sig/);
    rejectAs(attObj({ ...statement(), sig: new Uint8Array(0) }), 'badAttestationStatement', /sig/);
    rejectAs(attObj({ ...statement(), sig: new Uint8Array(1025) }), 'badAttestationStatement', /sig/);
    rejectAs(attObj({ ...statement(), x5c: device.cert.der }), 'badAttestationStatement', /x5c/);
    rejectAs(attObj({ ...statement(), x5c: ['MIIB'] }), 'badAttestationStatement', /x5c\[0\]/);
    rejectAs(
      attObj({ ...statement(), x5c: [device.cert.der, new Uint8Array(0)] }),
      'badAttestationStatement',
      /x5c\[1\]/,
    );
    rejectAs(
      encode({ fmt: IDEVID_ATTESTATION_FORMAT, attStmt: statement(), authData: 'text' }),
      'badAttestationStatement',
      /authData/,
    );
  });

  test('extra members in attStmt or in the attestation object', () => {
    rejectAs(attObj({ ...statement(), ver: '2.0' }), 'badAttestationStatement', /unexpected member "ver"/);
    rejectAs(
      attObj({ ...statement(), certInfo: new Uint8Array(4) }),
      'badAttestationStatement',
      /"certInfo"/,
    );
    const numericKey = new Map<unknown, unknown>([...Object.entries(statement()), [3, 1]]);
    rejectAs(
      attObj(numericKey),
      'badAttestationStatement',
      /attStmt has an unexpected member of CBOR type number/,
    );
    rejectAs(
      encode(
        new Map<unknown, unknown>([
          ['fmt', IDEVID_ATTESTATION_FORMAT],
          ['attStmt', statement()],
          [-1, 0],
        ]),
      ),
      'badAttestationStatement',
      /attestation object has an unexpected member/,
    );
    rejectAs(
      encode({ fmt: IDEVID_ATTESTATION_FORMAT, attStmt: statement(), extra: 1 }),
      'badAttestationStatement',
      /unexpected member "extra"/,
    );
  });

  test('empty x5c, and x5c longer than 5', () => {
    rejectAs(attObj({ ...statement(), x5c: [] }), 'badAttestationStatement', /x5c is empty/);
    const long = [device.cert.der, ...Array.from({ length: 5 }, () => factory.cert.der)];
    rejectAs(attObj({ ...statement(), x5c: long }), 'badAttestationStatement', /at most 5/);
  });

  test('x5c entries in PEM or base64 rather than DER', () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(device.cert.der).toString('base64')}\n-----END CERTIFICATE-----\n`;
    for (const text of [pem, Buffer.from(device.cert.der).toString('base64')]) {
      rejectAs(
        attObj({ ...statement(), x5c: [new TextEncoder().encode(text), factory.cert.der] }),
        'badAttestationStatement',
        /x5c\[0\] is not a DER certificate/,
      );
    }
  });

  test('x5c bytes that are not a certificate', () => {
    rejectAs(
      attObj({ ...statement(), x5c: [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])] }),
      'badAttestationStatement',
      /x5c\[0\] is not a DER certificate/,
    );
    rejectAs(
      attObj({ ...statement(), x5c: [device.cert.der, new Uint8Array([1, 2, 3])] }),
      'badAttestationStatement',
      /x5c\[1\]/,
    );
  });

  test('a CBOR value other than a map', () => {
    for (const value of [[IDEVID_ATTESTATION_FORMAT, statement()], 'attObj', 42, null, true, validAttObj]) {
      rejectAs(encode(value), 'badAttestationStatement', /not a CBOR map/);
    }
  });
});

describe('verifyDeviceAttestation: strict decoding', () => {
  test('more than 16 KiB is malformed before any decoding', () => {
    const padded = encode({
      fmt: IDEVID_ATTESTATION_FORMAT,
      attStmt: statement(),
      authData: new Uint8Array(MAX_ATTESTATION_OBJECT_BYTES),
    });
    rejectAs(padded, 'malformed', /at most 16384/);
    rejectAs(new Uint8Array(MAX_ATTESTATION_OBJECT_BYTES + 1), 'malformed', /at most 16384/);
  });

  test('trailing bytes after the map', () => {
    rejectAs(concat(validAttObj, new Uint8Array([0x00])), 'malformed', /single well-formed CBOR value/);
    rejectAs(concat(validAttObj, validAttObj), 'malformed');
  });

  test('not CBOR at all, empty, or truncated', () => {
    rejectAs(new Uint8Array(0), 'malformed');
    rejectAs(new TextEncoder().encode('{"fmt":"packed"}'), 'malformed');
    rejectAs(validAttObj.subarray(0, validAttObj.length - 1), 'malformed');
  });

  test('indefinite lengths, undefined, tags, non-shortest integers, duplicate keys, NaN', () => {
    const fmtEntry = concat(encode('fmt'), encode(IDEVID_ATTESTATION_FORMAT));
    const attStmtEntry = concat(encode('attStmt'), encode(statement()));
    // An indefinite-length map holding the valid members.
    rejectAs(concat(hexBytes('bf'), fmtEntry, attStmtEntry, hexBytes('ff')), 'malformed');
    // undefined as a member value.
    rejectAs(concat(hexBytes('a3'), fmtEntry, attStmtEntry, encode('authData'), hexBytes('f7')), 'malformed');
    // A tagged attestation object (tag 24, encoded CBOR data item).
    rejectAs(concat(hexBytes('d818'), validAttObj), 'malformed');
    // The map header as a one-byte-length (0xb8 0x02) instead of the shortest form (0xa2).
    rejectAs(concat(hexBytes('b802'), fmtEntry, attStmtEntry), 'malformed');
    // fmt twice.
    rejectAs(concat(hexBytes('a3'), fmtEntry, fmtEntry, attStmtEntry), 'malformed');
    // NaN as alg.
    const nanStatement = concat(
      hexBytes('a3'),
      encode('alg'),
      hexBytes('f97e00'),
      encode('sig'),
      encode(new Uint8Array(8)),
      encode('x5c'),
      encode(chainOf(device)),
    );
    rejectAs(concat(hexBytes('a2'), fmtEntry, encode('attStmt'), nanStatement), 'malformed');
  });

  test('nesting deep enough to exhaust a recursive decoder raises an AcmeProblem, not a RangeError', () => {
    // 16383 nested one-element arrays: cborg recurses per level, so this overflows the stack on a default Node.
    onlyAcmeProblems(concat(new Uint8Array(MAX_ATTESTATION_OBJECT_BYTES - 1).fill(0x81), hexBytes('00')));
  });
});

describe('verifyDeviceAttestation: fuzz', () => {
  test('mutations, truncations and random bytes raise only AcmeProblem', () => {
    const mutated = fc
      .tuple(fc.nat(validAttObj.length - 1), fc.integer({ min: 1, max: 255 }))
      .map(([i, x]) => {
        const copy = new Uint8Array(validAttObj);
        copy[i] = (copy[i] ?? 0) ^ x;
        return copy;
      });
    const input = fc.oneof(
      mutated,
      fc.uint8Array({ maxLength: validAttObj.length + 200 }),
      fc.nat(validAttObj.length).map((n) => validAttObj.subarray(0, n)),
    );
    fc.assert(fc.property(input, onlyAcmeProblems), { numRuns: 2000 });
  });

  test('attestation objects of arbitrary CBOR members raise only AcmeProblem', () => {
    const valid = statement();
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.constantFrom(device.cert.der, factory.cert.der, root.cert.der, valid.sig as Uint8Array),
    );
    const member = fc.oneof(
      bytes,
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.array(bytes, { maxLength: 7 }),
      fc.constantFrom(-7, -8, -35, -257, IDEVID_ATTESTATION_FORMAT),
    );
    // Mostly statements that get past the format check, so the certificate and signature paths are exercised.
    const attStmt = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record(
          {
            alg: fc.oneof(fc.constantFrom(-7, -8, -35, -257), member),
            sig: fc.oneof(fc.constant(valid.sig), member),
            x5c: fc.oneof(fc.array(bytes, { minLength: 1, maxLength: 6 }), member),
          },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: fc.dictionary(fc.string(), member, { maxKeys: 4 }) },
      { weight: 1, arbitrary: member },
    );
    const envelope = fc.record(
      {
        fmt: fc.oneof(
          { weight: 4, arbitrary: fc.constant(IDEVID_ATTESTATION_FORMAT) },
          { weight: 1, arbitrary: member },
        ),
        attStmt,
        authData: member,
      },
      { requiredKeys: ['attStmt'] },
    );
    fc.assert(
      fc.property(envelope, (value) => onlyAcmeProblems(encode(value))),
      { numRuns: 2000 },
    );
  });
});

function onlyAcmeProblems(bytes: Uint8Array): void {
  try {
    verifyDeviceAttestation(bytes, SIGNED);
  } catch (error) {
    assert.ok(error instanceof AcmeProblem, `non-AcmeProblem thrown: ${String(error)}`);
  }
}

describe('device identifiers from the IDevID', () => {
  test('a subject serialNumber alone is a permanent-identifier without assigner', () => {
    assert.deepEqual(deviceIdentifiersOf(idevid().cert), [
      { type: 'permanent-identifier', value: 'SN-0042' },
    ]);
  });

  test('a SAN PermanentIdentifier equal to the serialNumber is listed once', () => {
    const leaf = idevid({ altNames: [{ type: 'permanentIdentifier', value: 'SN-0042' }] });
    assert.deepEqual(deviceIdentifiersOf(leaf.cert), [{ type: 'permanent-identifier', value: 'SN-0042' }]);
  });

  test('names the grammar cannot express are left out', () => {
    const leaf = idevid({
      dn: 'CN=sensor,O=Acme',
      altNames: [
        { type: 'permanentIdentifier', value: 'line/7' },
        { type: 'permanentIdentifier', value: '', assigner: `${PEN}.1` },
        { type: 'hardwareModuleName', hwType: `${PEN}.2`, serialHex: 'ff00' },
        { type: 'hardwareModuleName', hwType: `${PEN}.2`, serialHex: hex('a/b') },
        { type: 'hardwareModuleName', hwType: `${PEN}.2`, serialHex: hex('Gerät 7') },
        { type: 'uri', value: 'urn:dev:org:32473-SN-0042' },
      ],
    });
    assert.deepEqual(deviceIdentifiersOf(leaf.cert), [
      { type: 'hardware-module', value: `Gerät 7/${PEN}.2` },
    ]);
  });

  test('a certificate with no device names yields none, and verification still succeeds', () => {
    const leaf = idevid({ dn: 'CN=sensor,O=Acme' });
    const built = buildDeviceAttestation({
      keyAuthorization: SIGNED.keyAuthorization,
      privateKey: leaf.key.material,
      chain: [leaf.cert.der],
    });
    assert.deepEqual(verifyDeviceAttestation(built, SIGNED).identifiers, []);
  });
});

describe('parsePermanentIdentifier and parseHardwareModule (draft-ietf-acme-device-attest-10 §3.1, §4.1)', () => {
  const accepted: ReadonlyArray<[string, { identifierValue: string; assigner?: string }]> = [
    ['ABCDEF123456', { identifierValue: 'ABCDEF123456' }],
    ['ABCDEF123456/1.2.3.4', { identifierValue: 'ABCDEF123456', assigner: '1.2.3.4' }],
    ['SN-0042/1.3.6.1.4.1.32473.1', { identifierValue: 'SN-0042', assigner: '1.3.6.1.4.1.32473.1' }],
    ['x/0.39', { identifierValue: 'x', assigner: '0.39' }],
    ['x/2.999.0', { identifierValue: 'x', assigner: '2.999.0' }],
    ['Gerät 7 ✓', { identifierValue: 'Gerät 7 ✓' }],
    ['a.b:c@d', { identifierValue: 'a.b:c@d' }],
  ];
  for (const [value, parsed] of accepted) {
    test(`accepts ${JSON.stringify(value)}`, () => assert.deepEqual(parsePermanentIdentifier(value), parsed));
  }

  const refused = [
    '',
    '/',
    '/1.2.3',
    'a/',
    'a/b',
    'a/1',
    'a/3.1',
    'a/1.40',
    'a/1.02',
    'a/01.2',
    'a/2.01',
    'a/1.2.',
    'a/1..2',
    'a/1.2/3',
    'a//1.2',
    'a/ 1.2',
    'ab\ud800',
  ];
  for (const value of refused) {
    test(`refuses ${JSON.stringify(value)} as malformed`, () =>
      assertProblem(() => parsePermanentIdentifier(value), 'malformed', /permanent-identifier/));
  }

  test('hardware-module needs the type OID (required since -10)', () => {
    assert.deepEqual(parseHardwareModule('ABCD/1.2.3.4'), { hwSerialNum: 'ABCD', hwType: '1.2.3.4' });
    for (const value of ['ABCD', 'ABCD/', '/1.2.3.4', 'AB/CD/1.2.3.4', 'ABCD/9.1']) {
      assertProblem(() => parseHardwareModule(value), 'malformed', /hardware-module/);
    }
  });
});

describe('buildDeviceAttestation', () => {
  test("refuses a key that is not the first certificate's key, and an empty or overlong chain", () => {
    const other = generateKeyPair('ec-p256');
    const refusals: ReadonlyArray<() => unknown> = [
      () =>
        buildDeviceAttestation({ keyAuthorization: 'k', privateKey: other.material, chain: chainOf(device) }),
      () =>
        buildDeviceAttestation({
          keyAuthorization: 'k',
          privateKey: device.key.material,
          chain: [factory.cert.der, device.cert.der],
        }),
      () => buildDeviceAttestation({ keyAuthorization: 'k', privateKey: device.key.material, chain: [] }),
      () =>
        buildDeviceAttestation({
          keyAuthorization: 'k',
          privateKey: device.key.material,
          chain: Array.from({ length: 6 }, () => device.cert.der),
        }),
    ];
    for (const build of refusals)
      assert.throws(build, (error: unknown) => isPkiError(error, 'MALFORMED_INPUT'));
  });

  test('refuses a chain whose attestation object would exceed what servers accept', () => {
    const bulky = idevid({
      altNames: Array.from(
        { length: 40 },
        (_, i) => ({ type: 'uri', value: `urn:dev:org:32473-${'x'.repeat(200)}-${i}` }) as const,
      ),
    });
    assert.throws(
      () =>
        buildDeviceAttestation({
          keyAuthorization: 'k',
          privateKey: bulky.key.material,
          chain: [bulky.cert.der, bulky.cert.der],
        }),
      (error: unknown) => isPkiError(error, 'PAYLOAD_TOO_LARGE'),
    );
  });

  test('Buffers in the chain encode as byte strings', () => {
    const built = buildDeviceAttestation({
      keyAuthorization: SIGNED.keyAuthorization,
      privateKey: device.key.material,
      chain: chainOf(device).map((der) => Buffer.from(der)),
    });
    assert.deepEqual(verifyDeviceAttestation(built, SIGNED).chain, chainOf(device));
    assert.equal(
      parseCertificate(verifyDeviceAttestation(built, SIGNED).chain[0]!).serial,
      device.cert.serial,
    );
  });
});

interface Envelope {
  readonly attStmt: { readonly alg: number; readonly sig: Uint8Array; readonly x5c: Uint8Array[] };
}

/** Reads back what the builder wrote (string keys only, so plain objects will do). */
function decodeEnvelope(bytes: Uint8Array): Envelope & Record<string, unknown> {
  return decode(bytes) as Envelope & Record<string, unknown>;
}

function hexBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s/g, ''), 'hex'));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
