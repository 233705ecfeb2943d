import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { ProbeFailure } from './probe-failure.js';

/** TLS record content types (RFC 8446 §5.1): what a TLS peer's first byte is. */
const TLS_HANDSHAKE = 0x16;
const TLS_ALERT = 0x15;

/**
 * The TCP connection as the probe's TLS layer sees it, counting the bytes the peer sends until the handshake
 * completes. Past `maxBytes` it cuts the connection: a peer streaming a huge chain is `chain-too-large`, one
 * streaming something that is not TLS is `protocol-error`. Node's TLS stack would otherwise buffer whatever
 * the peer sends during the handshake.
 *
 * It also remembers the first byte after TLS started, so a failed handshake can be told apart from a peer
 * that never spoke TLS at all (`protocol-error`).
 */
export class CappedStream extends Duplex {
  private received = 0;
  private capped = true;
  private tlsStartedAt: number | undefined;
  private firstTlsByte: number | undefined;
  /** Why this stream cut the connection, if it did. */
  cut: ProbeFailure | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly maxBytes: number,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** Marks where the TLS bytes begin (after a STARTTLS exchange, or at once). */
  startTls(): void {
    this.tlsStartedAt = this.received;
  }

  /** The handshake is complete: what follows is the application's, bounded by its own reader. */
  lift(): void {
    this.capped = false;
  }

  /** Whether the peer answered the ClientHello with something that is not a TLS record. */
  get spokeNonTls(): boolean {
    return (
      this.firstTlsByte !== undefined &&
      this.firstTlsByte !== TLS_HANDSHAKE &&
      this.firstTlsByte !== TLS_ALERT
    );
  }

  get bytesReceived(): number {
    return this.received;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  private onData(chunk: Buffer): void {
    if (this.tlsStartedAt !== undefined && this.firstTlsByte === undefined && chunk.length > 0) {
      this.firstTlsByte = chunk[0];
    }
    this.received += chunk.length;
    if (this.capped && this.received > this.maxBytes) {
      this.cut =
        this.spokeNonTls || this.tlsStartedAt === undefined
          ? new ProbeFailure(
              'protocol-error',
              `the peer sent more than ${this.maxBytes} bytes that are not a TLS handshake`,
            )
          : new ProbeFailure(
              'chain-too-large',
              `the peer sent more than ${this.maxBytes} bytes before the handshake completed (a huge certificate chain?)`,
            );
      this.destroy(this.cut);
      return;
    }
    if (!this.push(chunk)) this.socket.pause();
  }
}
