import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateKeyPair, type KeyAlgorithmName } from './algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm } from './algorithms/signature-algorithm.js';
import {
  assembleCertificate,
  assembleCertificateWithSchema,
  encodeTbsCertificate,
} from './certificate-builder.js';
import {
  authorityInfoAccessExtension,
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  extendedKeyUsageExtension,
  keyUsageExtension,
} from './extensions.js';
import type { AltName } from './general-names.js';
import { buildName, encodeName } from './name.js';
import { OID } from './oids.js';
import { CertificateTemplate, type TemplateVariableFields } from './tbs-template.js';

const KEYS: KeyAlgorithmName[] = ['ec-p256', 'ec-p384', 'ed25519', 'rsa-2048'];
const spkis = KEYS.map((k) => generateKeyPair(k).spki);
const issuerKey = generateKeyPair('ec-p256');

function template(withTrailing: boolean): CertificateTemplate {
  return new CertificateTemplate({
    signatureAlgorithm: defaultSignatureAlgorithm('ec-p256'),
    issuerDer: encodeName(
      buildName([
        { type: 'O', value: 'Acme' },
        { type: 'CN', value: 'Acme Operational CA' },
      ]),
    ),
    authorityKeyId: new Uint8Array(20).fill(7),
    leadingExtensions: [
      basicConstraintsExtension(false),
      keyUsageExtension(['digitalSignature']),
      extendedKeyUsageExtension([OID.clientAuth]),
    ],
    trailingExtensions: withTrailing
      ? [
          crlDistributionPointsExtension(['http://pki.example/crl/operational.crl']),
          authorityInfoAccessExtension({
            ocsp: ['http://pki.example/ocsp'],
            caIssuers: ['http://pki.example/ca.cer'],
          }),
        ]
      : [],
  });
}

const asciiWord = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}[a-z0-9]$/);
const altName: fc.Arbitrary<AltName> = fc.oneof(
  asciiWord.map((w) => ({ type: 'dns' as const, value: `${w}.example` })),
  asciiWord.map((w) => ({ type: 'uri' as const, value: `urn:dev:ops:${w}` })),
  asciiWord.map((w) => ({ type: 'email' as const, value: `${w}@example.com` })),
  fc.ipV4().map((ip) => ({ type: 'ip' as const, value: ip })),
  asciiWord.map((w) => ({ type: 'permanentIdentifier' as const, value: w })),
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map((b) => ({
    type: 'hardwareModuleName' as const,
    hwType: '1.3.6.1.4.1.99999.1',
    serialHex: Buffer.from(b).toString('hex'),
  })),
);

const fields: fc.Arbitrary<TemplateVariableFields> = fc.record({
  serial: fc.uint8Array({ minLength: 1, maxLength: 20 }).filter((b) => b.some((x) => x !== 0)),
  notBefore: fc.date({
    min: new Date('1990-01-01T00:00:00Z'),
    max: new Date('2049-12-31T23:59:59Z'),
    noInvalidDate: true,
  }),
  notAfter: fc.date({
    min: new Date('2030-01-01T00:00:00Z'),
    max: new Date('9999-12-31T23:59:59Z'),
    noInvalidDate: true,
  }),
  subjectDer: fc
    .array(fc.tuple(fc.constantFrom('CN', 'O', 'serialNumber'), fc.stringMatching(/^[A-Za-z0-9 ]{1,40}$/)), {
      maxLength: 3,
    })
    .map((attrs) =>
      encodeName(buildName(attrs.map(([type, value]) => ({ type, value: value.trim() || 'x' })))),
    ),
  spkiDer: fc.constantFrom(...spkis),
  altNames: fc.array(altName, { maxLength: 4 }),
  altNamesCritical: fc.boolean(),
});

test('the issuance template encodes exactly what the schema encoder produces', () => {
  for (const withTrailing of [false, true]) {
    const compiled = template(withTrailing);
    fc.assert(
      fc.property(fields, (f) => {
        const expected = encodeTbsCertificate({
          serial: f.serial,
          signatureAlgorithm: compiled.fixed.signatureAlgorithm,
          issuerDer: compiled.fixed.issuerDer,
          subjectDer: f.subjectDer,
          notBefore: f.notBefore,
          notAfter: f.notAfter,
          spkiDer: f.spkiDer,
          extensions: compiled.extensionsFor(f),
        });
        assert.deepEqual(compiled.encode(f), expected);
      }),
      { numRuns: 1500 },
    );
  }
});

test('the certificate assembler matches the schema encoding', () => {
  const compiled = template(true);
  const algorithm = compiled.fixed.signatureAlgorithm;
  fc.assert(
    fc.property(fields, (f) => {
      const tbs = compiled.encode(f);
      const signature = algorithm.sign(issuerKey, tbs);
      assert.deepEqual(
        assembleCertificate(tbs, algorithm, signature),
        assembleCertificateWithSchema(tbs, algorithm, signature),
      );
    }),
    { numRuns: 200 },
  );
});
