/**
 * The client side of bench/ocsp, run as a child process so that the parent's process.cpuUsage() is the server's
 * alone. It holds the prepared OCSP requests (one per certificate, with and without a nonce) and on request runs C
 * concurrent clients, each with its own keep-alive connection and one GET in flight at a time. The default client
 * is a minimal HTTP/1.1 one (a request line out, a Content-Length body in, like wrk) because client and server
 * share two cores and node:http's client costs more than the server's OCSP answer; `client: 'node'` uses
 * node:http with a keep-alive Agent instead. Responses are kept every n-th request and verified after the run.
 * Not meant to be run by hand: bench/ocsp.ts forks it.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { publicKeyFromSpki } from '../src/pki/algorithms/key-algorithm.js';
import { parseCertificate, verifyCertificateSignature } from '../src/pki/certificate.js';
import { bytesEqual, bytesToHex } from '../src/pki/der.js';
import { parseOcspResponse, verifyOcspResponseSignature } from '../src/pki/ocsp/ocsp-response.js';
import { OID } from '../src/pki/oids.js';
import { answerLoadRequests, latencySummary, type LatencySummary } from './bench-kit.js';

/** Octets of the nonce each prepared template ends with (RFC 9654 recommends 32). */
export const NONCE_OCTETS = 32;

export interface LoadItem {
  /** Base64 DER OCSPRequest for one certificate, without a nonce. */
  readonly plain: string;
  /** The same with a nonce extension whose NONCE_OCTETS value octets are the last of the DER. */
  readonly nonceTemplate: string;
  /** Base64 DER of the CertID, which the answer must echo. */
  readonly certId: string;
  readonly expected: 'good' | 'revoked';
}

export type RunMode =
  /** Each prepared request once, without a nonce: the first request for each certificate. */
  | 'each-once'
  /** Requests without a nonce, round-robin over the prepared set, for `seconds`. */
  | 'repeat'
  /** A fresh nonce in every request, round-robin over the prepared set, for `seconds`. */
  | 'nonce';

export type ParentMessage =
  | {
      readonly type: 'prepare';
      /** The OCSP URL of the issuer, e.g. `http://127.0.0.1:8080/ocsp/operational`. */
      readonly ocspUrl: string;
      /** Base64 DER of the issuer certificate (the responder certificate must chain to it). */
      readonly issuer: string;
      readonly items: readonly LoadItem[];
    }
  | {
      readonly type: 'run';
      readonly mode: RunMode;
      /** Another server to send the same requests to (a reference that answers anything); default the OCSP URL. */
      readonly url?: string;
      readonly seconds: number;
      readonly concurrency: number;
      /** Keep one response in n, at random, and verify it after the run (0: only count 200s). */
      readonly verifyEvery: number;
      readonly client: 'raw' | 'node';
    }
  | { readonly type: 'exit' };

export interface RunResult {
  readonly count: number;
  readonly elapsedSeconds: number;
  readonly latencyMs: LatencySummary;
  /** Non-200 answers, transport errors, and 200s that are not application/ocsp-response. */
  readonly failures: number;
  readonly failureSamples: readonly string[];
  readonly verified: number;
  readonly verifyFailures: readonly string[];
  /** Among the verified: certStatus seen. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Among the verified: producedAt before the run started (so the answer was signed earlier: a cache hit). */
  readonly producedBeforeRun: number;
  readonly responseBytes: number;
  /** This (client) process's CPU over the run, all threads. */
  readonly clientCpuSeconds: number;
}

export type ChildMessage =
  | { readonly type: 'prepared'; readonly requests: number }
  | { readonly type: 'result'; readonly result: RunResult }
  | { readonly type: 'error'; readonly message: string };

interface Prepared {
  readonly url: URL;
  readonly issuerPath: string;
  readonly issuerKey: ReturnType<typeof publicKeyFromSpki>;
  readonly items: ReadonlyArray<{
    readonly plainPath: string;
    readonly nonceTemplate: Buffer;
    readonly certId: Uint8Array;
    readonly expected: LoadItem['expected'];
  }>;
  /** Responder certificates already checked against the issuer, by hex DER. */
  readonly responderKeys: Map<string, ReturnType<typeof publicKeyFromSpki>>;
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

const MAX_FAILURE_SAMPLES = 10;
let prepared: Prepared | undefined;

function prepare(message: Extract<ParentMessage, { type: 'prepare' }>): ChildMessage {
  const url = new URL(message.ocspUrl);
  const issuerPath = url.pathname.replace(/\/$/, '');
  const issuer = parseCertificate(Buffer.from(message.issuer, 'base64'));
  prepared = {
    url,
    issuerPath,
    issuerKey: publicKeyFromSpki(issuer.spkiDer),
    items: message.items.map((item) => ({
      plainPath: `${issuerPath}/${encodeURIComponent(item.plain)}`,
      nonceTemplate: Buffer.from(item.nonceTemplate, 'base64'),
      certId: new Uint8Array(Buffer.from(item.certId, 'base64')),
      expected: item.expected,
    })),
    responderKeys: new Map(),
  };
  return { type: 'prepared', requests: prepared.items.length };
}

/**
 * One HTTP/1.1 connection with at most one request in flight: a GET line out, then a response with a
 * Content-Length body in (what Fastify and the reference server send; anything else is an error).
 */
class RawConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private pending: { resolve: (answer: Answer) => void; reject: (error: Error) => void } | undefined;
  private closedError: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly host: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  static open(url: URL): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.once('connect', () => resolve(new RawConnection(socket, url.host)));
      socket.once('error', reject);
    });
  }

  get(path: string): Promise<Answer> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.pending) return Promise.reject(new Error('one request at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.host}\r\n\r\n`, 'latin1');
    });
  }

  close(): void {
    this.closedError ??= new Error('closed');
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headerEnd = this.buffered.indexOf('\r\n\r\n', 0, 'latin1');
    if (headerEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      this.fail(new Error(`response without Content-Length: ${head.split('\r\n')[0] ?? ''}`));
      this.socket.destroy();
      return;
    }
    const total = headerEnd + 4 + Number(length[1]);
    if (this.buffered.length < total) return;
    const body = this.buffered.subarray(headerEnd + 4, total);
    this.buffered = this.buffered.subarray(total);
    const status = Number(head.slice(9, 12));
    const contentType = /\r\ncontent-type:\s*([^\r]*)/i.exec(head)?.[1] ?? '';
    if (/\r\nconnection:\s*close/i.test(head)) this.closedError ??= new Error('server closed the connection');
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ status, contentType, body });
  }
}

/** node:http with a keep-alive Agent, one request in flight per client. */
function nodeGet(agent: Agent, url: URL, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, agent, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The responseStatus of an OCSPResponse (RFC 6960 §4.2.1: SEQUENCE { ENUMERATED, [0] ... }), read from its first
 * octets so that every answer is checked, not only the sampled ones; -1 when the bytes are not shaped like one.
 * Error answers (malformedRequest, tryLater, unauthorized…) come with HTTP 200.
 */
function responseStatus(body: Uint8Array): number {
  if (body[0] !== 0x30 || body.length < 5) return -1;
  const lengthOctets = (body[1] ?? 0) & 0x80 ? ((body[1] ?? 0) & 0x7f) + 1 : 1;
  const at = 1 + lengthOctets;
  return body[at] === 0x0a && body[at + 1] === 0x01 ? (body[at + 2] ?? -1) : -1;
}

interface Kept {
  readonly body: Buffer;
  readonly item: Prepared['items'][number];
  readonly nonce: Uint8Array | undefined;
}

/**
 * Checks one answer: successful, one SingleResponse for the CertID asked about with the expected certStatus, the
 * nonce echoed when one was sent (and none otherwise), signed by a responder certificate that carries
 * id-kp-OCSPSigning and that the issuer signed.
 */
function verifyAnswer(
  p: Prepared,
  kept: Kept,
  runStartMs: number,
): { problem?: string; status?: string; early?: boolean } {
  try {
    const response = parseOcspResponse(kept.body);
    if (response.status !== 'successful') return { problem: `responseStatus ${response.status}` };
    const { basic } = response;
    const single = basic.responses[0];
    if (basic.responses.length !== 1 || !single) return { problem: `${basic.responses.length} responses` };
    if (!bytesEqual(single.certId.raw, kept.item.certId)) return { problem: 'CertID not echoed' };
    if (single.certStatus.status !== kept.item.expected)
      return {
        problem: `serial ${single.certId.serial}: ${single.certStatus.status}, not ${kept.item.expected}`,
      };
    if (
      kept.nonce === undefined
        ? basic.nonce !== undefined
        : !bytesEqual(basic.nonce ?? new Uint8Array(), kept.nonce)
    )
      return { problem: 'nonce not echoed as sent' };
    const responderDer = basic.certs[0];
    if (!responderDer) return { problem: 'no responder certificate' };
    const hex = bytesToHex(responderDer);
    let key = p.responderKeys.get(hex);
    if (!key) {
      const responder = parseCertificate(responderDer);
      if (!verifyCertificateSignature(responder, p.issuerKey))
        return { problem: 'responder certificate not signed by the issuer' };
      if (!responder.extensions.extKeyUsage?.purposes.includes(OID.ocspSigning))
        return { problem: 'responder certificate without id-kp-OCSPSigning' };
      key = publicKeyFromSpki(responder.spkiDer);
      p.responderKeys.set(hex, key);
    }
    if (!verifyOcspResponseSignature(basic, key)) return { problem: 'bad signature' };
    // producedAt has whole seconds: "before the run" means before the second the run started in.
    return {
      status: single.certStatus.status,
      early: basic.producedAt.getTime() < Math.floor(runStartMs / 1000) * 1000,
    };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

async function run(message: Extract<ParentMessage, { type: 'run' }>): Promise<RunResult> {
  const p = prepared;
  if (!p) throw new Error('run before prepare');
  const target = message.url === undefined ? p.url : new URL(message.url);
  const { items } = p;
  const latencies = new Float64Array(4_000_000);
  const failureSamples: string[] = [];
  const kept: Kept[] = [];
  let started = 0;
  let count = 0;
  let failures = 0;
  let responseBytes = 0;
  const fail = (text: string) => {
    failures++;
    if (failureSamples.length < MAX_FAILURE_SAMPLES) failureSamples.push(text);
  };
  // Nonces: a random prefix for the run and a counter, so every request in the run differs.
  const noncePrefix = randomBytes(NONCE_OCTETS - 8);
  const request = (n: number): { path: string; item: Prepared['items'][number]; nonce?: Uint8Array } => {
    const item = items[n % items.length]!;
    if (message.mode !== 'nonce') return { path: item.plainPath, item };
    const der = Buffer.from(item.nonceTemplate);
    const at = der.length - NONCE_OCTETS;
    noncePrefix.copy(der, at);
    der.writeBigUInt64BE(BigInt(n), der.length - 8);
    return {
      path: `${p.issuerPath}/${encodeURIComponent(der.toString('base64'))}`,
      item,
      nonce: new Uint8Array(der.subarray(at)),
    };
  };

  const agent = new Agent({ keepAlive: true, maxSockets: message.concurrency });
  const connections =
    message.client === 'raw'
      ? await Promise.all(Array.from({ length: message.concurrency }, () => RawConnection.open(target)))
      : [];
  const limit = message.mode === 'each-once' ? items.length : Infinity;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const runStartMs = performance.timeOrigin + start;
  const end = message.mode === 'each-once' ? Infinity : start + message.seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: message.concurrency }, async (_, client) => {
        let connection = connections[client];
        while (started < limit && performance.now() < end) {
          const n = started++;
          const { path, item, nonce } = request(n);
          const t0 = performance.now();
          try {
            const answer = connection ? await connection.get(path) : await nodeGet(agent, target, path);
            const ms = performance.now() - t0;
            if (answer.status !== 200) {
              fail(`HTTP ${answer.status}: ${answer.body.toString('latin1').slice(0, 200)}`);
            } else if (message.verifyEvery > 0 && answer.contentType !== 'application/ocsp-response') {
              fail(`HTTP 200 with Content-Type ${answer.contentType}`);
            } else if (message.verifyEvery > 0 && responseStatus(answer.body) !== 0) {
              fail(`OCSP responseStatus ${responseStatus(answer.body)} (HTTP 200)`);
            } else {
              latencies[count++] = ms;
              responseBytes = answer.body.length;
              // A random sample: a fixed stride could line up with the pattern of revoked certificates.
              if (message.verifyEvery > 0 && Math.random() * message.verifyEvery < 1)
                kept.push({ body: answer.body, item, nonce });
            }
          } catch (error) {
            fail((error as Error).message);
            if (connection) {
              connection.close();
              connection = await RawConnection.open(target);
            }
          }
        }
        connection?.close();
      }),
    );
  } finally {
    for (const connection of connections) connection.close();
    agent.destroy();
  }
  const elapsedSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);

  const verifyFailures: string[] = [];
  const statuses: Record<string, number> = {};
  let producedBeforeRun = 0;
  for (const one of kept) {
    const { problem, status, early } = verifyAnswer(p, one, runStartMs);
    if (problem !== undefined) verifyFailures.push(problem);
    if (status !== undefined) statuses[status] = (statuses[status] ?? 0) + 1;
    if (early) producedBeforeRun++;
  }
  const sorted = latencies.subarray(0, count);
  return {
    count,
    elapsedSeconds,
    latencyMs: latencySummary(sorted),
    failures,
    failureSamples,
    verified: kept.length,
    verifyFailures,
    statuses,
    producedBeforeRun,
    responseBytes,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

answerLoadRequests<ParentMessage, ChildMessage>({
  prepare,
  run: async (message) => ({ type: 'result', result: await run(message) }),
});
