import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsr } from '../../src/pki/csr.js';
import { formatName } from '../../src/pki/name.js';
import { encodePem } from '../../src/pki/pem.js';
import { openssl, opensslCsr } from '../helpers/openssl.js';
import { makeTestCrl, makeTestHierarchy, SAMPLE_REVOCATIONS } from '../helpers/pki-fixtures.js';

/** The pki building blocks against the system openssl, in both directions. */
describe('pki and openssl', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-pki-interop-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a CSR made by openssl parses with its subject and SANs', async () => {
    const path = await opensslCsr(
      dir,
      'req',
      '/O=Acme/serialNumber=SN-77/CN=gw 7',
      'subjectAltName=URI:urn:dev:ops:acme-gw-7,DNS:gw7.example,IP:192.0.2.7',
    );
    const csr = parseCsr(await readFile(path, 'utf8'));
    assert.equal(csr.subjectText, 'CN=gw 7,serialNumber=SN-77,O=Acme');
    assert.equal(formatName(csr.subject), csr.subjectText);
    assert.deepEqual(csr.altNames, [
      { type: 'uri', value: 'urn:dev:ops:acme-gw-7' },
      { type: 'dns', value: 'gw7.example' },
      { type: 'ip', value: '192.0.2.7' },
    ]);
  });

  test('openssl verifies our CRL and rejects the leaf it revokes', async () => {
    const { root, intermediate, leaf } = makeTestHierarchy();
    const entries = [
      ...SAMPLE_REVOCATIONS,
      {
        serial: leaf.cert.serial,
        revokedAt: new Date('2026-03-01T00:00:00Z'),
        reason: 'keyCompromise' as const,
      },
    ];
    const file = async (name: string, pem: string) => {
      await writeFile(join(dir, name), pem);
      return join(dir, name);
    };
    const crl = await file('crl.pem', encodePem('X509 CRL', makeTestCrl(intermediate, entries)));
    const ca = await file('int.pem', encodePem('CERTIFICATE', intermediate.cert.der));
    const chain = await file(
      'chain.pem',
      encodePem('CERTIFICATE', root.cert.der) + encodePem('CERTIFICATE', intermediate.cert.der),
    );
    const leafPath = await file('leaf.pem', encodePem('CERTIFICATE', leaf.cert.der));

    const text = await openssl(['crl', '-in', crl, '-CAfile', ca, '-noout', '-text']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr + text.stdout, /verify OK/);
    assert.match(text.stdout, /CRL Number:\s*\n\s*42/);
    assert.match(text.stdout, /Key Compromise/);
    assert.match(text.stdout, /Invalidity Date/);

    const verify = await openssl(['verify', '-crl_check', '-CAfile', chain, '-CRLfile', crl, leafPath]);
    assert.notEqual(verify.code, 0);
    assert.match(verify.stdout + verify.stderr, /certificate revoked/);
  });
});
