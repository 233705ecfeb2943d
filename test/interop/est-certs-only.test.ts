import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openssl } from '../helpers/openssl.js';
import { makeTestHierarchy } from '../helpers/pki-fixtures.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { encodePem } from '../../src/pki/pem.js';
import { decodeCertsOnly, encodeCertsOnly } from '../../src/protocols/est/wire/certs-only.js';
import { decodeEstBody, encodeEstBody } from '../../src/protocols/est/wire/est-body.js';

/**
 * certs-only against the system openssl, both ways. Interop by nature (it runs a process), so it belongs with
 * test/interop/; it sits here only because this change could not touch that folder.
 */
describe('certs-only and openssl', () => {
  const { root, intermediate, leaf } = makeTestHierarchy();
  const chain = [leaf.cert, intermediate.cert, root.cert];
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-certs-only-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('openssl pkcs7 -print_certs lists our certificates, in order and unchanged', async () => {
    const path = join(dir, 'ours.p7b');
    await writeFile(path, encodeCertsOnly(chain.map((c) => c.der)));
    const r = await openssl(['pkcs7', '-inform', 'DER', '-in', path, '-print_certs']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      [...r.stdout.matchAll(/^subject=(.*)$/gm)].map((m) => m[1]),
      ['CN = device-1', 'CN = Test Issuing CA', 'CN = Test Root'],
    );
    const printed = [...r.stdout.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)];
    assert.deepEqual(
      printed.map((m) => parseCertificate(m[0]).fingerprintSha256),
      chain.map((c) => c.fingerprintSha256),
    );
  });

  test('the EST body form (base64, 64 columns, CRLF) is what curl users pipe to base64 -d | openssl', async () => {
    const path = join(dir, 'body.b64');
    await writeFile(path, encodeEstBody(encodeCertsOnly([leaf.cert.der])));
    const der = join(dir, 'body.p7b');
    await writeFile(der, Buffer.from(await readFile(path, 'latin1'), 'base64'));
    const r = await openssl(['pkcs7', '-inform', 'DER', '-in', der, '-print_certs', '-noout']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /subject=CN = device-1/);
  });

  test('a certs-only made by openssl crl2pkcs7 -nocrl decodes, and ours is byte-identical to it', async () => {
    const files = await Promise.all(
      chain.map(async (cert, i) => {
        const path = join(dir, `c${i}.pem`);
        await writeFile(path, encodePem('CERTIFICATE', cert.der));
        return path;
      }),
    );
    const out = join(dir, 'openssl.p7b');
    const r = await openssl([
      'crl2pkcs7',
      '-nocrl',
      ...files.flatMap((f) => ['-certfile', f]),
      '-outform',
      'DER',
      '-out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const theirs = new Uint8Array(await readFile(out));
    assert.deepEqual(
      decodeCertsOnly(theirs),
      chain.map((c) => c.der),
    );
    assert.deepEqual(encodeCertsOnly(chain.map((c) => c.der)), theirs);

    const pem = await openssl(['crl2pkcs7', '-nocrl', '-certfile', files[0]!]);
    assert.equal(pem.code, 0, pem.stderr);
    assert.deepEqual(decodeCertsOnly(decodeEstBody(pem.stdout, 'certs-only response')), [leaf.cert.der]);
  });
});
