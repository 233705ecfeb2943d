import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP, type Server, type Socket } from 'node:net';
import {
  createSecureContext,
  createServer as createTlsServer,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import { HTTP01_PATH_PREFIX } from '../../src/protocols/acme/validation/http-01.js';
import { reverseDnsName } from '../../src/protocols/acme/validation/ip-identifier.js';
import { ACME_TLS_ALPN_PROTOCOL } from '../../src/protocols/acme/validation/tls-alpn-01.js';
import {
  makePlainTlsCertificate,
  makeTlsAlpn01Certificate,
  type PemCredential,
  type TlsAlpn01CertificateFaults,
} from './acme-tls-alpn-certificate.js';

/** One request the HTTP side answered, as it arrived. */
export interface ResponderRequest {
  readonly host: string | undefined;
  readonly path: string;
  /** Whether it came over TLS (an http-01 redirect to https). */
  readonly overTls: boolean;
}

/**
 * What an ACME client does to answer challenges, on loopback: an HTTP server for http-01 and a TLS server for
 * tls-alpn-01. Validators reach it through `loopbackTestNetwork({ httpPort, tlsPort })`, which sends every name
 * here, so one responder answers for any identifier.
 */
export interface ChallengeResponder {
  readonly httpPort: number;
  readonly tlsPort: number;
  /** Every HTTP request answered, in order, from both ports. */
  readonly requests: readonly ResponderRequest[];
  /** RFC 8555 §8.3: serve `keyAuthorization` at /.well-known/acme-challenge/<token>. Other tokens get 404. */
  provideHttp01(token: string, keyAuthorization: string): void;
  /** Answer the token's path with a redirect to `location` (302 unless told). */
  redirectHttp01(token: string, location: string, status?: number): void;
  /**
   * RFC 8737 §3: answer acme-tls/1 for `identifierValue` — a DNS name, or an IP address, reached by its reverse
   * name (RFC 8738 §6) — with a fresh certificate for `keyAuthorization`, spoiled as `faults` say.
   */
  provideTlsAlpn01(
    identifierValue: string,
    keyAuthorization: string,
    faults?: TlsAlpn01CertificateFaults,
  ): void;
  close(): Promise<void>;
}

type Http01Answer =
  | { readonly kind: 'body'; readonly body: string }
  | { readonly kind: 'redirect'; readonly location: string; readonly status: number };

/**
 * Starts both servers on `host` (loopback; `::1` for IPv6 tests), each on a port the kernel picks. The TLS port
 * also serves plain HTTPS to clients that ask for `http/1.1`, so http-01 redirects to https can be followed
 * there; acme-tls/1 connections are closed after the handshake, as RFC 8737 §3 has it.
 */
export async function startChallengeResponder(
  options: { readonly host?: string } = {},
): Promise<ChallengeResponder> {
  const host = options.host ?? '127.0.0.1';
  const http01 = new Map<string, Http01Answer>();
  const acmeContexts = new Map<string, SecureContext>();
  const requests: ResponderRequest[] = [];
  const sockets = new Set<Socket>();

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '';
    requests.push({ host: req.headers.host, path, overTls: 'encrypted' in req.socket });
    const entry = path.startsWith(HTTP01_PATH_PREFIX)
      ? http01.get(path.slice(HTTP01_PATH_PREFIX.length))
      : undefined;
    if (entry === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } else if (entry.kind === 'redirect') {
      res.writeHead(entry.status, { location: entry.location }).end();
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(entry.body);
    }
  };
  const httpServer = createHttpServer(answer);

  const plainCredential = makePlainTlsCertificate('localhost');
  const plain = contextOf(plainCredential);
  const tlsServer = createTlsServer({
    SNICallback: (serverName, done) => done(null, acmeContexts.get(serverName.toLowerCase()) ?? plain),
    ALPNCallback: ({ servername, protocols }) => {
      if (protocols.includes(ACME_TLS_ALPN_PROTOCOL) && acmeContexts.has(servername.toLowerCase()))
        return ACME_TLS_ALPN_PROTOCOL;
      // Undefined refuses the handshake with no_application_protocol, as a responder that knows no such name.
      return protocols.includes('http/1.1') ? 'http/1.1' : undefined;
    },
    key: plainCredential.keyPem,
    cert: plainCredential.certPem,
  });
  tlsServer.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === ACME_TLS_ALPN_PROTOCOL) socket.end();
    else httpServer.emit('connection', socket);
  });
  tlsServer.on('tlsClientError', () => undefined);

  for (const server of [httpServer, tlsServer] as Server[]) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  }
  const httpPort = await listen(httpServer, host);
  const tlsPort = await listen(tlsServer, host);

  return {
    httpPort,
    tlsPort,
    requests,
    provideHttp01: (token, keyAuthorization) => http01.set(token, { kind: 'body', body: keyAuthorization }),
    redirectHttp01: (token, location, status = 302) =>
      http01.set(token, { kind: 'redirect', location, status }),
    provideTlsAlpn01: (identifierValue, keyAuthorization, faults) => {
      const serverName = isIP(identifierValue) !== 0 ? reverseDnsName(identifierValue) : identifierValue;
      acmeContexts.set(
        serverName.toLowerCase(),
        contextOf(makeTlsAlpn01Certificate(identifierValue, keyAuthorization, faults)),
      );
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([close(httpServer), close(tlsServer)]);
    },
  };
}

function contextOf(credential: PemCredential): SecureContext {
  return createSecureContext({ key: credential.keyPem, cert: credential.certPem });
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
