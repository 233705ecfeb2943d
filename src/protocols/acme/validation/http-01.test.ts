import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { assertAcmeProblem } from '../../../../test/helpers/acme-problem-assert.js';
import {
  type ChallengeResponder,
  startChallengeResponder,
} from '../../../../test/helpers/acme-challenge-responder.js';
import { freePort } from '../../../../test/helpers/free-port.js';
import { HTTP01_MAX_BODY_BYTES, HTTP01_MAX_REDIRECTS, validateHttp01 } from './http-01.js';
import { loopbackTestNetwork, type ValidationNetwork } from './validation-network.js';

const KEY_AUTHZ = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';
const DEVICE = { type: 'dns', value: 'device-1.example' } as const;

describe('validateHttp01 (RFC 8555 §8.3) against a loopback responder', () => {
  let responder: ChallengeResponder;
  let network: ValidationNetwork;
  let tokenCount = 0;
  /** A fresh token per test, so one test's answers never satisfy another's. */
  const nextToken = () => `token${++tokenCount}_-x`;

  before(async () => {
    responder = await startChallengeResponder();
    network = loopbackTestNetwork({
      httpPort: responder.httpPort,
      tlsPort: responder.tlsPort,
      timeoutMs: 5000,
    });
  });
  after(() => responder.close());

  test('succeeds when the body is the key authorization, sent with the name and port as Host', async () => {
    const token = nextToken();
    responder.provideHttp01(token, KEY_AUTHZ);
    await validateHttp01(DEVICE, token, KEY_AUTHZ, network);
    const seen = responder.requests.filter((r) => r.path === `/.well-known/acme-challenge/${token}`);
    assert.deepEqual(seen, [
      {
        host: `device-1.example:${responder.httpPort}`,
        path: `/.well-known/acme-challenge/${token}`,
        overTls: false,
      },
    ]);
  });

  test('ignores whitespace trailing the key authorization', async () => {
    const token = nextToken();
    responder.provideHttp01(token, `${KEY_AUTHZ} \r\n\t\n`);
    await validateHttp01(DEVICE, token, KEY_AUTHZ, network);
  });

  test('an ip identifier is fetched from the address itself (RFC 8738 §4)', async () => {
    const token = nextToken();
    responder.provideHttp01(token, KEY_AUTHZ);
    await validateHttp01({ type: 'ip', value: '127.0.0.1' }, token, KEY_AUTHZ, network);
    assert.equal(responder.requests.at(-1)?.host, `127.0.0.1:${responder.httpPort}`);
  });

  test('wrong body is incorrectResponse, and the body is not echoed', async () => {
    const token = nextToken();
    responder.provideHttp01(token, 'secret-looking-content');
    const problem = await assertAcmeProblem(
      validateHttp01(DEVICE, token, KEY_AUTHZ, network),
      'incorrectResponse',
    );
    assert.doesNotMatch(problem.detail, /secret-looking-content/);
  });

  test('leading whitespace is not forgiven', async () => {
    const token = nextToken();
    responder.provideHttp01(token, ` ${KEY_AUTHZ}`);
    await assertAcmeProblem(validateHttp01(DEVICE, token, KEY_AUTHZ, network), 'incorrectResponse');
  });

  test('404 is unauthorized, naming the status', async () => {
    const problem = await assertAcmeProblem(
      validateHttp01(DEVICE, nextToken(), KEY_AUTHZ, network),
      'unauthorized',
    );
    assert.match(problem.detail, /404/);
  });

  test('a body over the bound is incorrectResponse; one at the bound is read whole', async () => {
    const tooLarge = nextToken();
    responder.provideHttp01(tooLarge, KEY_AUTHZ + ' '.repeat(HTTP01_MAX_BODY_BYTES));
    const problem = await assertAcmeProblem(
      validateHttp01(DEVICE, tooLarge, KEY_AUTHZ, network),
      'incorrectResponse',
    );
    assert.match(problem.detail, new RegExp(`more than ${HTTP01_MAX_BODY_BYTES} bytes`));

    const atBound = nextToken();
    responder.provideHttp01(atBound, KEY_AUTHZ + ' '.repeat(HTTP01_MAX_BODY_BYTES - KEY_AUTHZ.length));
    await validateHttp01(DEVICE, atBound, KEY_AUTHZ, network);
  });

  test('follows a redirect to http on the HTTP port, to another name, with that name as Host', async () => {
    const token = nextToken();
    const target = nextToken();
    responder.redirectHttp01(
      token,
      `http://central.example:${responder.httpPort}/.well-known/acme-challenge/${target}`,
    );
    responder.provideHttp01(target, KEY_AUTHZ);
    await validateHttp01(DEVICE, token, KEY_AUTHZ, network);
    assert.equal(responder.requests.at(-1)?.host, `central.example:${responder.httpPort}`);
  });

  test('follows a relative redirect and a 301/307/308 chain', async () => {
    const [first, second, third, last] = [nextToken(), nextToken(), nextToken(), nextToken()];
    responder.redirectHttp01(first, `/.well-known/acme-challenge/${second}`, 301);
    responder.redirectHttp01(second, `/.well-known/acme-challenge/${third}`, 307);
    responder.redirectHttp01(third, `/.well-known/acme-challenge/${last}`, 308);
    responder.provideHttp01(last, KEY_AUTHZ);
    await validateHttp01(DEVICE, first, KEY_AUTHZ, network);
  });

  test('follows a redirect to https on the TLS port without checking its self-signed certificate', async () => {
    const token = nextToken();
    const target = nextToken();
    responder.redirectHttp01(
      token,
      `https://device-1.example:${responder.tlsPort}/.well-known/acme-challenge/${target}`,
    );
    responder.provideHttp01(target, KEY_AUTHZ);
    await validateHttp01(DEVICE, token, KEY_AUTHZ, network);
    assert.deepEqual(responder.requests.at(-1), {
      host: `device-1.example:${responder.tlsPort}`,
      path: `/.well-known/acme-challenge/${target}`,
      overTls: true,
    });
  });

  for (const [label, location] of [
    [
      'http on another port',
      (r: ChallengeResponder) => `http://device-1.example:${r.tlsPort + r.httpPort}/x`,
    ],
    ['http on the TLS port', (r: ChallengeResponder) => `http://device-1.example:${r.tlsPort}/x`],
    ['https on the HTTP port', (r: ChallengeResponder) => `https://device-1.example:${r.httpPort}/x`],
    ['https on its default port', () => 'https://device-1.example/x'],
    ['another scheme', (r: ChallengeResponder) => `ftp://device-1.example:${r.httpPort}/x`],
  ] as const) {
    test(`refuses a redirect to ${label} as connection, without requesting it`, async () => {
      const token = nextToken();
      responder.redirectHttp01(token, location(responder));
      const before = responder.requests.length;
      await assertAcmeProblem(validateHttp01(DEVICE, token, KEY_AUTHZ, network), 'connection');
      assert.equal(responder.requests.length, before + 1);
    });
  }

  test(`stops after ${HTTP01_MAX_REDIRECTS} redirects with connection`, async () => {
    const token = nextToken();
    responder.redirectHttp01(token, `/.well-known/acme-challenge/${token}`);
    const before = responder.requests.length;
    const problem = await assertAcmeProblem(validateHttp01(DEVICE, token, KEY_AUTHZ, network), 'connection');
    assert.match(problem.detail, /redirects/);
    assert.equal(responder.requests.length, before + HTTP01_MAX_REDIRECTS + 1);
  });

  test('a redirect status without Location is unauthorized', async () => {
    const token = nextToken();
    responder.redirectHttp01(token, '', 302);
    await assertAcmeProblem(validateHttp01(DEVICE, token, KEY_AUTHZ, network), 'unauthorized');
  });

  test('refuses a wildcard, a non-name, a non-address and a token outside base64url before connecting', async () => {
    const before = responder.requests.length;
    await assertAcmeProblem(
      validateHttp01({ type: 'dns', value: '*.example.com' }, nextToken(), KEY_AUTHZ, network),
      'rejectedIdentifier',
    );
    await assertAcmeProblem(
      validateHttp01({ type: 'dns', value: 'bad_name..example' }, nextToken(), KEY_AUTHZ, network),
      'malformed',
    );
    await assertAcmeProblem(
      validateHttp01({ type: 'ip', value: '300.1.1.1' }, nextToken(), KEY_AUTHZ, network),
      'malformed',
    );
    await assertAcmeProblem(validateHttp01(DEVICE, '../etc/passwd', KEY_AUTHZ, network), 'malformed');
    assert.equal(responder.requests.length, before);
  });
});

describe('validateHttp01 over IPv6 loopback', () => {
  test('an IPv6 identifier is fetched with the address in brackets as Host', async () => {
    const responder = await startChallengeResponder({ host: '::1' });
    try {
      const network = loopbackTestNetwork({
        httpPort: responder.httpPort,
        tlsPort: responder.tlsPort,
        address: '::1',
      });
      responder.provideHttp01('v6token', KEY_AUTHZ);
      await validateHttp01({ type: 'ip', value: '::1' }, 'v6token', KEY_AUTHZ, network);
      assert.equal(responder.requests.at(-1)?.host, `[::1]:${responder.httpPort}`);
      // A DNS name resolving to ::1 is reached the same way.
      await validateHttp01(DEVICE, 'v6token', KEY_AUTHZ, network);
    } finally {
      await responder.close();
    }
  });
});

describe('validateHttp01 when the target does not answer properly', () => {
  test('connection refused is connection', async () => {
    const network = loopbackTestNetwork({ httpPort: await freePort(), tlsPort: await freePort() });
    const problem = await assertAcmeProblem(validateHttp01(DEVICE, 'tok', KEY_AUTHZ, network), 'connection');
    assert.match(problem.detail, /connection refused/);
  });

  test('tries the next address when the first refuses', async () => {
    const responder = await startChallengeResponder();
    try {
      const refusing = await freePort();
      // 127.0.0.2 is loopback too (127.0.0.0/8); nothing listens there on the responder's port.
      const network: ValidationNetwork = {
        ...loopbackTestNetwork({ httpPort: responder.httpPort, tlsPort: refusing }),
        resolve: () => Promise.resolve(['127.0.0.2', '127.0.0.1']),
      };
      responder.provideHttp01('fallback', KEY_AUTHZ);
      await validateHttp01(DEVICE, 'fallback', KEY_AUTHZ, network);
    } finally {
      await responder.close();
    }
  });

  test('a server that accepts and never answers is connection, within the timeout', async () => {
    const silent = await startSilentServer();
    try {
      const network = loopbackTestNetwork({ httpPort: silent.port, tlsPort: silent.port, timeoutMs: 300 });
      const started = performance.now();
      const problem = await assertAcmeProblem(
        validateHttp01(DEVICE, 'tok', KEY_AUTHZ, network),
        'connection',
      );
      const elapsedMs = performance.now() - started;
      assert.match(problem.detail, /no answer within 300 ms/);
      assert.ok(elapsedMs >= 250 && elapsedMs < 2000, `took ${elapsedMs} ms`);
    } finally {
      await silent.close();
    }
  });

  test('a name that does not resolve is dns; so is a name with no addresses', async () => {
    const base = loopbackTestNetwork({ httpPort: await freePort(), tlsPort: await freePort() });
    const notFound: ValidationNetwork = {
      ...base,
      resolve: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
    };
    const problem = await assertAcmeProblem(validateHttp01(DEVICE, 'tok', KEY_AUTHZ, notFound), 'dns');
    assert.match(problem.detail, /ENOTFOUND/);
    const empty: ValidationNetwork = { ...base, resolve: () => Promise.resolve([]) };
    await assertAcmeProblem(validateHttp01(DEVICE, 'tok', KEY_AUTHZ, empty), 'dns');
  });

  test('a lookup that outlives the timeout is dns', async () => {
    const hanging: ValidationNetwork = {
      ...loopbackTestNetwork({ httpPort: 1, tlsPort: 1, timeoutMs: 100 }),
      resolve: () => new Promise(() => undefined),
    };
    await assertAcmeProblem(validateHttp01(DEVICE, 'tok', KEY_AUTHZ, hanging), 'dns');
  });
});

/** A TCP server on loopback that accepts connections and never sends a byte. */
async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
