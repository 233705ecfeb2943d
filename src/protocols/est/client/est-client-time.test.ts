import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Extension } from '@peculiar/asn1-x509';
import { OctetString } from '@peculiar/asn1-schema';
import { PkiError } from '../../../core/pki-error.js';
import { OID } from '../../../pki/oids.js';
import { encodePem } from '../../../pki/pem.js';
import type { AltName } from '../../../pki/general-names.js';
import {
  makeTestCertificate,
  type TestCertificateOptions,
  type TestCredential,
} from '../../../../test/helpers/pki-fixtures.js';
import { encodeCertsOnly } from '../wire/certs-only.js';
import { encodeEstBody } from '../wire/est-body.js';
import { EST_MEDIA_TYPE } from '../wire/media-types.js';
import { EstClient, type EstClientOptions } from './est-client.js';

const DAY_MS = 86_400_000;
const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** A root and an issuing CA valid 2015–2045, so that any certificate below can be judged at any time between. */
const root = makeTestCertificate({
  subject: 'Time Root',
  ca: true,
  notBefore: new Date('2015-01-01T00:00:00Z'),
  notAfter: new Date('2045-01-01T00:00:00Z'),
});
const issuing = makeTestCertificate({
  subject: 'Time Issuing CA',
  ca: true,
  pathLength: 0,
  issuer: root,
  notBefore: new Date('2015-01-01T00:00:00Z'),
  notAfter: new Date('2045-01-01T00:00:00Z'),
});
const rootPem = encodePem('CERTIFICATE', root.cert.der);
const LOOPBACK: AltName[] = [
  { type: 'ip', value: '127.0.0.1' },
  { type: 'dns', value: 'localhost' },
];

function serverCertificate(
  options: Partial<TestCertificateOptions> & { notBefore: Date; notAfter: Date },
  issuer: TestCredential = issuing,
): TestCredential {
  return makeTestCertificate({
    subject: 'est.test',
    issuer,
    altNames: LOOPBACK,
    extendedKeyUsage: [OID.serverAuth],
    ...options,
  });
}

const now = Date.now();
const validNow = serverCertificate({
  notBefore: new Date(now - DAY_MS),
  notAfter: new Date(now + 30 * DAY_MS),
});
const expired = serverCertificate({
  notBefore: new Date('2020-01-01T00:00:00Z'),
  notAfter: new Date('2021-01-01T00:00:00Z'),
});
const IN_2020 = new Date('2020-06-01T00:00:00Z');

interface TestServer {
  readonly baseUrl: string;
  /** Requests that reached the HTTP handler, by path. */
  readonly requests: string[];
}

function tlsOptions(leaf: TestCredential, chain: readonly TestCredential[]) {
  return {
    cert: [leaf, ...chain].map((c) => encodePem('CERTIFICATE', c.cert.der)).join(''),
    key: leaf.key.material.export({ format: 'pem', type: 'pkcs8' }).toString(),
    minVersion: 'TLSv1.2' as const,
  };
}

/** An EST server on 127.0.0.1 that answers cacerts with the root, over TLS with `leaf` and its `chain`. */
async function estServer(
  leaf: TestCredential,
  chain: readonly TestCredential[] = [issuing],
): Promise<TestServer> {
  const requests: string[] = [];
  const server = createHttpsServer(tlsOptions(leaf, chain), (req, res) => {
    requests.push(req.url ?? '');
    const body = Buffer.from(encodeEstBody(encodeCertsOnly([root.cert.der])), 'latin1');
    res.writeHead(200, { 'Content-Type': EST_MEDIA_TYPE.certsOnly, 'Content-Length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `https://127.0.0.1:${port}/.well-known/est`, requests };
}

function client(server: TestServer, options: Partial<EstClientOptions> = {}): EstClient {
  return new EstClient({ baseUrl: server.baseUrl, serverTrust: rootPem, timeoutMs: 5000, ...options });
}

const at = (date: Date) => () => date;

function untrusted(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof PkiError, String(error));
    assert.equal(error.code, 'UNTRUSTED', error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('EstClient: judging the server certificate at a given time', () => {
  test('(a) without the option, or when it says undefined, OpenSSL judges by the system clock as before', async () => {
    const server = await estServer(validNow);
    assert.equal((await client(server).cacerts()).length, 1);
    assert.equal((await client(server, { serverCertificateTime: () => undefined }).cacerts()).length, 1);
    assert.equal((await client(server, { serverCertificateTime: at(new Date()) }).cacerts()).length, 1);
    assert.equal(server.requests.length, 3);
  });

  test('(b) a certificate expired now is refused by the system clock, accepted at a time inside its validity', async () => {
    const server = await estServer(expired);
    await assert.rejects(client(server).cacerts(), (error: unknown) => {
      assert.ok(error instanceof PkiError);
      assert.equal(error.code, 'UNAVAILABLE');
      assert.equal((error.cause as { code?: string }).code, 'CERT_HAS_EXPIRED');
      return true;
    });
    const dated = await client(server, { serverCertificateTime: at(IN_2020) }).cacertsDated();
    assert.equal(dated.certificates.length, 1);
    assert.ok(dated.serverDate, 'the Date header: what a device with a wrong clock came for');
    assert.deepEqual(server.requests, ['/.well-known/est/cacerts']);
  });

  test('(c) a certificate for another name is refused even at a time inside its validity', async () => {
    const server = await estServer(
      serverCertificate({
        notBefore: new Date('2020-01-01T00:00:00Z'),
        notAfter: new Date('2044-01-01T00:00:00Z'),
        altNames: [{ type: 'dns', value: 'est.example.com' }],
      }),
    );
    await assert.rejects(
      client(server, { serverCertificateTime: at(IN_2020) }).cacerts(),
      untrusted(/127\.0\.0\.1/),
    );
    await assert.rejects(
      client(server, { serverCertificateTime: at(new Date()) }).cacerts(),
      untrusted(/127\.0\.0\.1/),
    );
    assert.deepEqual(server.requests, []);
  });

  test('(d) a chain to another root (same names, other keys) is refused', async () => {
    const impostorRoot = makeTestCertificate({
      subject: 'Time Root',
      ca: true,
      notBefore: new Date('2015-01-01T00:00:00Z'),
    });
    const impostorIssuing = makeTestCertificate({
      subject: 'Time Issuing CA',
      ca: true,
      issuer: impostorRoot,
      notBefore: new Date('2015-01-01T00:00:00Z'),
    });
    const server = await estServer(
      serverCertificate(
        { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2044-01-01T00:00:00Z') },
        impostorIssuing,
      ),
      [impostorIssuing, impostorRoot],
    );
    await assert.rejects(
      client(server, { serverCertificateTime: at(IN_2020) }).cacerts(),
      untrusted(/does not verify|no trusted issuer/),
    );
    await assert.rejects(
      client(server, { serverCertificateTime: () => ({ notEarlierThan: IN_2020 }) }).cacerts(),
      untrusted(/does not verify|no trusted issuer/),
    );
    // Without the issuing CA in the handshake there is no path either.
    const bare = await estServer(validNow, []);
    await assert.rejects(
      client(bare, { serverCertificateTime: at(new Date()) }).cacerts(),
      untrusted(/no trusted issuer/),
    );
    assert.deepEqual([...server.requests, ...bare.requests], []);
  });

  test('(e) a chain valid now is refused at a time outside its validity', async () => {
    const server = await estServer(validNow);
    await assert.rejects(
      client(server, { serverCertificateTime: at(IN_2020) }).cacerts(),
      untrusted(/not valid before/),
    );
    await assert.rejects(
      client(server, { serverCertificateTime: at(new Date(now + 60 * DAY_MS)) }).cacerts(),
      untrusted(/expired/),
    );
    // The issuing CA's validity counts too.
    await assert.rejects(
      client(server, { serverCertificateTime: at(new Date('2046-01-01T00:00:00Z')) }).cacerts(),
      untrusted(/expired/),
    );
    assert.deepEqual(server.requests, []);
  });

  test('a time that is not a date is refused before connecting', async () => {
    const server = await estServer(validNow);
    await assert.rejects(
      client(server, { serverCertificateTime: at(new Date(Number.NaN)) }).cacerts(),
      (error: unknown) => error instanceof PkiError && error.code === 'CONFIG_INVALID',
    );
    assert.deepEqual(server.requests, []);
  });

  test('a certificate not meant for TLS servers is refused', async () => {
    const server = await estServer(
      serverCertificate({
        notBefore: new Date('2020-01-01T00:00:00Z'),
        notAfter: new Date('2044-01-01T00:00:00Z'),
        extendedKeyUsage: [OID.clientAuth],
      }),
    );
    await assert.rejects(
      client(server, { serverCertificateTime: at(IN_2020) }).cacerts(),
      untrusted(/serverAuth/),
    );
    assert.deepEqual(server.requests, []);
  });

  test('a critical extension the validation does not understand is refused, as OpenSSL does', async () => {
    const server = await estServer(
      serverCertificate({
        notBefore: new Date('2020-01-01T00:00:00Z'),
        notAfter: new Date('2044-01-01T00:00:00Z'),
        extraExtensions: [
          new Extension({
            extnID: '1.3.6.1.4.1.32473.99.1',
            critical: true,
            extnValue: new OctetString(new Uint8Array([0x05, 0x00])),
          }),
        ],
      }),
    );
    await assert.rejects(
      client(server, { serverCertificateTime: at(IN_2020) }).cacerts(),
      untrusted(/critical extension 1\.3\.6\.1\.4\.1\.32473\.99\.1/),
    );
    assert.deepEqual(server.requests, []);
  });

  test('notEarlierThan: judged at the earliest moment the chain is valid, never before that bound', async () => {
    const server = await estServer(expired);
    // Bound before the certificate: judged at its notBefore (2020-01-01), where the whole chain is valid.
    const early = { serverCertificateTime: () => ({ notEarlierThan: new Date('2016-01-01T00:00:00Z') }) };
    assert.equal((await client(server, early).cacerts()).length, 1);
    // Bound after it expired (e.g. the device's own certificate was issued later): refused.
    const late = { serverCertificateTime: () => ({ notEarlierThan: new Date('2021-06-01T00:00:00Z') }) };
    await assert.rejects(client(server, late).cacerts(), untrusted(/expired/));
    assert.equal(server.requests.length, 1);
  });

  test('the unauthenticated bootstrap is unchanged: the option does not apply to it', async () => {
    const impostorRoot = makeTestCertificate({ subject: 'Other Root', ca: true });
    const server = await estServer(
      serverCertificate(
        { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + DAY_MS) },
        impostorRoot,
      ),
      [],
    );
    const bootstrap = new EstClient({
      baseUrl: server.baseUrl,
      serverTrust: '',
      unauthenticatedBootstrap: true,
      serverCertificateTime: at(IN_2020),
    });
    assert.equal((await bootstrap.cacerts()).length, 1);
  });

  test('a refused server receives not one byte of the request (its line, the token, the body)', async () => {
    const received: Buffer[] = [];
    const server = createTlsServer(tlsOptions(validNow, [issuing]), (socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    const target = {
      baseUrl: `https://127.0.0.1:${port}/.well-known/est`,
      serverTrust: rootPem,
      token: { user: 'device', secret: 'enrollment-secret' },
      timeoutMs: 1000,
    };
    const csr = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);

    await assert.rejects(
      new EstClient({ ...target, serverCertificateTime: at(IN_2020) }).simpleenroll(csr),
      untrusted(/not valid before/),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(Buffer.concat(received).length, 0);

    // The same request, judged at a time inside the validity, does go out (and times out: nobody answers).
    await assert.rejects(
      new EstClient({ ...target, serverCertificateTime: at(new Date()) }).simpleenroll(csr),
      (error: unknown) => error instanceof PkiError && error.code === 'UNAVAILABLE',
    );
    const sent = Buffer.concat(received).toString('latin1');
    assert.match(sent, /^POST \/\.well-known\/est\/simpleenroll/);
    assert.match(sent, /Authorization: Basic/);
  });
});
