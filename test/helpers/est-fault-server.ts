import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import type { Clock, ManualClock } from '../../src/core/clock.js';
import type { DeviceAgent, EstTransport, StepOutcome } from '../../src/agent/device-agent.js';
import { EstHttpError } from '../../src/protocols/est/client/est-client.js';
import { encodeCertsOnly } from '../../src/protocols/est/wire/certs-only.js';
import { encodeEstBody } from '../../src/protocols/est/wire/est-body.js';
import { EST_MEDIA_TYPE } from '../../src/protocols/est/wire/media-types.js';

/** What the fault server does with one request. */
export type FaultAction =
  /** Pass the request to the real server (GET operations only: the proxy holds no client credential). */
  | { readonly kind: 'forward' }
  /** Answer with this status and one-line body. */
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  /** A 200 certs-only answer holding `certificate` (e.g. one issued for another key). */
  | { readonly kind: 'certificate'; readonly certificate: Uint8Array }
  /**
   * The answer for `certificate` cut in half: `declared` — Content-Length announces the whole body and the
   * connection closes midway; `consistent` — a Content-Length that matches the half that is sent.
   */
  | {
      readonly kind: 'truncated';
      readonly certificate: Uint8Array;
      readonly length: 'declared' | 'consistent';
    }
  /** Close the connection without answering. */
  | { readonly kind: 'reset' };

export interface EstFaultServer {
  /** `https://127.0.0.1:<port>/.well-known/est` */
  readonly estUrl: string;
  /** Operations seen, in order (`cacerts`, `simplereenroll`, …). */
  readonly requests: string[];
  /** Decides each request's fate; the default forwards GETs and refuses the rest with 503. */
  plan: (operation: string) => FaultAction;
  close(): Promise<void>;
}

export interface EstFaultServerOptions {
  /** The real server's EST base URL, for forwarded requests. */
  readonly upstreamEstUrl: string;
  /** Anchors that authenticate the real server. */
  readonly upstreamTrustPem: string;
  /** The fault server's own TLS certificate (chain) and key, from the test PKI so that agents trust it. */
  readonly tls: { readonly certificatePem: string; readonly keyPem: string };
}

/**
 * A stand-in EST server on 127.0.0.1 that answers as `plan` says: forwards cacerts and csrattrs to the real
 * server, and fails enrollments in the ways a device meets in the field (5xx, a truncated body, a certificate for
 * another key, a dropped connection). Over real TLS, with a certificate from the test PKI.
 */
export async function startEstFaultServer(options: EstFaultServerOptions): Promise<EstFaultServer> {
  const requests: string[] = [];
  const fault: EstFaultServer = {
    estUrl: '',
    requests,
    plan: (operation) =>
      operation === 'cacerts' || operation === 'csrattrs'
        ? { kind: 'forward' }
        : { kind: 'status', status: 503, body: 'fault server: no plan' },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer(
    {
      cert: options.tls.certificatePem,
      key: options.tls.keyPem,
      minVersion: 'TLSv1.2',
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const operation = (req.url ?? '').split('/').filter(Boolean).at(-1) ?? '';
      requests.push(operation);
      // Read the request body whatever happens, so that the client is not cut off while still sending.
      req.resume();
      req.on('end', () => answer(fault.plan(operation), operation, req, res, options));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fault, { estUrl: `https://127.0.0.1:${port}/.well-known/est` });
}

function answer(
  action: FaultAction,
  operation: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: EstFaultServerOptions,
): void {
  switch (action.kind) {
    case 'forward':
      return forward(operation, req, res, options);
    case 'status':
      res.writeHead(action.status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${action.body ?? 'fault'}\n`);
      return;
    case 'certificate': {
      const body = Buffer.from(encodeEstBody(encodeCertsOnly([action.certificate])), 'latin1');
      res.writeHead(200, { 'Content-Type': EST_MEDIA_TYPE.certsOnly, 'Content-Length': String(body.length) });
      res.end(body);
      return;
    }
    case 'truncated': {
      const body = Buffer.from(encodeEstBody(encodeCertsOnly([action.certificate])), 'latin1');
      const half = body.subarray(0, Math.floor(body.length / 2));
      const length = action.length === 'declared' ? body.length : half.length;
      res.writeHead(200, { 'Content-Type': EST_MEDIA_TYPE.certsOnly, 'Content-Length': String(length) });
      if (action.length === 'consistent') {
        res.end(half);
        return;
      }
      res.write(half, () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    case 'reset':
      req.socket.destroy();
      return;
  }
}

function forward(
  operation: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: EstFaultServerOptions,
): void {
  const upstream = httpsRequest(
    `${options.upstreamEstUrl}/${operation}`,
    { method: req.method, ca: options.upstreamTrustPem, agent: false },
    (answer) => {
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'content-length', 'date', 'retry-after']) {
        const value = answer.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    res.writeHead(502);
    res.end('fault server: upstream unreachable\n');
  });
  upstream.end();
}

/**
 * An EstTransport that reports the server's time from `serverClock` instead of the HTTP Date header, and counts
 * calls. The certfleet server issues by the Clock it was given, but node's HTTP layer writes Date from the
 * host's wall clock, which a test cannot move; this keeps the two the same when a test moves time. It drops each
 * call's options (the time the agent judges the server's TLS certificate by), as a wrapper that predates them
 * does; {@link datedWithCallOptions} passes them on, as a transport in production does.
 */
export function datedBy(
  transport: EstTransport,
  serverClock: Clock,
  passCallOptions = false,
): EstTransport & { readonly calls: string[] } {
  const calls: string[] = [];
  const redate = async <T extends object>(operation: string, call: () => Promise<T>) => {
    calls.push(operation);
    try {
      return { ...(await call()), serverDate: serverClock.now() };
    } catch (error) {
      if (error instanceof EstHttpError) {
        throw new EstHttpError(error.status, error.reason, error.retryAfterSeconds, serverClock.now());
      }
      throw error;
    }
  };
  type Options = Parameters<EstTransport['cacerts']>[0];
  const pass = (options: Options) => (passCallOptions ? options : undefined);
  return {
    calls,
    cacerts: (options) => redate('cacerts', () => transport.cacerts(pass(options))),
    csrattrs: (options) => redate('csrattrs', () => transport.csrattrs(pass(options))),
    simpleenroll: (csr, credential, options) =>
      redate('simpleenroll', () => transport.simpleenroll(csr, credential, pass(options))),
    simplereenroll: (csr, credential, options) =>
      redate('simplereenroll', () => transport.simplereenroll(csr, credential, pass(options))),
  };
}

/** {@link datedBy} passing each call's options on to `transport`. */
export function datedWithCallOptions(
  transport: EstTransport,
  serverClock: Clock,
): EstTransport & { readonly calls: string[] } {
  return datedBy(transport, serverClock, true);
}

/**
 * The daemon's loop with time passing for device and server alike: step, then move both clocks to nextAt, until
 * `done` says so (or fail after `maxSteps`).
 */
export async function stepUntil(
  d: { readonly agent: DeviceAgent; readonly deviceClock: ManualClock; readonly serverClock: ManualClock },
  done: (outcome: StepOutcome) => boolean,
  maxSteps = 60,
): Promise<{ outcome: StepOutcome; steps: StepOutcome[] }> {
  const steps: StepOutcome[] = [];
  for (let i = 0; i < maxSteps; i++) {
    const outcome = await d.agent.step();
    steps.push(outcome);
    if (done(outcome)) return { outcome, steps };
    const waitMs = Math.max(outcome.nextAt.getTime() - d.deviceClock.now().getTime(), 0);
    d.serverClock.advanceSeconds(waitMs / 1000);
    d.deviceClock.advanceSeconds(waitMs / 1000);
  }
  assert.fail(`not done after ${maxSteps} steps: ${steps.map((s) => s.kind).join(', ')}`);
}

/** A transport whose target a test can swap mid-run (the real server, a fault server, a closed port). */
export function switchableTransport(initial: EstTransport): EstTransport & { target: EstTransport } {
  const switchable = {
    target: initial,
    cacerts: () => switchable.target.cacerts(),
    csrattrs: () => switchable.target.csrattrs(),
    simpleenroll: (csr: Uint8Array, credential: Parameters<EstTransport['simpleenroll']>[1]) =>
      switchable.target.simpleenroll(csr, credential),
    simplereenroll: (csr: Uint8Array, credential: Parameters<EstTransport['simplereenroll']>[1]) =>
      switchable.target.simplereenroll(csr, credential),
  };
  return switchable;
}
