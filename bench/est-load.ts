/**
 * The client side of bench/est-enroll, run as a child process so that the parent's process.cpuUsage() is the
 * server's alone. It holds the device credentials (one TLS context each, made once, as a device would keep it)
 * and a pool of pre-made P-256 keys and CSRs (key generation is the device's cost, not the server's), and on
 * request runs C concurrent clients, each sending one request per NEW mTLS connection (agent: false, no session
 * resumption) until the time is up. Not meant to be run by hand: bench/est-enroll.ts forks it.
 */
import { request, type RequestOptions } from 'node:https';
import { performance } from 'node:perf_hooks';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { bytesEqual } from '../src/pki/der.js';
import { generateKeyPair } from '../src/pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../src/pki/certificate.js';
import { buildCsr } from '../src/pki/csr.js';
import { nameValue, parseDistinguishedName } from '../src/pki/name.js';
import { OID } from '../src/pki/oids.js';
import { decodeCertsOnly } from '../src/protocols/est/wire/certs-only.js';
import { decodeEstBody, encodeEstBody } from '../src/protocols/est/wire/est-body.js';
import { answerLoadRequests, latencySummary, type LatencySummary } from './bench-kit.js';

export interface LoadIdentity {
  readonly deviceId: string;
  /** Certificate and intermediates, PEM, as the device sends them in its handshake. */
  readonly certificatePem: string;
  readonly keyPem: string;
}

export type ParentMessage =
  | {
      readonly type: 'prepare';
      readonly identities: readonly LoadIdentity[];
      /** PEM anchors that authenticate the server. */
      readonly serverTrust: string;
      /** Key + CSR pairs to make per identity (at least 1); reused round-robin when a run needs more. */
      readonly csrsPerIdentity: number;
    }
  | {
      readonly type: 'run';
      readonly url: string;
      readonly concurrency: number;
      readonly seconds: number;
      /** Keep every n-th response body and check it after the run (est-certificate only). */
      readonly verifyEvery: number;
      readonly expect: 'est-certificate' | 'any-200';
    }
  | { readonly type: 'exit' };

export interface RunResult {
  readonly count: number;
  readonly elapsedSeconds: number;
  readonly latencyMs: LatencySummary;
  readonly failures: number;
  /** The first few failures, one line each. */
  readonly failureSamples: readonly string[];
  /** Connections that resumed a TLS session (must be 0: every request is a full handshake). */
  readonly resumed: number;
  /** Negotiated protocol → connections. */
  readonly protocols: Readonly<Record<string, number>>;
  readonly verified: number;
  readonly verifyFailures: readonly string[];
  /** This (client) process's CPU over the run, all threads. */
  readonly clientCpuSeconds: number;
}

export type ChildMessage =
  | { readonly type: 'prepared'; readonly csrs: number; readonly seconds: number }
  | { readonly type: 'result'; readonly result: RunResult }
  | { readonly type: 'error'; readonly message: string };

interface Device {
  readonly deviceId: string;
  readonly context: SecureContext;
  readonly csrs: ReadonlyArray<{ readonly body: Buffer; readonly spki: Uint8Array }>;
}

const MAX_FAILURE_SAMPLES = 10;
let devices: Device[] = [];

function prepare(message: Extract<ParentMessage, { type: 'prepare' }>): ChildMessage {
  const start = performance.now();
  devices = message.identities.map((identity) => ({
    deviceId: identity.deviceId,
    context: createSecureContext({
      cert: identity.certificatePem,
      key: identity.keyPem,
      ca: message.serverTrust,
      minVersion: 'TLSv1.2',
    }),
    csrs: Array.from({ length: message.csrsPerIdentity }, () => {
      const key = generateKeyPair('ec-p256');
      const der = buildCsr({ subject: parseDistinguishedName(`serialNumber=${identity.deviceId}`) }, key);
      return { body: Buffer.from(encodeEstBody(der), 'latin1'), spki: key.spki };
    }),
  }));
  return {
    type: 'prepared',
    csrs: devices.reduce((n, d) => n + d.csrs.length, 0),
    seconds: (performance.now() - start) / 1000,
  };
}

interface Exchange {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
  readonly resumed: boolean;
  readonly protocol: string;
}

/** One POST over a fresh TLS connection (agent: false). */
function exchange(url: URL, context: SecureContext, body: Buffer): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    // secureContext reaches tls.connect, though RequestOptions does not declare it.
    const options: RequestOptions & { secureContext: SecureContext } = {
      method: 'POST',
      headers: { 'Content-Type': 'application/pkcs10', 'Content-Length': String(body.length) },
      secureContext: context,
      agent: false,
      timeout: 60_000,
    };
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const socket = res.socket as TLSSocket;
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
          resumed: socket.isSessionReused(),
          protocol: socket.getProtocol() ?? 'unknown',
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Checks a kept certfleet answer: one certificate, for the device that asked and the key of its CSR. */
function verifyEnrollment(body: Buffer, device: Device, spki: Uint8Array): string | undefined {
  try {
    const certificates = decodeCertsOnly(decodeEstBody(body, 'simpleenroll response'));
    if (certificates.length !== 1) return `expected 1 certificate, got ${certificates.length}`;
    const certificate = parseCertificate(certificates[0]!);
    if (!bytesEqual(certificate.spkiDer, spki)) return `${certificate.serial}: not the CSR's key`;
    const serialNumber = nameValue(certificate.subject, OID.serialNumber);
    const uris = (certificate.extensions.subjectAltNames?.names ?? []).filter((n) => n.type === 'uri');
    if (serialNumber !== device.deviceId || !uris.some((u) => u.value.endsWith(`-${device.deviceId}`))) {
      return `${certificate.serial}: issued for ${certificate.subjectText}, not ${device.deviceId}`;
    }
    if (!certificate.extensions.extKeyUsage?.purposes.includes(OID.clientAuth)) {
      return `${certificate.serial}: no clientAuth extended key usage (not an LDevID)`;
    }
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function run(message: Extract<ParentMessage, { type: 'run' }>): Promise<RunResult> {
  if (devices.length === 0) throw new Error('run before prepare');
  const url = new URL(message.url);
  const isEst = message.expect === 'est-certificate';
  const latencies = new Float64Array(4_000_000);
  const failureSamples: string[] = [];
  const kept: Array<{ body: Buffer; device: Device; spki: Uint8Array }> = [];
  const protocols: Record<string, number> = {};
  let started = 0;
  let count = 0;
  let failures = 0;
  let resumed = 0;
  const fail = (text: string) => {
    failures++;
    if (failureSamples.length < MAX_FAILURE_SAMPLES) failureSamples.push(text);
  };

  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + message.seconds * 1000;
  await Promise.all(
    Array.from({ length: message.concurrency }, async () => {
      while (performance.now() < end) {
        const n = started++;
        const device = devices[n % devices.length]!;
        const csr = device.csrs[Math.floor(n / devices.length) % device.csrs.length];
        if (csr === undefined) throw new Error('no CSRs were prepared');
        const t0 = performance.now();
        try {
          const answer = await exchange(url, device.context, csr.body);
          const ms = performance.now() - t0;
          if (answer.resumed) resumed++;
          protocols[answer.protocol] = (protocols[answer.protocol] ?? 0) + 1;
          if (answer.status !== 200) {
            fail(`HTTP ${answer.status}: ${answer.body.toString('latin1').trim().split('\n')[0] ?? ''}`);
          } else if (isEst && !answer.contentType.startsWith('application/pkcs7-mime')) {
            fail(`HTTP 200 with Content-Type ${answer.contentType}`);
          } else {
            latencies[count++] = ms;
            if (isEst && n % message.verifyEvery === 0)
              kept.push({ body: answer.body, device, spki: csr.spki });
          }
        } catch (error) {
          fail((error as Error).message);
        }
      }
    }),
  );
  const elapsedSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);

  const verifyFailures: string[] = [];
  for (const { body, device, spki } of kept) {
    const problem = verifyEnrollment(body, device, spki);
    if (problem !== undefined) verifyFailures.push(problem);
  }
  const sorted = latencies.subarray(0, count);
  return {
    count,
    elapsedSeconds,
    latencyMs: latencySummary(sorted),
    failures,
    failureSamples,
    resumed,
    protocols,
    verified: kept.length,
    verifyFailures,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

answerLoadRequests<ParentMessage, ChildMessage>({
  prepare,
  run: async (message) => ({ type: 'result', result: await run(message) }),
});
