import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestHierarchy } from '../../test/helpers/pki-fixtures.js';
import type { SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { defaultSignatureAlgorithm } from './algorithms/signature-algorithm.js';
import { assembleCrl, type CrlEntry, encodeTbsCertList, parseCrl } from './crl.js';
import { keyIdentifierOf } from './extensions.js';
import { encodePem } from './pem.js';

test('a CRL round-trips and the system openssl verifies it and rejects the revoked leaf', () => {
  const { root, intermediate, leaf } = makeTestHierarchy();
  const algorithm = defaultSignatureAlgorithm(intermediate.key.algorithm);
  const entries: CrlEntry[] = [
    {
      serial: leaf.cert.serial,
      revokedAt: new Date('2026-03-01T10:00:00Z'),
      reason: 'keyCompromise',
      invalidityDate: new Date('2026-02-27T00:00:00Z'),
    },
    { serial: '0a' as SerialHex, revokedAt: new Date('2026-03-02T10:00:00Z'), reason: 'unspecified' },
    {
      serial: 'ff01' as SerialHex,
      revokedAt: new Date('2026-03-03T10:00:00Z'),
      reason: 'cessationOfOperation',
    },
  ];
  const tbs = encodeTbsCertList({
    signatureAlgorithm: algorithm,
    issuerDer: intermediate.cert.subjectDer,
    authorityKeyId: keyIdentifierOf(intermediate.key.spki),
    crlNumber: 42,
    thisUpdate: new Date('2026-03-04T00:00:00Z'),
    nextUpdate: new Date('2036-03-05T00:00:00Z'),
    entries,
  });
  const der = assembleCrl(tbs, algorithm, algorithm.sign(intermediate.key, tbs));
  const crl = parseCrl(encodePem('X509 CRL', der));
  assert.equal(crl.crlNumber, 42);
  assert.deepEqual(crl.entries, entries);
  assert.deepEqual(crl.authorityKeyId, keyIdentifierOf(intermediate.key.spki));

  const dir = mkdtempSync(join(tmpdir(), 'certfleet-crl-'));
  try {
    const file = (name: string, body: Uint8Array, label: string) => {
      writeFileSync(join(dir, name), encodePem(label, body));
      return join(dir, name);
    };
    const crlPath = file('crl.pem', der, 'X509 CRL');
    const caPath = file('int.pem', intermediate.cert.der, 'CERTIFICATE');
    const rootPath = file('root.pem', root.cert.der, 'CERTIFICATE');
    const leafPath = file('leaf.pem', leaf.cert.der, 'CERTIFICATE');
    const text = execFileSync('openssl', ['crl', '-in', crlPath, '-CAfile', caPath, '-noout', '-text'], {
      stdio: 'pipe',
    }).toString();
    assert.match(text, /CRL Number:\s*\n\s*42/);
    assert.match(text, /Key Compromise/);
    const verify =
      execFileSync('openssl', ['crl', '-in', crlPath, '-CAfile', caPath, '-noout'], {
        stdio: 'pipe',
      }).toString() + '';
    assert.equal(verify, '');
    const bundle = join(dir, 'chain.pem');
    writeFileSync(
      bundle,
      encodePem('CERTIFICATE', root.cert.der) + encodePem('CERTIFICATE', intermediate.cert.der),
    );
    let out = '';
    try {
      execFileSync('openssl', ['verify', '-crl_check', '-CAfile', bundle, '-CRLfile', crlPath, leafPath], {
        stdio: 'pipe',
      });
    } catch (error) {
      out =
        String((error as { stdout?: Buffer }).stdout ?? '') +
        String((error as { stderr?: Buffer }).stderr ?? '');
    }
    assert.match(out, /certificate revoked/);
    void rootPath;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed CRLs raise PkiError', () => {
  for (const input of ['', 'junk', new Uint8Array([0x30, 0x01, 0x00])])
    assert.throws(() => parseCrl(input), PkiError);
});
