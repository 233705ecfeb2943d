import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToPkcs8 } from '../../src/pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm } from '../../src/pki/algorithms/signature-algorithm.js';
import { OID } from '../../src/pki/oids.js';
import { type CertIdHash, certIdFor } from '../../src/pki/ocsp/cert-id.js';
import { parseOcspRequest } from '../../src/pki/ocsp/ocsp-request.js';
import {
  assembleOcspResponse,
  encodeBasicResponseTbs,
  type OcspCertStatus,
} from '../../src/pki/ocsp/ocsp-response.js';
import { ocspNoCheckExtension } from '../../src/pki/ocsp/ocsp-signing.js';
import { encodePem } from '../../src/pki/pem.js';
import { openssl } from '../helpers/openssl.js';
import { makeTestCertificate, makeTestHierarchy } from '../helpers/pki-fixtures.js';

/**
 * The OCSP codecs against the system openssl: requests `openssl ocsp` writes parse, and responses we build and
 * sign with a delegated responder certificate pass `openssl ocsp -respin` verification, nonce check included.
 */
describe('OCSP codecs and openssl ocsp', () => {
  const { root, intermediate, leaf } = makeTestHierarchy();
  const responder = makeTestCertificate({
    subject: 'Test OCSP Responder',
    issuer: intermediate,
    extendedKeyUsage: [OID.ocspSigning],
    extraExtensions: [ocspNoCheckExtension()],
  });
  const algorithm = defaultSignatureAlgorithm(responder.key.algorithm);
  let dir: string;
  const path = (name: string) => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-ocsp-interop-'));
    await writeFile(path('root.pem'), encodePem('CERTIFICATE', root.cert.der));
    await writeFile(path('int.pem'), encodePem('CERTIFICATE', intermediate.cert.der));
    await writeFile(path('leaf.pem'), encodePem('CERTIFICATE', leaf.cert.der));
    await writeFile(path('leaf.key'), encodePem('PRIVATE KEY', privateKeyToPkcs8(leaf.key)));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** `openssl ocsp -reqout`; the digest option must come before -cert, or openssl refuses it. */
  async function opensslRequest(name: string, options: readonly string[], digest?: string) {
    const r = await openssl([
      'ocsp',
      '-issuer',
      path('int.pem'),
      ...(digest ? [digest] : []),
      '-cert',
      path('leaf.pem'),
      '-reqout',
      path(name),
      ...options,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return parseOcspRequest(new Uint8Array(await readFile(path(name))));
  }

  /** A response for the leaf, signed by the delegated responder, written to `name`. */
  async function writeResponse(
    name: string,
    certStatus: OcspCertStatus,
    hash: CertIdHash,
    nonce?: Uint8Array,
    tamper = false,
  ) {
    const now = Date.now();
    const tbs = encodeBasicResponseTbs({
      responderSpki: responder.key.spki,
      producedAt: new Date(now),
      nonce,
      responses: [
        {
          certId: certIdFor(intermediate.cert, leaf.cert.serial, hash),
          certStatus,
          thisUpdate: new Date(now - 60_000),
          nextUpdate: new Date(now + 86_400_000),
        },
      ],
    });
    const signature = algorithm.sign(responder.key, tbs);
    // Tampering changes the last octet of nextUpdate's seconds after signing: still well-formed, no longer signed.
    const sent = tamper
      ? Uint8Array.of(...tbs.subarray(0, -2), (tbs.at(-2) ?? 0) ^ 1, ...tbs.subarray(-1))
      : tbs;
    await writeFile(path(name), assembleOcspResponse(sent, algorithm, signature, [responder.cert.der]));
  }

  /**
   * Checks a response as a relying party would: status for leaf.pem, the responder certificate chained to the
   * root (openssl takes the -issuer certificate as an intermediate). -no_nonce, or openssl would compare the
   * response with a nonce of its own making.
   */
  function checkResponse(name: string, digest?: string) {
    return openssl([
      'ocsp',
      '-respin',
      path(name),
      '-issuer',
      path('int.pem'),
      '-CAfile',
      path('root.pem'),
      ...(digest ? [digest] : []),
      '-cert',
      path('leaf.pem'),
      '-no_nonce',
      '-resp_text',
    ]);
  }

  test('requests openssl writes parse: SHA-1 and SHA-256 CertIDs, with and without a nonce', async () => {
    const cases = [
      { options: [], digest: undefined, hash: 'sha1', nonce: true },
      { options: ['-no_nonce'], digest: undefined, hash: 'sha1', nonce: false },
      { options: [], digest: '-sha256', hash: 'sha256', nonce: true },
      { options: ['-no_nonce'], digest: '-sha256', hash: 'sha256', nonce: false },
    ] as const;
    for (const [i, c] of cases.entries()) {
      const request = await opensslRequest(`req-${i}.der`, c.options, c.digest);
      assert.equal(request.requests.length, 1);
      assert.deepEqual(request.requests[0]?.certId, certIdFor(intermediate.cert, leaf.cert.serial, c.hash));
      assert.equal(request.requests[0]?.certId.serial, leaf.cert.serial);
      // openssl sends a 16-octet nonce by default.
      assert.equal(request.nonce?.length, c.nonce ? 16 : undefined, JSON.stringify(c));
      assert.equal(request.signed, false);
    }
  });

  test('a request openssl signs (-signer) parses, reported as signed', async () => {
    const request = await opensslRequest('req-signed.der', [
      '-signer',
      path('leaf.pem'),
      '-signkey',
      path('leaf.key'),
    ]);
    assert.equal(request.signed, true);
    assert.deepEqual(request.requests[0]?.certId, certIdFor(intermediate.cert, leaf.cert.serial, 'sha1'));
  });

  test('openssl accepts our good, revoked and unknown responses from a delegated responder', async () => {
    const revokedAt = new Date('2026-03-01T10:00:00Z');
    const cases: ReadonlyArray<{ status: OcspCertStatus; hash: CertIdHash; expect: RegExp[] }> = [
      { status: { status: 'good' }, hash: 'sha1', expect: [/leaf\.pem: good/] },
      {
        status: { status: 'revoked', revokedAt, reason: 'keyCompromise' },
        hash: 'sha256',
        expect: [
          /leaf\.pem: revoked/,
          /Reason: keyCompromise/,
          /Revocation Time: Mar {2}1 10:00:00 2026 GMT/,
        ],
      },
      {
        status: { status: 'revoked', revokedAt, reason: 'unspecified' },
        hash: 'sha1',
        expect: [/leaf\.pem: revoked/, /Revocation Time: Mar {2}1 10:00:00 2026 GMT/],
      },
      { status: { status: 'unknown' }, hash: 'sha256', expect: [/leaf\.pem: unknown/] },
    ];
    for (const [i, c] of cases.entries()) {
      await writeResponse(`resp-${i}.der`, c.status, c.hash);
      const r = await checkResponse(`resp-${i}.der`, c.hash === 'sha256' ? '-sha256' : undefined);
      const output = r.stdout + r.stderr;
      assert.equal(r.code, 0, output);
      assert.match(output, /Response verify OK/);
      assert.match(output, /Responder Id: [0-9A-F]{40}/);
      for (const pattern of c.expect) assert.match(output, pattern, `${c.status.status}: ${output}`);
      if (c.status.status === 'revoked' && c.status.reason === 'unspecified') {
        assert.doesNotMatch(output, /Reason:/);
      }
    }
  });

  test('openssl refuses a response whose signature does not cover what it says', async () => {
    await writeResponse('resp-tampered.der', { status: 'good' }, 'sha1', undefined, true);
    const r = await checkResponse('resp-tampered.der');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /Response Verify Failure/);
  });

  test('openssl checks the echoed nonce: the request nonce verifies, any other is a Nonce Verify error', async () => {
    const request = await opensslRequest('req-nonce.der', []);
    assert.ok(request.nonce);
    const check = (response: string) =>
      openssl([
        'ocsp',
        '-reqin',
        path('req-nonce.der'),
        '-respin',
        path(response),
        '-CAfile',
        path('root.pem'),
        '-verify_other',
        path('int.pem'),
      ]);

    await writeResponse('resp-nonce.der', { status: 'good' }, 'sha1', request.nonce);
    const ok = await check('resp-nonce.der');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout + ok.stderr, /Response verify OK/);
    assert.doesNotMatch(ok.stdout + ok.stderr, /Nonce Verify error|WARNING: no nonce/);

    const wrong = new Uint8Array(request.nonce);
    wrong[0] = (wrong[0] ?? 0) ^ 0xff;
    await writeResponse('resp-wrong-nonce.der', { status: 'good' }, 'sha1', wrong);
    const mismatch = await check('resp-wrong-nonce.der');
    assert.notEqual(mismatch.code, 0);
    assert.match(mismatch.stdout + mismatch.stderr, /Nonce Verify error/);

    await writeResponse('resp-no-nonce.der', { status: 'good' }, 'sha1');
    const missing = await check('resp-no-nonce.der');
    assert.equal(missing.code, 0, missing.stderr);
    assert.match(missing.stdout + missing.stderr, /WARNING: no nonce in response/);
  });
});
