import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { AlertNotification } from '../../src/alerts/alert-notification.js';
import { encodePem } from '../../src/pki/pem.js';
import { makeTestCertificate, type TestCredential } from './pki-fixtures.js';

/** One request an HTTP receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, as a signature is computed over it. */
  readonly body: string;
  /** Wall time the request arrived (ms), to order arrivals across receivers. */
  readonly atMs: number;
}

/** What the receiver answers each request, in turn; the last answer repeats. `hang`: never answer. */
export type ReceiverAnswer = number | 'hang';

export interface HttpReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Resolves at the n-th request (1-based). */
  nthRequest(n: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1, port 0, answering with `answers` in turn (body `ok` or `error <status>`). */
export async function startHttpReceiver(answers: readonly ReceiverAnswer[] = [200]): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<{ n: number; resolve: (r: ReceivedRequest) => void }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        atMs: Date.now(),
      };
      requests.push(received);
      for (const waiter of waiters.filter((w) => w.n === requests.length)) waiter.resolve(received);
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)] ?? 200;
      if (answer === 'hang') return;
      response.statusCode = answer;
      response.end(answer >= 200 && answer < 300 ? 'ok' : `error ${answer}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    nthRequest(n) {
      const arrived = requests[n - 1];
      if (arrived !== undefined) return Promise.resolve(arrived);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A message an SMTP test server accepted. */
export interface ReceivedMail {
  readonly from: string | false;
  readonly to: readonly string[];
  /** The raw RFC 5322 message. */
  readonly raw: string;
  /** Whether the session was TLS (after STARTTLS) when the message came. */
  readonly secure: boolean;
}

export interface SmtpTestServer {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** PEM of the CA that issued the server's certificate, for the client to trust. */
  readonly caPem: string;
  close(): Promise<void>;
}

/** A CA and a server certificate for 127.0.0.1 and localhost, made by our own test PKI. */
export function smtpTestCertificates(): {
  ca: TestCredential;
  caPem: string;
  certPem: string;
  keyPem: string;
} {
  const ca = makeTestCertificate({ subject: 'Alerts Test CA', ca: true });
  const server = makeTestCertificate({
    subject: 'localhost',
    issuer: ca,
    extendedKeyUsage: ['1.3.6.1.5.5.7.3.1'],
    altNames: [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ],
  });
  return {
    ca,
    caPem: encodePem('CERTIFICATE', ca.cert.der),
    certPem: encodePem('CERTIFICATE', server.cert.der),
    keyPem: server.key.material.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/**
 * An smtp-server on 127.0.0.1 port 0, plain at first, offering STARTTLS with a certificate from its own test
 * CA (or, with `starttls: false`, not offering nor accepting it).
 */
export async function startSmtpTestServer(options: { starttls: boolean }): Promise<SmtpTestServer> {
  const { caPem, certPem, keyPem } = smtpTestCertificates();
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    key: keyPem,
    cert: certPem,
    authOptional: true,
    logger: false,
    ...(options.starttls ? {} : { hideSTARTTLS: true, disabledCommands: ['STARTTLS'] }),
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom === false ? false : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails,
    caPem,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A firing expiry notice for channel tests. */
export function sampleNotification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    event: 'firing',
    rule: { name: 'expiry', kind: 'expiry' },
    subject: { key: 'endpoint:mqtt-1', label: 'mqtt.example.com:8883', kind: 'endpoint' },
    level: '7d',
    critical: false,
    summary: 'mqtt.example.com:8883: certificate expires in less than 7 days',
    detail: 'notAfter 2026-12-03T00:00:00.000Z (6 d 0 h left)',
    at: '2026-11-27T00:00:00.000Z',
    firingSince: '2026-11-27T00:00:00.000Z',
    notAfter: '2026-12-03T00:00:00.000Z',
    ...overrides,
  };
}
