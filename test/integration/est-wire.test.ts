import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toDeviceId } from '../../src/core/ids.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { encodePem } from '../../src/pki/pem.js';
import { decodeCertsOnly } from '../../src/protocols/est/wire/certs-only.js';
import { decodeEstBody } from '../../src/protocols/est/wire/est-body.js';
import { csr, type ClientCredential, type EstTestServer, startEstServer } from '../helpers/est-server.js';
import { rawHttps } from '../helpers/raw-https.js';

/** What strict embedded clients and bad requests see on the wire. */
describe('EST on the wire', () => {
  let est: EstTestServer;
  let idevid: ClientCredential;
  before(async () => {
    est = await startEstServer({ est: { rateLimit: { perMinute: 6000, burst: 1000 } } });
    idevid = await est.issue('idevid', 'serialNumber=SN-WIRE-1');
  });
  after(() => est.close());

  const post = (
    path: string,
    body: string | Buffer,
    headers: Record<string, string> = { 'Content-Type': 'application/pkcs10' },
    as: ClientCredential | null = idevid,
  ) =>
    rawHttps(`${est.estUrl}${path}`, {
      method: 'POST',
      headers,
      body,
      ca: est.rootPem,
      ...(as ? { cert: as.certificatePem, key: as.keyPem } : {}),
    });

  test('responses spell Content-Type and Content-Length, are never chunked, and wrap base64 at 64 columns with LF', async () => {
    const response = await rawHttps(`${est.estUrl}/cacerts`, { method: 'GET', ca: est.rootPem });
    assert.equal(response.status, 200);
    assert.ok(
      response.headerLines.includes('Content-Type: application/pkcs7-mime; smime-type=certs-only'),
      response.headerLines.join('|'),
    );
    const length = response.headerLines.find((l) => l.startsWith('Content-Length: '));
    assert.equal(
      Number(length?.slice('Content-Length: '.length)),
      Buffer.byteLength(response.body, 'latin1'),
    );
    assert.ok(!response.headerLines.some((l) => /^transfer-encoding/i.test(l)));
    assert.ok(!response.body.includes('\r'), 'no CR: GNU base64 -d refuses it');
    const lines = response.body.split('\n');
    assert.equal(lines.pop(), '', 'ends with a line end');
    assert.ok(lines.every((l) => l.length <= 64 && l.length > 0));
    assert.equal(decodeCertsOnly(decodeEstBody(response.body, 'test')).length, 2);
  });

  test('any input form is accepted: wrapped or single-line base64, with or without Content-Transfer-Encoding, PEM, DER', async () => {
    const forms: Array<[string, (der: Uint8Array) => string | Buffer, Record<string, string>]> = [
      ['single-line base64', (der) => Buffer.from(der).toString('base64'), {}],
      [
        'wrapped base64 with CTE',
        (der) =>
          Buffer.from(der)
            .toString('base64')
            .replace(/(.{64})/g, '$1\r\n'),
        { 'Content-Transfer-Encoding': 'base64' },
      ],
      [
        'LF-wrapped with a bogus CTE',
        (der) =>
          Buffer.from(der)
            .toString('base64')
            .replace(/(.{76})/g, '$1\n'),
        { 'Content-Transfer-Encoding': '7bit' },
      ],
      ['PEM', (der) => encodePem('CERTIFICATE REQUEST', der), {}],
      ['raw DER', (der) => Buffer.from(der), {}],
    ];
    for (const [name, encode, extra] of forms) {
      const response = await post('/simpleenroll', encode(csr('CN=wire').der), {
        'Content-Type': 'application/pkcs10',
        ...extra,
      });
      assert.equal(response.status, 200, `${name}: ${response.body}`);
      const [certificate] = decodeCertsOnly(decodeEstBody(response.body, name));
      assert.match(parseCertificate(certificate!).subjectText, /CN=wire/);
    }
  });

  test('bad input gets the right status, a one-line reason, nothing issued, and an event', async () => {
    const { store } = est.server.runtime;
    const valid = csr('CN=bad').der;
    const badSignature = Buffer.from(valid);
    badSignature[badSignature.length - 3] = (badSignature[badSignature.length - 3] ?? 0) ^ 0xff;
    const cases: Array<{
      name: string;
      body: string | Buffer;
      headers?: Record<string, string>;
      as?: ClientCredential | null;
      status: number;
      reason: RegExp;
    }> = [
      {
        name: 'malformed base64',
        body: 'this is not base64!!',
        status: 400,
        reason: /not valid base64|malformed/i,
      },
      {
        name: 'not a CSR',
        body: Buffer.from('MAMCAQA=', 'latin1'),
        status: 400,
        reason: /certificate signing request/,
      },
      {
        name: 'bad signature',
        body: Buffer.from(badSignature).toString('base64'),
        status: 400,
        reason: /proof of possession/,
      },
      { name: 'too large', body: 'A'.repeat(70_000), status: 413, reason: /too large/ },
      {
        name: 'wrong content type',
        body: Buffer.from(valid).toString('base64'),
        headers: { 'Content-Type': 'application/json' },
        status: 415,
        reason: /application\/pkcs10/,
      },
      {
        name: 'no credential',
        body: Buffer.from(valid).toString('base64'),
        as: null,
        status: 401,
        reason: /IDevID client certificate or an enrollment token/,
      },
    ];
    for (const c of cases) {
      const before = await store.certificates.count({ deviceId: toDeviceId('SN-WIRE-1')! });
      const eventsBefore = (await store.enrollments.list({ limit: 1000 })).length;
      const response = await post(
        '/simpleenroll',
        c.body,
        c.headers ?? { 'Content-Type': 'application/pkcs10' },
        c.as === undefined ? idevid : c.as,
      );
      assert.equal(response.status, c.status, `${c.name}: ${response.body}`);
      assert.ok(response.headerLines.includes('Content-Type: text/plain; charset=utf-8'), c.name);
      assert.match(response.body, c.reason, c.name);
      assert.equal(response.body.trimEnd().split('\n').length, 1, `${c.name}: one line`);
      if (c.status === 401)
        assert.ok(
          response.headerLines.some((l) => l.startsWith('WWW-Authenticate: Basic')),
          c.name,
        );
      assert.equal(
        await store.certificates.count({ deviceId: toDeviceId('SN-WIRE-1')! }),
        before,
        `${c.name}: nothing issued`,
      );
      assert.equal(
        (await store.enrollments.list({ limit: 1000 })).length,
        eventsBefore + 1,
        `${c.name}: one event recorded`,
      );
    }
  });

  test('rate limits per client identity answer 429 with Retry-After', async () => {
    const limited = await startEstServer({ est: { rateLimit: { perMinute: 1, burst: 2 } } });
    try {
      const device = await limited.issue('idevid', 'serialNumber=SN-RATE-1');
      const client = limited.client({ as: device });
      await client.simpleenroll(csr('CN=r').der);
      await client.simpleenroll(csr('CN=r').der);
      const response = await rawHttps(`${limited.estUrl}/simpleenroll`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/pkcs10' },
        body: Buffer.from(csr('CN=r').der).toString('base64'),
        ca: limited.rootPem,
        cert: device.certificatePem,
        key: device.keyPem,
      });
      assert.equal(response.status, 429);
      assert.ok(
        response.headerLines.some((l) => /^Retry-After: \d+$/.test(l)),
        response.headerLines.join('|'),
      );
      // Another device is not held back by the first one's limit.
      const other = await limited.issue('idevid', 'serialNumber=SN-RATE-2');
      assert.equal((await limited.client({ as: other }).simpleenroll(csr('CN=o').der)).status, 'issued');
    } finally {
      await limited.close();
    }
  });

  test('manual approval: 202 with Retry-After until approved, then the certificate, the same one for every repeat', async () => {
    const held = await startEstServer({
      est: {
        labels: {
          default: { profile: 'ldevid', credentials: ['idevid'] },
          vetted: { profile: 'ldevid', credentials: ['idevid'], manualApproval: true },
        },
        approvalRetryAfterSeconds: 30,
      },
    });
    try {
      const device = await held.issue('idevid', 'serialNumber=SN-HOLD-1');
      const request = csr('CN=held').der;
      const response = await rawHttps(`${held.estUrl}/vetted/simpleenroll`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/pkcs10' },
        body: Buffer.from(request).toString('base64'),
        ca: held.rootPem,
        cert: device.certificatePem,
        key: device.keyPem,
      });
      assert.equal(response.status, 202);
      assert.ok(response.headerLines.includes('Retry-After: 30'));
      const client = held.client({ label: 'vetted', as: device });
      assert.deepEqual(await client.simpleenroll(request), {
        status: 'pending',
        retryAfterSeconds: 30,
        serverDate: (await client.simpleenroll(request)).serverDate,
      });
      const { pendingEnrollments } = held.server.runtime.store;
      const [pending] = await pendingEnrollments.list({ status: 'pending' });
      assert.ok(pending);
      await pendingEnrollments.decide(pending.id, 'approved', 'operator:test', null, new Date());
      const first = await client.simpleenroll(request);
      const again = await client.simpleenroll(request);
      assert.equal(first.status, 'issued');
      assert.deepEqual(
        again.status === 'issued' && first.status === 'issued'
          ? Buffer.compare(again.certificate, first.certificate)
          : 1,
        0,
      );

      const other = csr('CN=held 2').der;
      await client.simpleenroll(other);
      const [next] = await pendingEnrollments.list({ status: 'pending' });
      await pendingEnrollments.decide(next!.id, 'rejected', 'operator:test', 'unknown installer', new Date());
      await assert.rejects(
        client.simpleenroll(other),
        (e: unknown) => e instanceof Error && /rejected by an operator: unknown installer/.test(e.message),
      );
    } finally {
      await held.close();
    }
  });
});
