import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { assertAcmeProblem } from '../../../../test/helpers/acme-problem-assert.js';
import {
  type ChallengeResponder,
  startChallengeResponder,
} from '../../../../test/helpers/acme-challenge-responder.js';
import { makeTlsAlpn01Certificate } from '../../../../test/helpers/acme-tls-alpn-certificate.js';
import { freePort } from '../../../../test/helpers/free-port.js';
import { ACME_TLS_ALPN_PROTOCOL, validateTlsAlpn01 } from './tls-alpn-01.js';
import { loopbackTestNetwork, type ValidationNetwork } from './validation-network.js';

const KEY_AUTHZ = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';

describe('validateTlsAlpn01 (RFC 8737 §3) against a loopback responder', () => {
  let responder: ChallengeResponder;
  let network: ValidationNetwork;
  let nameCount = 0;
  /** A fresh name per test, so one test's certificate never answers for another. */
  const nextName = () => `device-${++nameCount}.example`;

  before(async () => {
    responder = await startChallengeResponder();
    network = loopbackTestNetwork({
      httpPort: responder.httpPort,
      tlsPort: responder.tlsPort,
      timeoutMs: 5000,
    });
  });
  after(() => responder.close());

  test('succeeds with a certificate for the name carrying the digest', async () => {
    const name = nextName();
    responder.provideTlsAlpn01(name, KEY_AUTHZ);
    await validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network);
  });

  test('compares the dNSName without regard to case', async () => {
    const name = nextName();
    responder.provideTlsAlpn01(name, KEY_AUTHZ, { altNames: [{ type: 'dns', value: name.toUpperCase() }] });
    await validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network);
  });

  test('an ip identifier is asked for by its reverse name and proven by an iPAddress (RFC 8738 §6)', async () => {
    // The responder keys its certificate by the SNI it expects (1.0.0.127.in-addr.arpa): any other SNI would get
    // no acme-tls/1 and fail as tls.
    responder.provideTlsAlpn01('127.0.0.1', KEY_AUTHZ);
    await validateTlsAlpn01({ type: 'ip', value: '127.0.0.1' }, KEY_AUTHZ, network);
  });

  test('a name the responder has no certificate for fails the handshake as tls', async () => {
    await assertAcmeProblem(validateTlsAlpn01({ type: 'dns', value: nextName() }, KEY_AUTHZ, network), 'tls');
  });

  const faults = [
    ['the acmeIdentifier extension is missing', { acmeIdentifier: 'missing' }, /no acmeIdentifier/],
    [
      'the acmeIdentifier extension is not critical',
      { acmeIdentifier: 'non-critical' },
      /not marked critical/,
    ],
    ['the digest is of another key authorization', { acmeIdentifier: 'wrong-digest' }, /SHA-256/],
  ] as const;
  for (const [label, fault, detail] of faults) {
    test(`incorrectResponse when ${label}`, async () => {
      const name = nextName();
      responder.provideTlsAlpn01(name, KEY_AUTHZ, fault);
      const problem = await assertAcmeProblem(
        validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network),
        'incorrectResponse',
      );
      assert.match(problem.detail, detail);
    });
  }

  test('incorrectResponse when a second subjectAltName sits beside the right one', async () => {
    const name = nextName();
    responder.provideTlsAlpn01(name, KEY_AUTHZ, {
      altNames: [
        { type: 'dns', value: name },
        { type: 'dns', value: 'other.example' },
      ],
    });
    const problem = await assertAcmeProblem(
      validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network),
      'incorrectResponse',
    );
    assert.match(problem.detail, /exactly one subjectAltName.*it has 2/);
  });

  test('incorrectResponse when the only subjectAltName names another host', async () => {
    const name = nextName();
    responder.provideTlsAlpn01(name, KEY_AUTHZ, { altNames: [{ type: 'dns', value: 'other.example' }] });
    await assertAcmeProblem(
      validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network),
      'incorrectResponse',
    );
  });

  test('incorrectResponse when there is no subjectAltName at all', async () => {
    const name = nextName();
    responder.provideTlsAlpn01(name, KEY_AUTHZ, { altNames: [] });
    await assertAcmeProblem(
      validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network),
      'incorrectResponse',
    );
  });

  test('incorrectResponse when an ip identifier is named by a dNSName or another address', async () => {
    responder.provideTlsAlpn01('127.0.0.1', KEY_AUTHZ, { altNames: [{ type: 'dns', value: '127.0.0.1' }] });
    await assertAcmeProblem(
      validateTlsAlpn01({ type: 'ip', value: '127.0.0.1' }, KEY_AUTHZ, network),
      'incorrectResponse',
    );
    responder.provideTlsAlpn01('127.0.0.1', KEY_AUTHZ, { altNames: [{ type: 'ip', value: '127.0.0.2' }] });
    await assertAcmeProblem(
      validateTlsAlpn01({ type: 'ip', value: '127.0.0.1' }, KEY_AUTHZ, network),
      'incorrectResponse',
    );
  });

  test('refuses a wildcard before connecting', async () => {
    await assertAcmeProblem(
      validateTlsAlpn01({ type: 'dns', value: '*.example.com' }, KEY_AUTHZ, network),
      'rejectedIdentifier',
    );
  });
});

describe('validateTlsAlpn01 over IPv6 loopback', () => {
  test('an IPv6 identifier is asked for by its ip6.arpa name and proven by its iPAddress', async () => {
    const responder = await startChallengeResponder({ host: '::1' });
    try {
      const network = loopbackTestNetwork({
        httpPort: responder.httpPort,
        tlsPort: responder.tlsPort,
        address: '::1',
      });
      responder.provideTlsAlpn01('::1', KEY_AUTHZ);
      await validateTlsAlpn01({ type: 'ip', value: '::1' }, KEY_AUTHZ, network);
      // Another spelling of the same address is the same identifier.
      await validateTlsAlpn01({ type: 'ip', value: '0:0:0:0:0:0:0:1' }, KEY_AUTHZ, network);
    } finally {
      await responder.close();
    }
  });
});

describe('validateTlsAlpn01 against servers that do not speak acme-tls/1', () => {
  const name = 'device.example';
  const certificate = makeTlsAlpn01Certificate(name, KEY_AUTHZ);

  test('a server that negotiates no ALPN at all is tls, though its certificate is right', async () => {
    await withTlsServer({}, async (network) => {
      const problem = await assertAcmeProblem(
        validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network),
        'tls',
      );
      assert.match(problem.detail, new RegExp(`did not negotiate ALPN ${ACME_TLS_ALPN_PROTOCOL}`));
    });
  });

  test('a server that knows only another protocol refuses the handshake: tls', async () => {
    await withTlsServer({ ALPNProtocols: ['http/1.1'] }, async (network) => {
      const problem = await assertAcmeProblem(
        validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network),
        'tls',
      );
      assert.match(problem.detail, /handshake failed/);
    });
  });

  test('the same server with acme-tls/1 passes, so the two above fail for ALPN alone', async () => {
    await withTlsServer({ ALPNProtocols: [ACME_TLS_ALPN_PROTOCOL] }, (network) =>
      validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network),
    );
  });

  test('a server that is not TLS at all is tls', async () => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const network = loopbackTestNetwork({ httpPort: port, tlsPort: port });
      await assertAcmeProblem(validateTlsAlpn01({ type: 'dns', value: name }, KEY_AUTHZ, network), 'tls');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  /** Runs `use` against a one-certificate TLS server on loopback started with `options`. */
  async function withTlsServer(
    options: TlsOptions,
    use: (network: ValidationNetwork) => Promise<void>,
  ): Promise<void> {
    const server = createTlsServer(
      { key: certificate.keyPem, cert: certificate.certPem, ...options },
      (socket) => socket.end(),
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      await use(loopbackTestNetwork({ httpPort: port, tlsPort: port }));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
});

describe('validateTlsAlpn01 when the target does not answer', () => {
  test('connection refused is connection', async () => {
    const network = loopbackTestNetwork({ httpPort: await freePort(), tlsPort: await freePort() });
    await assertAcmeProblem(
      validateTlsAlpn01({ type: 'dns', value: 'device.example' }, KEY_AUTHZ, network),
      'connection',
    );
  });

  test('a server that accepts and never answers the handshake is connection, within the timeout', async () => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const network = loopbackTestNetwork({ httpPort: port, tlsPort: port, timeoutMs: 300 });
      const problem = await assertAcmeProblem(
        validateTlsAlpn01({ type: 'dns', value: 'device.example' }, KEY_AUTHZ, network),
        'connection',
      );
      assert.match(problem.detail, /no answer within 300 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a name that does not resolve is dns', async () => {
    const network: ValidationNetwork = {
      ...loopbackTestNetwork({ httpPort: 1, tlsPort: 1 }),
      resolve: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
    };
    await assertAcmeProblem(
      validateTlsAlpn01({ type: 'dns', value: 'device.example' }, KEY_AUTHZ, network),
      'dns',
    );
  });
});
