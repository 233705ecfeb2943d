import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CertID } from '@peculiar/asn1-ocsp';
import { OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { systemClock } from '../../src/core/clock.js';
import { type IssuerId, type SerialHex, toIssuerId, toSerialHex } from '../../src/core/ids.js';
import type { IssuedCertificate } from '../../src/ca/issue-order.js';
import { publicKeyFromSpki } from '../../src/pki/algorithms/key-algorithm.js';
import { signatureAlgorithmOf } from '../../src/pki/algorithms/signature-algorithm.js';
import { type ParsedCertificate, parseCertificate } from '../../src/pki/certificate.js';
import { type ParsedCrl, parseCrl } from '../../src/pki/crl.js';
import { bytesEqual, encodeDer, hexToBytes, toArrayBuffer } from '../../src/pki/der.js';
import { derUnsignedInteger } from '../../src/pki/der-writer.js';
import { OID } from '../../src/pki/oids.js';
import { certIdFor, type ParsedCertId } from '../../src/pki/ocsp/cert-id.js';
import { buildOcspRequest } from '../../src/pki/ocsp/ocsp-request.js';
import type {
  OcspCertStatus,
  OcspResponseStatusName,
  ParsedBasicOcspResponse,
} from '../../src/pki/ocsp/ocsp-response.js';
import { type RunningServer, serve } from '../../src/server/serve.js';
import { csr } from '../helpers/est-server.js';
import { freePort } from '../helpers/free-port.js';
import { assertParserOnlyRaisesPkiErrors } from '../helpers/fuzz.js';
import {
  getPath,
  type HttpAnswer,
  httpRequest,
  ocspAnswer,
  postOcsp,
  verifiedBasic,
} from '../helpers/ocsp-http.js';
import { testConfig } from '../helpers/test-deployment.js';

const OPERATOR = { kind: 'operator', name: 'test' } as const;
const OPERATIONAL = toIssuerId('operational')!;
const FACTORY = toIssuerId('factory')!;
const ROOT = toIssuerId('root')!;
/** RFC 5019/9919: CRLs are cached for at most this long (revocation-http.ts). */
const CRL_MAX_AGE_SECONDS = 300;
/** public-http-server.ts: the largest OCSP request accepted over POST. */
const MAX_OCSP_REQUEST_BYTES = 16 * 1024;
/** runtime.ts: the most certificates one OCSP request may ask about. */
const MAX_CERTIFICATES_PER_REQUEST = 16;
/** config default revocation.ocspValiditySeconds. */
const OCSP_VALIDITY_SECONDS = 3600;

/**
 * CRLs, CA certificates and OCSP as relying parties reach them: the server's public plain-HTTP listener at the
 * address `pki.publicBaseUrl` names, so the URLs written into certificates are followed as they are. Every bad
 * request gets an OCSP error status or an HTTP 4xx, never a 5xx, and the listener keeps answering.
 */
describe('revocation endpoints on the public listener', () => {
  let dir: string;
  let server: RunningServer;
  let base: string;
  let operational: ParsedCertificate;
  let factory: ParsedCertificate;
  let root: ParsedCertificate;
  let devices = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-revocation-http-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = testConfig(dir, { log: { level: 'silent' } });
    server = await serve(
      {
        ...config,
        pki: { ...config.pki, publicBaseUrl: base },
        server: { ...config.server, publicHttp: { ...config.server.publicHttp, port } },
      },
      systemClock,
      {},
      () => undefined,
    );
    operational = server.runtime.issuers.get(OPERATIONAL)!.certificate;
    factory = server.runtime.issuers.get(FACTORY)!.certificate;
    root = parseCertificate(await readFile(join(dir, 'offline-root', 'root.cert.pem'), 'utf8'));
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A new device's LDevID (operational CA) or IDevID (factory CA), issued by the operator. */
  function issue(profile: 'ldevid' | 'idevid'): Promise<IssuedCertificate> {
    const deviceId = `RH-${++devices}`;
    const subject = profile === 'idevid' ? `serialNumber=${deviceId},CN=meter` : 'CN=meter';
    return server.runtime.ra.requestCertificate(OPERATOR, {
      csr: csr(subject).der,
      profile,
      protocol: 'test',
      operation: 'issue',
      deviceId,
    });
  }

  const crlOf = async (id: IssuerId) => {
    const answer = await httpRequest(`${base}/crl/${id}.crl`);
    assert.equal(answer.status, 200, `${id}: ${Buffer.from(answer.body).toString()}`);
    return { answer, crl: parseCrl(answer.body) };
  };

  const revocationTime = async (id: IssuerId, serial: SerialHex): Promise<Date> => {
    const record = await server.runtime.store.certificates.get(id, serial);
    assert.ok(record?.revokedAt, `${serial} is revoked in the ledger`);
    return new Date(Math.floor(record.revokedAt.getTime() / 1000) * 1000);
  };

  test('issued LDevIDs and IDevIDs point at the public listener (CDP, AIA OCSP and caIssuers), and the URLs answer', async () => {
    assert.equal(server.publicUrl, base);
    const cases = [
      ['ldevid', OPERATIONAL, operational],
      ['idevid', FACTORY, factory],
    ] as const;
    for (const [profile, id, issuer] of cases) {
      const issued = await issue(profile);
      assert.equal(issued.issuerId, id);
      const { extensions } = parseCertificate(issued.der);
      assert.deepEqual(extensions.crlDistributionPoints, [`${base}/crl/${id}.crl`], profile);
      assert.deepEqual(extensions.ocspUrls, [`${base}/ocsp/${id}`], profile);
      assert.deepEqual(extensions.caIssuersUrls, [`${base}/ca/${id}.cer`], profile);

      const caIssuer = await httpRequest(extensions.caIssuersUrls[0]!);
      assert.equal(caIssuer.status, 200, profile);
      assert.ok(bytesEqual(caIssuer.body, issuer.der), `${profile}: caIssuers serves the issuer`);
      const crl = parseCrl((await httpRequest(extensions.crlDistributionPoints[0]!)).body);
      assert.ok(bytesEqual(crl.issuerDer, issuer.subjectDer), `${profile}: the CDP serves the issuer's CRL`);
      const answer = await postOcsp(
        extensions.ocspUrls[0]!,
        buildOcspRequest([{ issuer, serial: issued.serial }]),
      );
      const basic = verifiedBasic(ocspAnswer(answer, profile), issuer);
      assert.deepEqual(basic.responses[0]?.certStatus, { status: 'good' }, profile);
    }
    // The online CAs point at the root's CRL, which the ceremony stored for the listener to serve.
    for (const issuer of [operational, factory]) {
      assert.deepEqual(issuer.extensions.crlDistributionPoints, [`${base}/crl/root.crl`]);
    }
  });

  test('CRLs are application/pkix-crl, public for at most 5 minutes, dated, and signed by their issuer', async () => {
    const cases = [
      [OPERATIONAL, operational],
      [FACTORY, factory],
      [ROOT, root],
    ] as const;
    for (const [id, issuer] of cases) {
      const { answer, crl } = await crlOf(id);
      assert.equal(answer.headers.get('content-type'), 'application/pkix-crl', id);
      const cacheControl = answer.headers.get('cache-control') ?? '';
      const maxAge = /^public, max-age=(\d+)$/.exec(cacheControl);
      assert.ok(maxAge, `${id}: Cache-Control ${cacheControl}`);
      assert.ok(Number(maxAge[1]) > 0 && Number(maxAge[1]) <= CRL_MAX_AGE_SECONDS, `${id}: ${cacheControl}`);
      assert.ok(crl.nextUpdate, `${id}: nextUpdate`);
      assert.equal(answer.headers.get('last-modified'), crl.thisUpdate.toUTCString(), id);
      assert.equal(answer.headers.get('expires'), crl.nextUpdate.toUTCString(), id);
      assert.ok(crl.thisUpdate.getTime() <= Date.now() && Date.now() < crl.nextUpdate.getTime(), id);
      assert.ok(crl.crlNumber !== undefined, `${id}: CRL number`);
      assert.ok(bytesEqual(crl.issuerDer, issuer.subjectDer), `${id}: issuer name`);
      assert.ok(bytesEqual(crl.authorityKeyId!, issuer.extensions.subjectKeyId!), `${id}: AKI`);
      assert.ok(crlVerifies(crl, issuer), `${id}: signed by the issuer`);
    }
    const { crl } = await crlOf(OPERATIONAL);
    assert.ok(!crlVerifies(crl, factory), 'another CA key does not verify it');
  });

  test('a revocation republishes the CRL within about a second: the serial, its reason, a higher CRL number', async () => {
    const leaf = await issue('ldevid');
    const bystander = await issue('ldevid');
    const { crl: before } = await crlOf(OPERATIONAL);
    const { crl: factoryBefore } = await crlOf(FACTORY);
    assert.ok(!before.entries.some((e) => e.serial === leaf.serial));

    const started = Date.now();
    const summary = await server.runtime.revocations.revoke(
      OPERATOR,
      { kind: 'certificate', serial: leaf.serial, issuerId: OPERATIONAL },
      'keyCompromise',
    );
    assert.equal(summary.revoked, 1);
    let republished: ParsedCrl | undefined;
    while (!republished && Date.now() - started < 5000) {
      const { crl } = await crlOf(OPERATIONAL);
      if (crl.entries.some((e) => e.serial === leaf.serial)) republished = crl;
      else await sleep(25);
    }
    const elapsedMs = Date.now() - started;
    assert.ok(republished, 'the CRL lists the revoked serial');
    // The schedule coalesces revocations for 500 ms; the margin is for a loaded machine.
    assert.ok(elapsedMs < 2000, `republished after ${elapsedMs} ms`);
    assert.ok(republished.crlNumber! > before.crlNumber!, 'a higher CRL number');
    assert.ok(crlVerifies(republished, operational));
    const entry = republished.entries.find((e) => e.serial === leaf.serial)!;
    assert.equal(entry.reason, 'keyCompromise');
    assert.equal(entry.revokedAt.getTime(), (await revocationTime(OPERATIONAL, leaf.serial)).getTime());
    assert.ok(!republished.entries.some((e) => e.serial === bystander.serial));
    const { crl: factoryAfter } = await crlOf(FACTORY);
    assert.equal(factoryAfter.crlNumber, factoryBefore.crlNumber, "another issuer's CRL stays as it was");
  });

  test('CA certificates as DER and PEM; unknown CRLs and CA certificates are 404', async () => {
    const cases = [
      [OPERATIONAL, operational],
      [FACTORY, factory],
      [ROOT, root],
    ] as const;
    for (const [id, issuer] of cases) {
      const der = await httpRequest(`${base}/ca/${id}.cer`);
      assert.equal(der.status, 200, id);
      assert.equal(der.headers.get('content-type'), 'application/pkix-cert', id);
      assert.ok(bytesEqual(der.body, issuer.der), id);
      const pem = await httpRequest(`${base}/ca/${id}.pem`);
      assert.equal(pem.status, 200, id);
      assert.equal(pem.headers.get('content-type'), 'application/x-pem-file', id);
      assert.ok(bytesEqual(parseCertificate(Buffer.from(pem.body).toString()).der, issuer.der), id);
    }
    const unknown = [
      '/crl/nosuch.crl',
      '/crl/operational',
      '/crl/operational.pem',
      '/crl/Operational.crl',
      '/crl/..%2Fdata.crl',
      '/ca/nosuch.cer',
      '/ca/nosuch.pem',
      '/ca/operational.der',
      '/ca/..%2Foperational.cer',
    ];
    for (const path of unknown) {
      const answer = await httpRequest(`${base}${path}`);
      assert.equal(answer.status, 404, path);
      assert.match(answer.headers.get('content-type') ?? '', /^text\/plain/, path);
    }
  });

  test('OCSP over POST and GET, at /ocsp and /ocsp/<issuer>: good, then revoked with reason and time', async () => {
    const leaf = await issue('ldevid');
    const sha256 = certIdFor(operational, leaf.serial, 'sha256');
    const sha1 = certIdFor(operational, leaf.serial, 'sha1');
    const request = buildOcspRequest([sha256]);
    const routes: Array<[string, ParsedCertId, () => Promise<HttpAnswer>]> = [
      ['POST /ocsp', sha256, () => postOcsp(`${base}/ocsp`, request)],
      ['POST /ocsp/operational', sha256, () => postOcsp(`${base}/ocsp/operational`, request)],
      ['GET /ocsp/<request>', sha256, () => httpRequest(`${base}/ocsp/${getPath(request)}`)],
      [
        'GET /ocsp/operational/<request>',
        sha256,
        () => httpRequest(`${base}/ocsp/operational/${getPath(request)}`),
      ],
      ['POST /ocsp, SHA-1 CertID', sha1, () => postOcsp(`${base}/ocsp`, buildOcspRequest([sha1]))],
    ];
    const expectEverywhere = async (expected: OcspCertStatus) => {
      for (const [name, certId, send] of routes) {
        const answer = await send();
        const basic = verifiedBasic(ocspAnswer(answer, name), operational);
        assert.equal(basic.responses.length, 1, name);
        const [single] = basic.responses;
        assert.ok(bytesEqual(single!.certId.raw, certId.raw), `${name}: the CertID is echoed`);
        assert.deepEqual(single!.certStatus, expected, name);
        assert.equal(basic.nonce, undefined, `${name}: no nonce asked, none sent`);
        assert.equal(
          single!.nextUpdate!.getTime() - single!.thisUpdate.getTime(),
          OCSP_VALIDITY_SECONDS * 1000,
          name,
        );
        if (name.startsWith('GET')) assertGetCaching(answer, basic, name);
        else assert.equal(answer.headers.get('cache-control'), 'no-store', name);
      }
    };

    await expectEverywhere({ status: 'good' });
    // Answers without a nonce are cached; the revocation must clear them on this node.
    await server.runtime.revocations.revoke(
      OPERATOR,
      { kind: 'certificate', serial: leaf.serial },
      'affiliationChanged',
    );
    await expectEverywhere({
      status: 'revoked',
      revokedAt: await revocationTime(OPERATIONAL, leaf.serial),
      reason: 'affiliationChanged',
    });

    const unknownSerial = toSerialHex(`7f${randomBytes(15).toString('hex')}`)!;
    const unknown = verifiedBasic(
      ocspAnswer(
        await postOcsp(`${base}/ocsp`, buildOcspRequest([{ issuer: operational, serial: unknownSerial }])),
      ),
      operational,
    );
    assert.deepEqual(unknown.responses[0]?.certStatus, { status: 'unknown' }, 'a serial never issued');
  });

  test("GET takes the base64 with '/' and '+' as is, percent-encoded, or URL-safe; the nonce is echoed", async () => {
    const leaf = await issue('ldevid');
    let request: Uint8Array = new Uint8Array();
    let nonce: Uint8Array = new Uint8Array();
    for (let attempt = 0; !/\+/.test(base64(request)) || !/\//.test(base64(request)); attempt++) {
      assert.ok(attempt < 1000, "no request whose base64 holds both '/' and '+'");
      nonce = new Uint8Array(randomBytes(32));
      request = buildOcspRequest([{ issuer: operational, serial: leaf.serial }], { nonce });
    }
    const forms = {
      'as is': base64(request),
      'percent-encoded': encodeURIComponent(base64(request)),
      'URL-safe, unpadded': Buffer.from(request).toString('base64url'),
    };
    assert.match(forms['percent-encoded'], /%2F/);
    assert.match(forms['percent-encoded'], /%2B/);
    for (const [form, path] of Object.entries(forms)) {
      for (const prefix of ['/ocsp/', '/ocsp/operational/']) {
        const answer = await httpRequest(`${base}${prefix}${path}`);
        const basic = verifiedBasic(ocspAnswer(answer, `${prefix} ${form}`), operational);
        assert.ok(basic.nonce && bytesEqual(basic.nonce, nonce), `${prefix} ${form}: nonce echoed`);
        assert.deepEqual(basic.responses[0]?.certStatus, { status: 'good' }, `${prefix} ${form}`);
      }
    }

    // Over POST too, each request gets its own nonce back: a nonce is never answered from the cache.
    for (const length of [16, 32]) {
      const fresh = new Uint8Array(randomBytes(length));
      const answer = await postOcsp(
        `${base}/ocsp`,
        buildOcspRequest([{ issuer: operational, serial: leaf.serial }], { nonce: fresh }),
      );
      const basic = verifiedBasic(ocspAnswer(answer), operational);
      assert.ok(basic.nonce && bytesEqual(basic.nonce, fresh), `${length}-octet nonce echoed`);
    }
  });

  test('bad input gets an OCSP error status or an HTTP 4xx, never a 5xx, and the listener keeps answering', async () => {
    const leaf = await issue('ldevid');
    const idevid = await issue('idevid');
    const valid = buildOcspRequest([{ issuer: operational, serial: leaf.serial }]);
    const garbage = new TextEncoder().encode('this is not an OCSP request, not even DER');
    const certIdWith = (algorithm: string, length = 32) => ({
      ...certIdFor(operational, leaf.serial, 'sha256'),
      raw: rawCertId(
        algorithm,
        new Uint8Array(randomBytes(length)),
        new Uint8Array(randomBytes(length)),
        leaf.serial,
      ),
    });
    const many = (n: number) =>
      buildOcspRequest(
        Array.from({ length: n }, (_, i) => ({
          issuer: operational,
          serial: toSerialHex((0x1000 + i).toString(16))!,
        })),
      );
    type Expected = Exclude<OcspResponseStatusName, 'successful'> | 400 | 413 | 415;
    const cases: Array<[string, Expected, () => Promise<HttpAnswer>]> = [
      ['garbage POST body', 'malformedRequest', () => postOcsp(`${base}/ocsp`, garbage)],
      [
        'random POST body',
        'malformedRequest',
        () => postOcsp(`${base}/ocsp`, new Uint8Array(randomBytes(500))),
      ],
      ['truncated request', 'malformedRequest', () => postOcsp(`${base}/ocsp`, valid.subarray(0, -1))],
      [
        'half a request',
        'malformedRequest',
        () => postOcsp(`${base}/ocsp`, valid.subarray(0, valid.length / 2)),
      ],
      ['empty body', 'malformedRequest', () => postOcsp(`${base}/ocsp`, new Uint8Array())],
      [
        'body one byte over the limit',
        413,
        () => postOcsp(`${base}/ocsp`, new Uint8Array(MAX_OCSP_REQUEST_BYTES + 1)),
      ],
      ['body of a megabyte', 413, () => postOcsp(`${base}/ocsp/operational`, new Uint8Array(1 << 20))],
      ['application/octet-stream', 415, () => postOcsp(`${base}/ocsp`, valid, 'application/octet-stream')],
      ['application/ocsp-response', 415, () => postOcsp(`${base}/ocsp`, valid, 'application/ocsp-response')],
      [
        'no Content-Type',
        415,
        () => httpRequest(`${base}/ocsp`, { method: 'POST', body: new Blob([valid]) }),
      ],
      ['GET, not base64', 'malformedRequest', () => httpRequest(`${base}/ocsp/not*base64!`)],
      // Fastify's router refuses the URL before any route sees it (FST_ERR_BAD_URL, a JSON body).
      ['GET, bad percent-encoding', 400, () => httpRequest(`${base}/ocsp/MEow%ZZ`)],
      ['GET, base64 of garbage', 'malformedRequest', () => httpRequest(`${base}/ocsp/${getPath(garbage)}`)],
      [
        'GET /ocsp/<issuer>, base64 of garbage',
        'malformedRequest',
        () => httpRequest(`${base}/ocsp/operational/${getPath(garbage)}`),
      ],
      [
        'GET, truncated request',
        'malformedRequest',
        () => httpRequest(`${base}/ocsp/${getPath(valid.subarray(0, -3))}`),
      ],
      [
        'GET, 12,000 characters of base64',
        'malformedRequest',
        () => httpRequest(`${base}/ocsp/${'A'.repeat(12_000)}`),
      ],
      [
        'nonce of 129 octets (RFC 9654 §2.1)',
        'malformedRequest',
        () =>
          postOcsp(
            `${base}/ocsp`,
            buildOcspRequest([{ issuer: operational, serial: leaf.serial }], { nonce: new Uint8Array(129) }),
          ),
      ],
      // Syntax the responder cannot read is malformedRequest, as Boulder and Go's x/crypto/ocsp answer it: the
      // client learns that its request, not the responder's authority, is the problem, and can retry with SHA-256.
      [
        'MD5 CertID',
        'malformedRequest',
        () => postOcsp(`${base}/ocsp`, buildOcspRequest([certIdWith('1.2.840.113549.2.5', 16)])),
      ],
      [
        'SHA-512 CertID',
        'malformedRequest',
        () => postOcsp(`${base}/ocsp`, buildOcspRequest([certIdWith('2.16.840.1.101.3.4.2.3', 64)])),
      ],
      [
        'invented hash OID',
        'malformedRequest',
        () => postOcsp(`${base}/ocsp`, buildOcspRequest([certIdWith('1.3.6.1.4.1.32473.99.1')])),
      ],
      [
        `${MAX_CERTIFICATES_PER_REQUEST + 1} certificates in one request`,
        'malformedRequest',
        () => postOcsp(`${base}/ocsp`, many(MAX_CERTIFICATES_PER_REQUEST + 1)),
      ],
      // RFC 6960 §2.3, RFC 9919 §2.2.3: a responder that cannot answer authoritatively says unauthorized.
      [
        'random issuer hashes',
        'unauthorized',
        () => postOcsp(`${base}/ocsp`, buildOcspRequest([certIdWith(OID.sha256)])),
      ],
      [
        'random issuer hashes, over GET',
        'unauthorized',
        () => httpRequest(`${base}/ocsp/${getPath(buildOcspRequest([certIdWith(OID.sha1, 20)]))}`),
      ],
      ['POST /ocsp/<issuer not ours>', 'unauthorized', () => postOcsp(`${base}/ocsp/nosuch`, valid)],
      ['POST /ocsp/<not an issuer id>', 'unauthorized', () => postOcsp(`${base}/ocsp/Not_An_Id`, valid)],
      [
        'GET /ocsp/<issuer not ours>/…',
        'unauthorized',
        () => httpRequest(`${base}/ocsp/nosuch/${getPath(valid)}`),
      ],
      [
        'the offline root (not answered online)',
        'unauthorized',
        () => postOcsp(`${base}/ocsp`, buildOcspRequest([{ issuer: root, serial: operational.serial }])),
      ],
      [
        'POST a factory CertID to /ocsp/operational',
        'unauthorized',
        () =>
          postOcsp(
            `${base}/ocsp/operational`,
            buildOcspRequest([{ issuer: factory, serial: idevid.serial }]),
          ),
      ],
      [
        'GET an operational CertID at /ocsp/factory',
        'unauthorized',
        () => httpRequest(`${base}/ocsp/factory/${getPath(valid)}`),
      ],
      [
        'GET an operational CertID at /ocsp/root',
        'unauthorized',
        () => httpRequest(`${base}/ocsp/root/${getPath(valid)}`),
      ],
      [
        'CertIDs of two issuers in one request',
        'unauthorized',
        () =>
          postOcsp(
            `${base}/ocsp`,
            buildOcspRequest([
              { issuer: operational, serial: leaf.serial },
              { issuer: factory, serial: idevid.serial },
            ]),
          ),
      ],
    ];
    for (const [name, expected, send] of cases) {
      const answer = await send();
      if (typeof expected === 'number') {
        assert.equal(answer.status, expected, `${name}: ${Buffer.from(answer.body).toString()}`);
        if (expected !== 400) assert.match(answer.headers.get('content-type') ?? '', /^text\/plain/, name);
      } else {
        assert.equal(ocspAnswer(answer, name).status, expected, name);
        assert.equal(answer.headers.get('cache-control'), 'no-store', `${name}: errors are not cached`);
      }
      const still = verifiedBasic(
        ocspAnswer(await postOcsp(`${base}/ocsp`, valid), `after ${name}`),
        operational,
      );
      assert.deepEqual(still.responses[0]?.certStatus, { status: 'good' }, `after ${name}`);
    }

    // The limit itself is fine.
    const sixteen = ocspAnswer(await postOcsp(`${base}/ocsp`, many(MAX_CERTIFICATES_PER_REQUEST)));
    assert.equal(verifiedBasic(sixteen, operational).responses.length, MAX_CERTIFICATES_PER_REQUEST);
    assert.equal((await httpRequest(`${base}/healthz`)).status, 200);
  });

  test('hundreds of random mutations of a valid request: never a 5xx, always an OCSP response or a 4xx', async () => {
    const [first, second] = [await issue('ldevid'), await issue('ldevid')];
    const valid = buildOcspRequest(
      [
        { issuer: operational, serial: first.serial },
        { issuer: operational, serial: second.serial },
      ],
      { nonce: new Uint8Array(16).fill(0x5a) },
    );
    const inputs: Uint8Array[] = [];
    assertParserOnlyRaisesPkiErrors(valid, (bytes) => inputs.push(new Uint8Array(bytes)), 400);
    const seen = new Map<string, number>();
    for (const [i, input] of inputs.entries()) {
      const overGet = i % 4 === 3;
      const answer = overGet
        ? await httpRequest(`${base}/ocsp/${getPath(input)}`)
        : await postOcsp(`${base}/ocsp`, input);
      const label = `input ${i} (${overGet ? 'GET' : 'POST'} ${Buffer.from(input).toString('hex')})`;
      assert.ok(answer.status < 500, `${label}: HTTP ${answer.status}`);
      if (answer.status !== 200) {
        assert.ok(answer.status >= 400, `${label}: HTTP ${answer.status}`);
        seen.set(`HTTP ${answer.status}`, (seen.get(`HTTP ${answer.status}`) ?? 0) + 1);
        continue;
      }
      const parsed = ocspAnswer(answer, label);
      if (parsed.status === 'successful') verifiedBasic(parsed, operational);
      seen.set(parsed.status, (seen.get(parsed.status) ?? 0) + 1);
    }
    assert.equal(inputs.length, 400);
    assert.ok((seen.get('malformedRequest') ?? 0) > 0, JSON.stringify([...seen]));
    assert.ok((seen.get('successful') ?? 0) + (seen.get('unauthorized') ?? 0) > 0, JSON.stringify([...seen]));
    assert.equal(seen.get('internalError'), undefined, JSON.stringify([...seen]));
    assert.equal((await httpRequest(`${base}/healthz`)).status, 200);
  });
});

function base64(der: Uint8Array): string {
  return Buffer.from(der).toString('base64');
}

function crlVerifies(crl: ParsedCrl, issuer: ParsedCertificate): boolean {
  const algorithm = signatureAlgorithmOf(crl.signatureAlgorithm);
  const key = publicKeyFromSpki(issuer.spkiDer);
  return algorithm.keyAlgorithms.includes(key.algorithm) && algorithm.verify(key, crl.tbsDer, crl.signature);
}

/** RFC 5019/9919 §6 caching headers of a GET answer: public, max-age up to nextUpdate, Last-Modified, Expires. */
function assertGetCaching(answer: HttpAnswer, basic: ParsedBasicOcspResponse, name: string): void {
  const cacheControl = answer.headers.get('cache-control') ?? '';
  const maxAge = /(?:^|, )max-age=(\d+)(?:,|$)/.exec(cacheControl);
  assert.ok(maxAge && /(?:^|, )public(?:,|$)/.test(cacheControl), `${name}: Cache-Control ${cacheControl}`);
  const nextUpdate = basic.responses[0]!.nextUpdate!;
  const untilNextUpdate = (nextUpdate.getTime() - Date.now()) / 1000;
  assert.ok(
    Number(maxAge[1]) > 0 && Math.abs(Number(maxAge[1]) - untilNextUpdate) <= 5,
    `${name}: max-age ${maxAge[1]}, nextUpdate in ${untilNextUpdate} s`,
  );
  assert.equal(answer.headers.get('last-modified'), basic.producedAt.toUTCString(), name);
  assert.equal(answer.headers.get('expires'), nextUpdate.toUTCString(), name);
}

/** A DER CertID with any hash algorithm and hashes (RFC 6960 §4.1.1). */
function rawCertId(
  algorithm: string,
  nameHash: Uint8Array,
  keyHash: Uint8Array,
  serial: SerialHex,
): Uint8Array {
  return encodeDer(
    new CertID({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm, parameters: null }),
      issuerNameHash: new OctetString(nameHash),
      issuerKeyHash: new OctetString(keyHash),
      serialNumber: toArrayBuffer(derUnsignedInteger(hexToBytes(serial)).subarray(2)),
    }),
  );
}
