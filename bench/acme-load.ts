/**
 * The client side of bench/acme, run as a child process so that the parent's CPU is the in-process server's alone,
 * and so that Pebble and certfleet validate against the same challenge responder (this process's, on loopback).
 * `run` with phase `listen` starts the responder; `register` makes one account per client against a directory;
 * `prepare` builds a fresh P-256 key and CSR for each order of the next run (the device's cost, not the server's);
 * `run` with phase `orders` completes them with C concurrent clients, each on its own keep-alive connections.
 * Not meant to be run by hand: bench/acme.ts forks it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { bytesEqual } from '../src/pki/der.js';
import { generateKeyPair } from '../src/pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../src/pki/certificate.js';
import { buildCsr } from '../src/pki/csr.js';
import { parseDistinguishedName } from '../src/pki/name.js';
import { readPemAll } from '../src/pki/pem.js';
import { AcmeClient } from '../src/protocols/acme/client/acme-client.js';
import { AcmeHttpTransport, type AcmeHttpRequest } from '../src/protocols/acme/client/acme-http-transport.js';
import type { AcmeHttpResponse } from '../src/protocols/acme/client/acme-http-response.js';
import {
  startChallengeResponder,
  type ChallengeResponder,
} from '../test/helpers/acme-challenge-responder.js';
import { answerLoadRequests, latencySummary, type LatencySummary } from './bench-kit.js';

export type ParentMessage =
  | { readonly type: 'prepare'; readonly orders: number; readonly tag: string }
  | { readonly type: 'run'; readonly phase: 'listen' }
  | {
      readonly type: 'run';
      readonly phase: 'register';
      readonly directoryUrl: string;
      /** PEM anchor of the server's HTTPS certificate. */
      readonly caPem: string;
      readonly clients: number;
      readonly pollIntervalMs: number;
    }
  | { readonly type: 'run'; readonly phase: 'orders' }
  | { readonly type: 'exit' };

export interface RunResult {
  readonly orders: number;
  readonly elapsedSeconds: number;
  /** Per complete order, newOrder sent → chain downloaded. */
  readonly latencyMs: LatencySummary;
  readonly failures: number;
  /** Each distinct failure message (prefixed with the request that failed), with how often it happened. */
  readonly failureCounts: Readonly<Record<string, number>>;
  /** Every HTTP request the clients sent (nonces, polls and retries included). */
  readonly httpRequests: number;
  readonly clientCpuSeconds: number;
}

export type ChildMessage =
  | { readonly type: 'listening'; readonly httpPort: number }
  | { readonly type: 'prepared'; readonly orders: number; readonly seconds: number }
  | { readonly type: 'registered'; readonly clients: number; readonly seconds: number }
  | { readonly type: 'result'; readonly result: RunResult }
  | { readonly type: 'error'; readonly message: string };

/** How long one authorization or order may take to settle before the order counts as failed. */
const SETTLE_TIMEOUT_MS = 60_000;

/** A transport that counts what it sends, so the bench can say how many round trips an order cost. */
class CountingTransport extends AcmeHttpTransport {
  sent = 0;

  override send(call: AcmeHttpRequest): Promise<AcmeHttpResponse> {
    this.sent++;
    return super.send(call);
  }
}

interface PreparedOrder {
  readonly name: string;
  readonly csrDer: Uint8Array;
  readonly spkiDer: Uint8Array;
}

interface BenchClient {
  readonly acme: AcmeClient;
  readonly transport: CountingTransport;
}

let responder: ChallengeResponder | undefined;
let clients: BenchClient[] = [];
let prepared: PreparedOrder[] = [];

function prepare(message: Extract<ParentMessage, { type: 'prepare' }>): ChildMessage {
  const start = performance.now();
  prepared = Array.from({ length: message.orders }, (_, index) => {
    const name = `o${index}.${message.tag}.bench.certfleet.test`;
    const key = generateKeyPair('ec-p256');
    const csrDer = buildCsr(
      { subject: parseDistinguishedName(`CN=${name}`), altNames: [{ type: 'dns', value: name }] },
      key,
    );
    return { name, csrDer, spkiDer: key.spki };
  });
  return { type: 'prepared', orders: prepared.length, seconds: (performance.now() - start) / 1000 };
}

async function listen(): Promise<ChildMessage> {
  responder ??= await startChallengeResponder();
  return { type: 'listening', httpPort: responder.httpPort };
}

async function register(message: Extract<ParentMessage, { phase: 'register' }>): Promise<ChildMessage> {
  const start = performance.now();
  closeClients();
  clients = Array.from({ length: message.clients }, () => {
    const transport = new CountingTransport({ ca: message.caPem });
    const acme = new AcmeClient({
      directoryUrl: message.directoryUrl,
      accountKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      transport,
      pollIntervalMs: message.pollIntervalMs,
    });
    return { acme, transport };
  });
  await Promise.all(clients.map(({ acme }) => acme.newAccount({ termsOfServiceAgreed: true })));
  return { type: 'registered', clients: clients.length, seconds: (performance.now() - start) / 1000 };
}

/**
 * One complete order: newOrder (one DNS name) → the authorization → http-01
 * served here → POST the challenge → poll the authorization until valid → finalize with the order's CSR (polling
 * the order if the server issues asynchronously, as Pebble does) → download the chain. `check` also holds the leaf
 * to the CSR's key and name (parsing costs the client, so the caller asks for it on a sample).
 */
async function completeOrder(acme: AcmeClient, order: PreparedOrder, check: boolean): Promise<void> {
  const server = responder;
  if (!server) throw new Error('the challenge responder is not listening');
  // Which request failed says more than the problem alone (a 503 from finalize is not one from newOrder).
  let step = 'newOrder';
  try {
    const created = await acme.newOrder({ identifiers: [{ type: 'dns', value: order.name }] });
    const authorizationUrl = created.order.authorizations[0];
    if (authorizationUrl === undefined || created.order.authorizations.length !== 1)
      throw new Error(`${created.order.authorizations.length} authorizations for one name`);
    step = 'authorization';
    const authorization = await acme.getAuthorization(authorizationUrl);
    const challenge = authorization.challenges.find((candidate) => candidate.type === 'http-01');
    if (challenge?.token === undefined) throw new Error('no http-01 challenge offered');
    server.provideHttp01(challenge.token, await acme.keyAuthorization(challenge.token));
    step = 'challenge';
    await acme.respondToChallenge(challenge.url);
    step = 'authorization poll';
    const settled = await acme.waitForAuthorization(authorizationUrl, { timeoutMs: SETTLE_TIMEOUT_MS });
    if (settled.status !== 'valid')
      throw new Error(`authorization ${settled.status}: ${JSON.stringify(settled.challenges)}`);
    step = 'finalize';
    const finalized = await acme.finalize(created.order, order.csrDer);
    step = 'order poll';
    const valid =
      finalized.status === 'valid'
        ? finalized
        : await acme.waitForOrder(created.url, ['valid'], { timeoutMs: SETTLE_TIMEOUT_MS });
    if (valid.certificate === undefined) throw new Error('a valid order without a certificate URL');
    step = 'certificate';
    const chain = readPemAll(await acme.downloadCertificate(valid.certificate), 'CERTIFICATE', 'chain');
    if (chain.length < 2) throw new Error(`the chain has ${chain.length} certificate(s)`);
    if (check) {
      const leaf = parseCertificate(chain[0]!);
      if (!bytesEqual(leaf.spkiDer, order.spkiDer)) throw new Error('the leaf is not for the CSR key');
      const names = leaf.extensions.subjectAltNames?.names.map((name) => ('value' in name ? name.value : ''));
      if (names?.length !== 1 || names[0] !== order.name) throw new Error(`the leaf names ${String(names)}`);
    }
  } catch (error) {
    throw new Error(`${step}: ${(error as Error).message}`, { cause: error });
  }
}

async function runOrders(): Promise<ChildMessage> {
  if (clients.length === 0) throw new Error('no registered clients');
  const latencies = new Float64Array(prepared.length);
  const failureCounts: Record<string, number> = {};
  const sentBefore = clients.reduce((sum, client) => sum + client.transport.sent, 0);
  let next = 0;
  let done = 0;
  let failures = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    clients.map(async ({ acme }) => {
      for (let index = next++; index < prepared.length; index = next++) {
        const t0 = performance.now();
        try {
          await completeOrder(acme, prepared[index]!, index % 10 === 0);
          latencies[done++] = performance.now() - t0;
        } catch (error) {
          failures++;
          const message = (error as Error).message;
          failureCounts[message] = (failureCounts[message] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    type: 'result',
    result: {
      orders: done,
      elapsedSeconds,
      latencyMs: latencySummary(latencies.subarray(0, done)),
      failures,
      failureCounts,
      httpRequests: clients.reduce((sum, client) => sum + client.transport.sent, 0) - sentBefore,
      clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    },
  };
}

function closeClients(): void {
  for (const { acme, transport } of clients) {
    acme.close();
    transport.close();
  }
  clients = [];
}

answerLoadRequests<ParentMessage, ChildMessage>({
  prepare,
  run: (message) => {
    switch (message.phase) {
      case 'listen':
        return listen();
      case 'register':
        return register(message);
      case 'orders':
        return runOrders();
    }
  },
});
