import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toIssuerId } from '../../src/core/ids.js';
import { encodePem } from '../../src/pki/pem.js';
import { openssl } from '../helpers/openssl.js';
import { createTestDeployment, type TestDeployment } from '../helpers/test-deployment.js';

/**
 * For every profile, the system openssl verifies the chain under -x509_strict and `openssl x509 -text` shows the
 * profile's extensions. The CSRs are made by openssl too, so both directions are exercised.
 */
interface ProfileCase {
  readonly profile: string;
  readonly issuer: 'factory' | 'operational';
  readonly subject: string;
  readonly key: string[];
  readonly addext?: string;
  readonly extra?: Record<string, string>;
  readonly purpose?: string;
  readonly refusedPurpose?: string;
  readonly expect: readonly RegExp[];
}

const EC_P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
const CASES: readonly ProfileCase[] = [
  {
    profile: 'idevid',
    issuer: 'factory',
    subject: '/O=Acme/serialNumber=SN-0042/CN=sensor 42',
    key: EC_P256,
    // A birth certificate is not for daily TLS: OpenSSL relying parties refuse it as a client certificate.
    refusedPurpose: 'sslclient',
    expect: [
      /Basic Constraints: critical\s+CA:FALSE/,
      /Key Usage: critical\s+Digital Signature\n/,
      /Extended Key Usage:\s*\n\s+1\.3\.6\.1\.4\.1\.32473\.16\.2\n/,
      /Subject: O = Acme, serialNumber = SN-0042, CN = sensor 42/,
      /Subject Key Identifier/,
      /Authority Key Identifier/,
    ],
  },
  {
    profile: 'ldevid',
    issuer: 'operational',
    subject: '/CN=sensor 42',
    key: ['-newkey', 'ed25519'],
    addext: 'subjectAltName=URI:urn:dev:org:32473-SN-0042',
    purpose: 'sslclient',
    expect: [
      /Basic Constraints: critical\s+CA:FALSE/,
      /Key Usage: critical\s+Digital Signature\n/,
      /TLS Web Client Authentication/,
      /URI:urn:dev:org:32473-SN-0042/,
      /ED25519/,
    ],
  },
  {
    profile: 'tls-server',
    issuer: 'operational',
    subject: '/CN=broker.example',
    key: ['-newkey', 'rsa:2048'],
    addext: 'subjectAltName=DNS:broker.example,IP:192.0.2.10',
    purpose: 'sslserver',
    expect: [
      /Key Usage: critical\s+Digital Signature, Key Encipherment/,
      /TLS Web Server Authentication/,
      /DNS:broker.example, IP Address:192.0.2.10/,
    ],
  },
  {
    profile: 'code-signing',
    issuer: 'operational',
    subject: '/O=Acme/CN=Acme firmware signing',
    key: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
    expect: [/Key Usage: critical\s+Digital Signature\n/, /Code Signing/, /Public-Key: \(384 bit\)/],
  },
];

describe('openssl accepts every profile', () => {
  let deployment: TestDeployment;
  let rootPem: string;
  before(async () => {
    deployment = await createTestDeployment();
    rootPem = await readFile(join(deployment.config.pki.offlineRootDir, 'root.cert.pem'), 'utf8');
    await writeFile(join(deployment.dir, 'root.pem'), rootPem);
    for (const id of ['factory', 'operational'] as const) {
      const issuer = deployment.runtime.issuers.get(toIssuerId(id)!)!;
      await writeFile(join(deployment.dir, `${id}.pem`), encodePem('CERTIFICATE', issuer.certificate.der));
    }
  });
  after(() => deployment.dispose());

  test('root and intermediates: CA:TRUE, pathlen 0, certificate and CRL signing', async () => {
    const root = await openssl(['x509', '-in', join(deployment.dir, 'root.pem'), '-noout', '-text']);
    assert.match(root.stdout, /Basic Constraints: critical\s+CA:TRUE\n/);
    assert.match(root.stdout, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(root.stdout, /NIST CURVE: P-384/);
    for (const id of ['factory', 'operational']) {
      const path = join(deployment.dir, `${id}.pem`);
      const verify = await openssl([
        'verify',
        '-x509_strict',
        '-CAfile',
        join(deployment.dir, 'root.pem'),
        path,
      ]);
      assert.equal(verify.code, 0, verify.stderr);
      const text = (await openssl(['x509', '-in', path, '-noout', '-text'])).stdout;
      assert.match(text, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      assert.match(text, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
      assert.match(text, /Authority Key Identifier/);
    }
  });

  for (const c of CASES) {
    test(`${c.profile}: chain verifies with -x509_strict and the extensions are as the profile says`, async () => {
      const dir = deployment.dir;
      const csrPath = join(dir, `${c.profile}.csr`);
      const made = await openssl([
        'req',
        '-new',
        ...c.key,
        '-nodes',
        '-keyout',
        join(dir, `${c.profile}.key`),
        '-out',
        csrPath,
        '-subj',
        c.subject,
        ...(c.addext === undefined ? [] : ['-addext', c.addext]),
      ]);
      assert.equal(made.code, 0, made.stderr);
      const issued = await deployment.runtime.ra.requestCertificate(
        { kind: 'operator', name: 'interop' },
        { csr: await readFile(csrPath), profile: c.profile, protocol: 'test', operation: 'issue' },
      );
      assert.equal(issued.issuerId, c.issuer);
      const leafPath = join(dir, `${c.profile}.pem`);
      await writeFile(leafPath, encodePem('CERTIFICATE', issued.der));
      const verifyArgs = [
        'verify',
        '-x509_strict',
        '-CAfile',
        join(dir, 'root.pem'),
        '-untrusted',
        join(dir, `${c.issuer}.pem`),
      ];
      const verify = await openssl([
        ...verifyArgs,
        ...(c.purpose === undefined ? [] : ['-purpose', c.purpose]),
        leafPath,
      ]);
      assert.equal(verify.code, 0, `${verify.stdout}${verify.stderr}`);
      assert.match(verify.stdout, /: OK/);
      if (c.refusedPurpose !== undefined) {
        const refused = await openssl([...verifyArgs, '-purpose', c.refusedPurpose, leafPath]);
        assert.notEqual(refused.code, 0, `${c.profile} must not verify for ${c.refusedPurpose}`);
        assert.match(refused.stdout + refused.stderr, /unsuitable certificate purpose/);
      }
      const text = (await openssl(['x509', '-in', leafPath, '-noout', '-text'])).stdout;
      for (const pattern of c.expect) assert.match(text, pattern);
    });
  }

  test('a leaf presented with the wrong intermediate is rejected by openssl', async () => {
    const dir = deployment.dir;
    const verify = await openssl([
      'verify',
      '-x509_strict',
      '-CAfile',
      join(dir, 'root.pem'),
      '-untrusted',
      join(dir, 'factory.pem'),
      join(dir, 'ldevid.pem'),
    ]);
    assert.notEqual(verify.code, 0);
    assert.match(verify.stderr + verify.stdout, /unable to get local issuer certificate/);
  });
});
