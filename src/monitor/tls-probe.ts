import { connect as connectTcp, type LookupFunction, type Socket } from 'node:net';
import {
  checkServerIdentity,
  connect as connectTls,
  type ConnectionOptions,
  type DetailedPeerCertificate,
  type TLSSocket,
} from 'node:tls';
import { CappedStream } from './capped-stream.js';
import { classifyProbeError, ProbeFailure, type ProbePhase } from './probe-failure.js';
import type { ProtocolDialogue } from './protocol-dialogue.js';
import { expectedIdentityOf, type ProbeBounds, type ProbeTarget, serverNameOf } from './probe-target.js';
import { StreamReader } from './stream-reader.js';

/** Most certificates kept of one chain; longer chains are cut (the byte cap bounds them anyway). */
export const MAX_CHAIN_CERTIFICATES = 16;

/** What a completed handshake showed, before the certificate is judged against our trust. */
export interface HandshakeFacts {
  /** `TLSv1.3`, `TLSv1.2`… */
  readonly tlsVersion: string | null;
  /** DER, leaf first, as the TLS stack reports the peer's chain. */
  readonly chainDer: readonly Uint8Array[];
  /** Whether the chain verifies against the system's root store (OpenSSL's verdict, name not checked). */
  readonly systemTrusted: boolean;
  readonly systemError: string | null;
  /** tls.checkServerIdentity against the SNI, or the host. */
  readonly hostnameMatches: boolean;
  readonly hostnameError: string | null;
  /** The application's answer after the handshake (MQTT CONNACK, HTTP status); null for plain TLS. */
  readonly protocolResult: string | null;
}

/** One way of reaching an endpoint's TLS: connect, maybe talk, handshake, maybe talk. */
export interface TlsProbe {
  /** Resolves with what the handshake showed, or rejects with a ProbeFailure. */
  probe(target: ProbeTarget, bounds: ProbeBounds): Promise<HandshakeFacts>;
}

/**
 * A TlsProbe for one protocol: TCP connect (bounded by connectTimeoutMs), the protocol's plain-text steps, the
 * TLS handshake with `rejectUnauthorized: false` (the certificate is judged, not refused), then the protocol's
 * steps over TLS. The whole is bounded by probeTimeoutMs, and what the peer sends before the handshake
 * completes by maxHandshakeBytes. Every socket is closed when the probe ends, whichever way it ends.
 */
export class ConnectingTlsProbe implements TlsProbe {
  constructor(
    private readonly dialogue: ProtocolDialogue,
    /** Name resolution, for tests; the system's by default. */
    private readonly lookup?: LookupFunction,
  ) {}

  async probe(target: ProbeTarget, bounds: ProbeBounds): Promise<HandshakeFacts> {
    const opened: Array<{ destroy(): void }> = [];
    // Assigned as the probe advances (in the closure below); the casts keep TypeScript from narrowing them.
    let phase = 'connect' as ProbePhase;
    let capped = undefined as CappedStream | undefined;
    let timer: NodeJS.Timeout | undefined;
    let accepted = undefined as AcceptanceSignal | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new ProbeFailure('timeout', `no answer within ${bounds.probeTimeoutMs} ms (${phase})`)),
        bounds.probeTimeoutMs,
      );
    });
    const work = (async (): Promise<HandshakeFacts> => {
      const socket = await openConnection(target, bounds.connectTimeoutMs, this.lookup, opened);
      capped = new CappedStream(socket, bounds.maxHandshakeBytes);
      // Errors are read where a step waits on the stream; a late one (after the probe) must not be unhandled.
      capped.on('error', ignore);
      opened.push(capped);
      if (this.dialogue.startTls !== undefined) {
        phase = 'starttls';
        const reader = new StreamReader(capped);
        await this.dialogue.startTls(reader, target);
        reader.release();
      }
      phase = 'handshake';
      capped.startTls();
      const tlsSocket = await handshake(capped, target, opened);
      accepted = watchAcceptance(tlsSocket);
      capped.lift();
      const facts = factsOf(tlsSocket, target);
      if (this.dialogue.afterHandshake === undefined) return { ...facts, protocolResult: null };
      phase = 'application';
      const protocolResult = await this.dialogue.afterHandshake(new StreamReader(tlsSocket), target);
      return { ...facts, protocolResult };
    })();
    // Whichever loses the race below still settles later; its outcome is already decided.
    work.catch(ignore);
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      if (capped?.cut !== undefined) throw capped.cut;
      if (phase === 'handshake' && capped?.spokeNonTls === true) {
        throw new ProbeFailure(
          'protocol-error',
          'the peer answered the TLS ClientHello with something that is not TLS',
          {
            cause: error,
          },
        );
      }
      if (
        phase === 'application' &&
        accepted?.refusedAfterHandshake() === true &&
        !(error instanceof ProbeFailure)
      ) {
        throw new ProbeFailure(
          'handshake-failure',
          'the server ended the connection right after the TLS 1.3 handshake without accepting it (a client certificate missing or refused?)',
          { cause: error },
        );
      }
      throw classifyProbeError(error, phase);
    } finally {
      clearTimeout(timer);
      for (const stream of opened) stream.destroy();
    }
  }
}

function ignore(): void {
  // Nothing to do: the probe's outcome is decided elsewhere.
}

function openConnection(
  target: ProbeTarget,
  timeoutMs: number,
  lookup: LookupFunction | undefined,
  opened: Array<{ destroy(): void }>,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({
      host: target.host,
      port: target.port,
      ...(lookup === undefined ? {} : { lookup }),
    });
    opened.push(socket);
    socket.on('error', ignore);
    const timer = setTimeout(() => {
      reject(new ProbeFailure('timeout', `no TCP connection within ${timeoutMs} ms`));
      socket.destroy();
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function handshake(
  stream: CappedStream,
  target: ProbeTarget,
  opened: Array<{ destroy(): void }>,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const servername = serverNameOf(target);
    const credential = target.clientCredential;
    const options: ConnectionOptions = {
      socket: stream,
      // The certificate is judged and recorded, not refused: the chain below against our trust and the system
      // store, the name by checkServerIdentity.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      ...(servername === undefined ? {} : { servername }),
      ...(credential === null
        ? {}
        : {
            cert: credential.certificatePem,
            key: credential.keyPem,
            ...(credential.passphrase === undefined ? {} : { passphrase: credential.passphrase }),
          }),
    };
    const socket = connectTls(options);
    opened.push(socket);
    socket.on('error', ignore);
    const closed = () => reject(new Error('the peer closed the connection during the handshake'));
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
    socket.once('close', closed);
    stream.once('error', reject);
    stream.once('close', closed);
  });
}

/** See watchAcceptance. */
interface AcceptanceSignal {
  refusedAfterHandshake(): boolean;
}

/**
 * In TLS 1.3 the client's side of the handshake completes before the server has judged the client's
 * certificate (RFC 8446 §4.4.2); a server that refuses it sends an alert, or just resets the connection, when
 * the client is already talking. A server that accepts the client sends its session tickets then (Node's
 * `session` event). So a TLS 1.3 connection that fails before any ticket arrived failed its handshake, not
 * the application protocol.
 */
function watchAcceptance(socket: TLSSocket): AcceptanceSignal {
  let ticket = false;
  socket.once('session', () => {
    ticket = true;
  });
  return { refusedAfterHandshake: () => socket.getProtocol() === 'TLSv1.3' && !ticket };
}

function factsOf(socket: TLSSocket, target: ProbeTarget): Omit<HandshakeFacts, 'protocolResult'> {
  const peer = socket.getPeerCertificate(true);
  const chainDer = chainOf(peer);
  const identityError =
    chainDer.length === 0 ? undefined : checkServerIdentity(expectedIdentityOf(target), peer);
  // Typed as an Error, but Node sets OpenSSL's verify code as a string (`UNABLE_TO_GET_ISSUER_CERT_LOCALLY`).
  const authorizationError: unknown = socket.authorizationError;
  const systemError =
    typeof authorizationError === 'string'
      ? authorizationError
      : authorizationError instanceof Error
        ? authorizationError.message
        : 'not trusted';
  return {
    tlsVersion: socket.getProtocol(),
    chainDer,
    systemTrusted: socket.authorized,
    systemError: socket.authorized ? null : systemError,
    hostnameMatches: chainDer.length > 0 && identityError === undefined,
    hostnameError: chainDer.length === 0 ? 'no certificate' : (identityError?.message ?? null),
  };
}

/** The peer's chain as Node links it (leaf → issuer → …), up to a self-issued certificate or the limit. */
function chainOf(peer: DetailedPeerCertificate): Uint8Array[] {
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | undefined = peer;
  while (current?.raw !== undefined && chain.length < MAX_CHAIN_CERTIFICATES) {
    if (seen.has(current.fingerprint256)) break;
    seen.add(current.fingerprint256);
    chain.push(new Uint8Array(current.raw));
    current = current.issuerCertificate;
  }
  return chain;
}
