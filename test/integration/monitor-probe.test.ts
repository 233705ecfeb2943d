import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type LookupFunction, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { systemClock } from '../../src/core/clock.js';
import type { DeviceId, IssuerId } from '../../src/core/ids.js';
import { encodePem } from '../../src/pki/pem.js';
import { bytesToHex } from '../../src/pki/der.js';
import { type Monitor, type MonitorSettings, openMonitor } from '../../src/monitor/open-monitor.js';
import type { NewEndpoint } from '../../src/store/endpoint-registry.js';
import type { EndpointObservation } from '../../src/store/observation-log.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { freePort } from '../helpers/free-port.js';
import { type MosquittoBroker, startMosquitto } from '../helpers/mosquitto.js';
import {
  issuerRecordOf,
  makeTestCertificate,
  makeTestHierarchy,
  type TestCredential,
} from '../helpers/pki-fixtures.js';

const ROOT_ID = 'test-root' as IssuerId;
const ISSUING_ID = 'test-issuing' as IssuerId;
const DEVICE = 'SN-42' as DeviceId;

const SETTINGS: MonitorSettings = {
  enabled: true,
  intervalSeconds: 3600,
  concurrency: 4,
  connectTimeoutMs: 2000,
  probeTimeoutMs: 1500,
  maxHandshakeBytes: 16_384,
  sampleShare: 0.05,
  extraTrustAnchorFiles: [],
  keepObservationsDays: 90,
  clientCredentials: {},
};

const pkcs8Pem = (credential: TestCredential) =>
  credential.key.material.export({ format: 'pem', type: 'pkcs8' }).toString();
const certPem = (...credentials: TestCredential[]) =>
  credentials.map((c) => encodePem('CERTIFICATE', c.cert.der)).join('');

/** Starts a server on 127.0.0.1, port 0; returns its port. */
function listen(server: Server | SMTPServer): Promise<number> {
  return new Promise((resolve, reject) => {
    const net = server instanceof SMTPServer ? server.server : server;
    net.once('error', reject);
    net.listen(0, '127.0.0.1', () => {
      const address = net.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

/**
 * The probes against real servers on loopback: TLS servers with chains from the test PKI (whose issuers and
 * server certificate are in the store), an expired and a self-signed certificate, peers that hang, send garbage
 * or a chain far over the cap, a closed port, SMTP (smtp-server) and IMAP STARTTLS, HTTPS and Mosquitto.
 */
describe('monitor probes against loopback servers', () => {
  const { root, intermediate } = makeTestHierarchy();
  const server = makeTestCertificate({
    subject: 'localhost',
    issuer: intermediate,
    altNames: [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ],
  });
  const expired = makeTestCertificate({
    subject: 'localhost',
    issuer: intermediate,
    altNames: [{ type: 'dns', value: 'localhost' }],
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2021-01-01T00:00:00Z'),
  });
  const selfSigned = makeTestCertificate({
    subject: 'localhost',
    altNames: [{ type: 'dns', value: 'localhost' }],
  });
  const client = makeTestCertificate({ subject: 'monitor', issuer: intermediate });
  // An issuing CA that ends before the certificate it issued: the chain ends with it.
  const shortLived = makeTestCertificate({
    subject: 'Short-lived Issuing CA',
    ca: true,
    issuer: root,
    notAfter: new Date('2030-06-01T00:00:00Z'),
  });
  const underShortLived = makeTestCertificate({
    subject: 'localhost',
    issuer: shortLived,
    altNames: [{ type: 'dns', value: 'localhost' }],
    notAfter: new Date('2031-01-01T00:00:00Z'),
  });

  let store: Store;
  let dir: string;
  const servers: Array<{ close(): unknown }> = [];
  const ports: Record<string, number> = {};
  let broker: MosquittoBroker | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-monitor-probe-'));
    store = await openStore('sqlite::memory:');
    await store.issuers.add(issuerRecordOf(ROOT_ID, root, null));
    await store.issuers.add(issuerRecordOf(ISSUING_ID, intermediate, ROOT_ID));
    const now = new Date();
    const entry = {
      issuerId: ISSUING_ID,
      serial: server.cert.serial,
      profile: 'tls-server',
      subject: server.cert.subjectText,
      sans: ['dns:localhost', 'ip:127.0.0.1'],
      deviceId: DEVICE,
      notBefore: server.cert.notBefore,
      notAfter: server.cert.notAfter,
      keyAlgorithm: 'ec-p256',
      spkiSha256: randomBytes(32).toString('hex'),
      requestedVia: 'test',
    };
    await store.ledger.recordPrepared([entry], now);
    await store.ledger.recordSigned(
      [
        {
          issuerId: ISSUING_ID,
          serial: server.cert.serial,
          der: server.cert.der,
          fingerprintSha256: server.cert.fingerprintSha256,
        },
      ],
      now,
      (signed) => ({
        at: now,
        event: 'cert.issued',
        actor: 'test',
        subject: `cert:${signed.issuerId}/${signed.serial}`,
        data: {},
      }),
    );

    const tlsServer = (cert: string, key: string) => {
      const s = createTlsServer({ cert, key }, (socket) => socket.end());
      s.on('tlsClientError', () => undefined);
      servers.push(s);
      return listen(s);
    };
    ports['good'] = await tlsServer(certPem(server, intermediate), pkcs8Pem(server));
    ports['expired'] = await tlsServer(certPem(expired, intermediate), pkcs8Pem(expired));
    ports['self-signed'] = await tlsServer(certPem(selfSigned), pkcs8Pem(selfSigned));
    ports['short-lived-ca'] = await tlsServer(
      certPem(underShortLived, shortLived),
      pkcs8Pem(underShortLived),
    );
    // A chain far over the 16 KiB cap: the leaf, then 80 unrelated CA certificates (about 40 KiB).
    const filler = Array.from({ length: 80 }, (_, i) =>
      makeTestCertificate({ subject: `Filler CA ${i}`, ca: true }),
    );
    ports['huge'] = await tlsServer(certPem(server, intermediate, ...filler), pkcs8Pem(server));

    const silent = createTcpServer(() => undefined);
    const held: Socket[] = [];
    silent.on('connection', (socket) => held.push(socket));
    servers.push({
      close: () => {
        for (const socket of held) socket.destroy();
        silent.close();
      },
    });
    ports['silent'] = await listen(silent);

    const garbage = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      const line = Buffer.from('HELLO this is not TLS at all\r\n'.repeat(64));
      const pump = () => {
        while (!socket.destroyed && socket.write(line));
      };
      socket.on('drain', pump);
      pump();
    });
    servers.push(garbage);
    ports['garbage'] = await listen(garbage);

    ports['closed'] = await freePort();

    const https = createHttpsServer(
      { cert: certPem(server, intermediate), key: pkcs8Pem(server) },
      (_req, res) => {
        res.writeHead(204).end();
      },
    );
    servers.push(https);
    ports['https'] = await listen(https);

    const smtp = new SMTPServer({
      secure: false,
      cert: certPem(server, intermediate),
      key: pkcs8Pem(server),
      authOptional: true,
      logger: false,
    });
    servers.push({ close: () => new Promise<void>((resolve) => smtp.close(() => resolve())) });
    ports['smtp'] = await listen(smtp);
    const smtpWithout = new SMTPServer({
      secure: false,
      hideSTARTTLS: true,
      authOptional: true,
      logger: false,
    });
    servers.push({ close: () => new Promise<void>((resolve) => smtpWithout.close(() => resolve())) });
    ports['smtp-no-starttls'] = await listen(smtpWithout);

    ports['imap'] = await listen(imapResponder(true));
    ports['imap-refusing'] = await listen(imapResponder(false));

    await writeFile(join(dir, 'ca.pem'), certPem(intermediate, root));
    await writeFile(join(dir, 'broker.pem'), certPem(server, intermediate));
    await writeFile(join(dir, 'broker.key'), pkcs8Pem(server), { mode: 0o600 });
    await writeFile(join(dir, 'client.pem'), certPem(client, intermediate));
    await writeFile(join(dir, 'client.key'), pkcs8Pem(client), { mode: 0o600 });
    broker = await startMosquitto(dir, {
      cafile: join(dir, 'ca.pem'),
      certfile: join(dir, 'broker.pem'),
      keyfile: join(dir, 'broker.key'),
    });
    ports['mqtt'] = broker.port;
  });

  after(async () => {
    await broker?.stop();
    for (const s of servers) await s.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A minimal IMAP server: greets, answers STARTTLS (OK or NO), then speaks TLS with the server certificate. */
  function imapResponder(agree: boolean): Server {
    const s = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] certfleet test IMAP ready\r\n');
      socket.once('data', (chunk) => {
        if (!/^a1 STARTTLS\r\n$/.test(chunk.toString('latin1'))) {
          socket.end('a1 BAD unexpected\r\n');
          return;
        }
        if (!agree) {
          socket.end('a1 NO STARTTLS is not available here\r\n');
          return;
        }
        socket.write('a1 OK Begin TLS negotiation now\r\n');
        const secure = new TLSSocket(socket, {
          isServer: true,
          cert: certPem(server, intermediate),
          key: pkcs8Pem(server),
        });
        secure.on('error', () => undefined);
      });
    });
    servers.push(s);
    return s;
  }

  /** The system's resolver, except that names under .invalid fail as getaddrinfo does. */
  const failingLookup = ((hostname: string, options: object, callback: (error: Error | null) => void) => {
    if (hostname.endsWith('.invalid')) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
      return;
    }
    (dnsLookup as unknown as (h: string, o: object, cb: typeof callback) => void)(
      hostname,
      options,
      callback,
    );
  }) as unknown as LookupFunction;

  async function probe(
    endpoint: Omit<NewEndpoint, 'name'>,
    settings: Partial<MonitorSettings> = {},
  ): Promise<EndpointObservation> {
    const monitor: Monitor = await openMonitor({
      store,
      settings: { ...SETTINGS, ...settings },
      clock: systemClock,
      log: { error: () => undefined },
      resolveSecret: () => Promise.reject(new Error('no secrets in this test')),
      baseDir: dir,
      lookup: failingLookup,
    });
    const added = await store.endpoints.add(
      { name: `ep-${randomBytes(4).toString('hex')}`, ...endpoint },
      new Date(),
    );
    return store.observations.record(await monitor.prober.probe(added));
  }

  test('the chain ends with its earliest certificate: an issuing CA that expires before its leaf', async () => {
    const o = await probe({ host: '127.0.0.1', port: ports['short-lived-ca']!, sni: 'localhost' });
    assert.equal(o.outcome, 'ok', o.errorMessage ?? '');
    assert.deepEqual(o.leaf?.notAfter, new Date('2031-01-01T00:00:00Z'));
    assert.deepEqual(o.chainNotAfter, new Date('2030-06-01T00:00:00Z'));
  });

  test('a chain we issued: valid against our trust, name matches, linked to its device', async () => {
    const o = await probe({ host: '127.0.0.1', port: ports['good']!, sni: 'localhost' });
    assert.equal(o.outcome, 'ok', o.errorMessage ?? '');
    assert.equal(o.chainValid, true, o.chainError ?? '');
    assert.equal(o.chainValidSystem, false);
    assert.ok(o.chainSystemError);
    assert.equal(o.hostnameMatches, true);
    assert.equal(o.tlsVersion, 'TLSv1.3');
    assert.equal(o.leaf?.keyAlgorithm, 'ec-p256');
    assert.equal(o.leaf?.serial, server.cert.serial);
    assert.deepEqual(o.leaf?.sans, ['dns:localhost', 'ip:127.0.0.1']);
    assert.equal(o.chainLength, 2);
    assert.equal(bytesToHex(o.chainDer[0]!), bytesToHex(server.cert.der));
    assert.equal(bytesToHex(o.chainDer[1]!), bytesToHex(intermediate.cert.der));
    assert.deepEqual(o.linked, { issuerId: ISSUING_ID, serial: server.cert.serial, deviceId: DEVICE });
    assert.ok(o.daysLeft !== null && o.daysLeft > 365);
    assert.deepEqual(
      o.chainNotAfter,
      new Date(Math.min(server.cert.notAfter.getTime(), intermediate.cert.notAfter.getTime())),
    );
    // Without SNI the IP address is what the certificate must match; it has it as an IP SAN.
    const byIp = await probe({ host: '127.0.0.1', port: ports['good']! });
    assert.equal(byIp.hostnameMatches, true);
  });

  test('an expired leaf: the handshake succeeds, the chain is invalid, days left negative', async () => {
    const o = await probe({ host: '127.0.0.1', port: ports['expired']!, sni: 'localhost' });
    assert.equal(o.outcome, 'ok');
    assert.equal(o.chainValid, false);
    assert.match(o.chainError ?? '', /expired/);
    assert.ok(o.daysLeft !== null && o.daysLeft < 0);
    assert.equal(o.linked, null, 'not a certificate the store recorded');
  });

  test('a wrong hostname is recorded as a mismatch', async () => {
    const o = await probe({ host: '127.0.0.1', port: ports['good']!, sni: 'broker.example.com' });
    assert.equal(o.outcome, 'ok');
    assert.equal(o.hostnameMatches, false);
    assert.equal(o.chainValid, true);
  });

  test('a self-signed certificate is invalid against our trust and the system store', async () => {
    const o = await probe({ host: '127.0.0.1', port: ports['self-signed']!, sni: 'localhost' });
    assert.equal(o.outcome, 'ok');
    assert.equal(o.chainValid, false);
    assert.match(o.chainError ?? '', /no trusted issuer/);
    assert.equal(o.chainValidSystem, false);
    assert.match(o.chainSystemError ?? '', /SELF_SIGNED|self.signed/i);
  });

  test('a peer that accepts and never answers times out within the bound', async () => {
    const o = await probe({ host: '127.0.0.1', port: ports['silent']! }, { probeTimeoutMs: 400 });
    assert.equal(o.outcome, 'timeout');
    assert.match(o.errorMessage ?? '', /no answer within 400 ms \(handshake\)/);
    assert.ok(o.durationMs >= 350 && o.durationMs < 2000, `${o.durationMs} ms`);
    assert.equal(o.chainLength, 0);
  });

  test('a peer sending garbage instead of TLS is a protocol error', async () => {
    const o = await probe({ host: '127.0.0.1', port: ports['garbage']! });
    assert.equal(o.outcome, 'protocol-error', o.errorMessage ?? '');
    assert.ok(o.durationMs < 1500);
  });

  test('a chain far over the byte cap is cut: chain-too-large', async () => {
    const o = await probe(
      { host: '127.0.0.1', port: ports['huge']!, sni: 'localhost' },
      { maxHandshakeBytes: 8192 },
    );
    assert.equal(o.outcome, 'chain-too-large', o.errorMessage ?? '');
    assert.match(o.errorMessage ?? '', /more than 8192 bytes/);
    // With room for it, the same server is probed: the cap is what cut it.
    const roomy = await probe(
      { host: '127.0.0.1', port: ports['huge']!, sni: 'localhost' },
      { maxHandshakeBytes: 1_048_576 },
    );
    assert.equal(roomy.outcome, 'ok', roomy.errorMessage ?? '');
  });

  test('a closed port is refused; an unknown name is a DNS failure', async () => {
    assert.equal((await probe({ host: '127.0.0.1', port: ports['closed']! })).outcome, 'refused');
    const dns = await probe({ host: 'nowhere.invalid', port: 443 });
    assert.equal(dns.outcome, 'dns');
    assert.match(dns.errorMessage ?? '', /ENOTFOUND/);
  });

  test('HTTPS: the status of HEAD / is recorded', async () => {
    const o = await probe({ host: '127.0.0.1', port: ports['https']!, sni: 'localhost', protocol: 'https' });
    assert.equal(o.outcome, 'ok', o.errorMessage ?? '');
    assert.equal(o.protocolResult, 'HTTP 204');
    assert.equal(o.chainValid, true);
  });

  test('SMTP STARTTLS (smtp-server): greeting, EHLO, STARTTLS, then the chain', async () => {
    const o = await probe({
      host: '127.0.0.1',
      port: ports['smtp']!,
      sni: 'localhost',
      protocol: 'smtp-starttls',
    });
    assert.equal(o.outcome, 'ok', o.errorMessage ?? '');
    assert.equal(o.chainValid, true);
    assert.deepEqual(o.linked?.deviceId, DEVICE);
    const refused = await probe({
      host: '127.0.0.1',
      port: ports['smtp-no-starttls']!,
      protocol: 'smtp-starttls',
    });
    assert.equal(refused.outcome, 'starttls-refused');
    assert.match(refused.errorMessage ?? '', /does not offer STARTTLS/);
  });

  test('IMAP STARTTLS: * OK, a1 STARTTLS, a1 OK, then the chain; a1 NO is starttls-refused', async () => {
    const o = await probe({
      host: '127.0.0.1',
      port: ports['imap']!,
      sni: 'localhost',
      protocol: 'imap-starttls',
    });
    assert.equal(o.outcome, 'ok', o.errorMessage ?? '');
    assert.equal(o.chainValid, true);
    const refused = await probe({
      host: '127.0.0.1',
      port: ports['imap-refusing']!,
      protocol: 'imap-starttls',
    });
    assert.equal(refused.outcome, 'starttls-refused');
    assert.match(refused.errorMessage ?? '', /a1 NO STARTTLS is not available here/);
    // Plain TLS spoken to an IMAP server: the greeting is not TLS.
    const plain = await probe({ host: '127.0.0.1', port: ports['imap']! });
    assert.equal(plain.outcome, 'protocol-error');
  });

  test('MQTT over TLS (Mosquitto): a client certificate is demanded; with one, CONNACK 0', async () => {
    const without = await probe({
      host: '127.0.0.1',
      port: ports['mqtt']!,
      sni: 'localhost',
      protocol: 'mqtts',
    });
    assert.equal(without.outcome, 'handshake-failure', `${without.outcome}: ${without.errorMessage ?? ''}`);
    const credentials = { probe: { certFile: 'client.pem', keyFile: 'client.key' } };
    const withCert = await probe(
      {
        host: '127.0.0.1',
        port: ports['mqtt']!,
        sni: 'localhost',
        protocol: 'mqtts',
        clientCredential: 'probe',
      },
      { clientCredentials: credentials },
    );
    assert.equal(withCert.outcome, 'ok', withCert.errorMessage ?? '');
    assert.equal(withCert.protocolResult, 'CONNACK 0 (accepted)');
    assert.match(withCert.tlsVersion ?? '', /^TLSv1\.[23]$/);
    assert.equal(withCert.chainValid, true);
    // The default credential serves endpoints that name none.
    const byDefault = await probe(
      { host: '127.0.0.1', port: ports['mqtt']!, sni: 'localhost', protocol: 'mqtts' },
      { clientCredentials: credentials, defaultClientCredential: 'probe' },
    );
    assert.equal(byDefault.protocolResult, 'CONNACK 0 (accepted)');
    const missing = await probe(
      { host: '127.0.0.1', port: ports['mqtt']!, protocol: 'mqtts', clientCredential: 'nope' },
      { clientCredentials: credentials },
    );
    assert.equal(missing.outcome, 'credential-missing');
  });

  test('unusable monitor files are CONFIG_INVALID at start, not failed probes', async () => {
    const open = (settings: Partial<MonitorSettings>) =>
      openMonitor({
        store,
        settings: { ...SETTINGS, ...settings },
        clock: systemClock,
        log: { error: () => undefined },
        resolveSecret: () => Promise.reject(new Error('no secrets')),
        baseDir: dir,
      });
    await assert.rejects(
      open({ extraTrustAnchorFiles: ['missing.pem'] }),
      /extraTrustAnchorFiles: cannot read/,
    );
    await assert.rejects(open({ extraTrustAnchorFiles: ['client.key'] }), /no PEM 'CERTIFICATE' block/);
    await assert.rejects(
      open({ clientCredentials: { a: { certFile: 'client.pem', keyFile: 'broker.key' } } }),
      /clientCredentials\/a: the certificate and key cannot be used together/,
    );
    await assert.rejects(open({ defaultClientCredential: 'ghost' }), /defaultClientCredential: 'ghost'/);
  });
});
