/**
 * The client side of bench/cmp, run as a child process so that the parent's CPU is the server's alone. `prepare`
 * builds every ir in advance (new key, proof of possession, header, MAC or signature protection: the device's cost,
 * not the server's); `run` sends them with C concurrent clients over keep-alive HTTPS connections, sends certConf
 * where asked, and checks every answer (protection, status, a certificate for the request's key; the signer's chain
 * to the root on every tenth). Not meant to be run by hand: bench/cmp.ts forks it.
 */
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { generateKeyPair } from '../src/pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../src/pki/certificate.js';
import { bytesEqual } from '../src/pki/der.js';
import { decodePemBlocks } from '../src/pki/pem.js';
import { privateKeyFromPkcs8 } from '../src/pki/algorithms/key-algorithm.js';
import {
  type ClientProtection,
  pbmProtection,
  signatureProtection,
} from '../src/protocols/cmp/client/client-protection.js';
import {
  certConfBody,
  certReqMsg,
  certRequestBody,
} from '../src/protocols/cmp/client/cmp-client-messages.js';
import { encodeCmpRequest } from '../src/protocols/cmp/client/cmp-request.js';
import { type CmpResponseCheck, readCmpResponse } from '../src/protocols/cmp/client/cmp-response-reader.js';
import { answerLoadRequests, latencySummary, type LatencySummary } from './bench-kit.js';

export interface MacIdentity {
  readonly reference: string;
  readonly secret: string;
  readonly deviceId: string;
}

export interface SignatureIdentity {
  readonly deviceId: string;
  /** Certificate and intermediates, PEM. */
  readonly certificatePem: string;
  /** PKCS#8 DER, base64 (the IPC channel carries JSON). */
  readonly keyPkcs8: string;
}

export type ParentMessage =
  | {
      readonly type: 'prepare';
      readonly protection: 'mac' | 'signature';
      readonly mac: readonly MacIdentity[];
      readonly signature: readonly SignatureIdentity[];
      readonly requests: number;
      readonly implicitConfirm: boolean;
      /** PEM of the root: the server's TLS certificate and its CMP signature chain to it. */
      readonly rootPem: string;
    }
  | { readonly type: 'run'; readonly url: string; readonly concurrency: number }
  | { readonly type: 'exit' };

export interface RunResult {
  readonly transactions: number;
  readonly elapsedSeconds: number;
  readonly latencyMs: LatencySummary;
  readonly failures: number;
  readonly failureSamples: readonly string[];
  readonly clientCpuSeconds: number;
}

export type ChildMessage =
  | { readonly type: 'prepared'; readonly requests: number; readonly seconds: number }
  | { readonly type: 'result'; readonly result: RunResult }
  | { readonly type: 'error'; readonly message: string };

interface Prepared {
  readonly der: Uint8Array;
  readonly spki: Uint8Array;
  readonly protection: ClientProtection;
  readonly check: CmpResponseCheck;
}

let prepared: Prepared[] = [];
let implicitConfirm = true;
let rootPem = '';

function prepare(message: Extract<ParentMessage, { type: 'prepare' }>): ChildMessage {
  const start = performance.now();
  implicitConfirm = message.implicitConfirm;
  rootPem = message.rootPem;
  const roots = decodePemBlocks(message.rootPem).map((b) => b.der);
  const now = new Date();
  prepared = Array.from({ length: message.requests }, (_, i) => {
    const key = generateKeyPair('ec-p256');
    let protection: ClientProtection;
    let deviceId: string;
    let check: CmpResponseCheck;
    if (message.protection === 'mac') {
      const identity = message.mac[i % message.mac.length]!;
      protection = pbmProtection(identity.reference, identity.secret);
      deviceId = identity.deviceId;
      check = { secret: identity.secret };
    } else {
      const identity = message.signature[i % message.signature.length]!;
      const chain = decodePemBlocks(identity.certificatePem).map((b) => b.der);
      protection = signatureProtection(
        privateKeyFromPkcs8(new Uint8Array(Buffer.from(identity.keyPkcs8, 'base64'))),
        chain,
      );
      deviceId = identity.deviceId;
      // Judging the server's chain costs the client more than the server's answer; every tenth is judged.
      check = i % 10 === 0 ? { trustedRoots: roots, at: now } : {};
    }
    const body = certRequestBody('ir', certReqMsg({ key, subject: `CN=${deviceId}` }));
    const built = encodeCmpRequest(body, { protection, messageTime: now, implicitConfirm });
    return { der: built.der, spki: key.spki, protection, check: { ...check, request: built } };
  });
  return { type: 'prepared', requests: prepared.length, seconds: (performance.now() - start) / 1000 };
}

function post(url: URL, agent: Agent, body: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        ca: rootPem,
        headers: { 'Content-Type': 'application/pkixcmp', 'Content-Length': body.length },
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(new Uint8Array(Buffer.concat(chunks)))
            : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('latin1').trim()}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
}

/** One transaction: ir → ip (accepted, a certificate for our key), then certConf → pkiConf unless implicit. */
async function transaction(url: URL, agent: Agent, request: Prepared): Promise<void> {
  const ip = readCmpResponse(await post(url, agent, request.der), request.check);
  if (ip.bodyType !== 'ip' || ip.status !== 'accepted' || !ip.certificate)
    throw new Error(
      `ir answered ${ip.bodyType} ${ip.status ?? ''} ${ip.failInfo.join(',')} ${ip.text ?? ''}`,
    );
  if (!bytesEqual(parseCertificate(ip.certificate).spkiDer, request.spki))
    throw new Error('the certificate is not for the request key');
  if (implicitConfirm) {
    if (!ip.generalInfo.some((info) => info.infoType === '1.3.6.1.5.5.7.4.13'))
      throw new Error('implicitConfirm was not granted');
    return;
  }
  const confirm = encodeCmpRequest(certConfBody(ip.certificate), {
    protection: request.protection,
    messageTime: new Date(),
    ...(ip.transactionId === undefined ? {} : { transactionId: ip.transactionId }),
    ...(ip.senderNonce === undefined ? {} : { recipNonce: ip.senderNonce }),
  });
  const conf = readCmpResponse(await post(url, agent, confirm.der), { ...request.check, request: confirm });
  if (conf.bodyType !== 'pkiconf') throw new Error(`certConf answered ${conf.bodyType} ${conf.text ?? ''}`);
}

async function run(message: Extract<ParentMessage, { type: 'run' }>): Promise<RunResult> {
  const url = new URL(message.url);
  const latencies = new Float64Array(prepared.length);
  const failureSamples: string[] = [];
  let next = 0;
  let done = 0;
  let failures = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: message.concurrency }, async () => {
      // One keep-alive connection per client, as a gateway enrolling its devices would hold one.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = next++; i < prepared.length; i = next++) {
        const t0 = performance.now();
        try {
          await transaction(url, agent, prepared[i]!);
          latencies[done++] = performance.now() - t0;
        } catch (error) {
          failures++;
          if (failureSamples.length < 10) failureSamples.push((error as Error).message);
        }
      }
      agent.destroy();
    }),
  );
  const elapsedSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = latencies.subarray(0, done);
  return {
    transactions: done,
    elapsedSeconds,
    latencyMs: latencySummary(sorted),
    failures,
    failureSamples,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

answerLoadRequests<ParentMessage, ChildMessage>({
  prepare,
  run: async (message) => ({ type: 'result', result: await run(message) }),
});
