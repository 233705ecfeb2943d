import type { Duplex } from 'node:stream';
import { ProbeFailure } from './probe-failure.js';

/** Longest line a text protocol (SMTP, IMAP, an HTTP status line) may send the probe. */
export const MAX_LINE_BYTES = 8192;

interface Waiter {
  readonly want: () => Buffer | undefined;
  readonly resolve: (bytes: Buffer) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Reads lines or exact byte counts from a stream for the short exchanges around a handshake (SMTP and IMAP
 * STARTTLS, the MQTT CONNACK, the HTTP status line). The stream's own bounds (CappedStream, the probe's
 * deadline) still apply; each line is bounded here.
 */
export class StreamReader {
  private buffer = Buffer.alloc(0);
  private waiter: Waiter | undefined;
  private ended: unknown;
  private readonly onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.serve();
  };
  private readonly onEnd = () => this.fail(new Error('the peer closed the connection'));
  private readonly onError = (error: unknown) => this.fail(error);

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  /** The next line without its CRLF (or LF). */
  readLine(): Promise<string> {
    return this.read(() => {
      const end = this.buffer.indexOf(0x0a);
      if (end === -1) {
        if (this.buffer.length > MAX_LINE_BYTES) {
          throw new ProbeFailure(
            'protocol-error',
            `the peer sent a line longer than ${MAX_LINE_BYTES} bytes`,
          );
        }
        return undefined;
      }
      const line = this.buffer.subarray(0, end);
      this.buffer = this.buffer.subarray(end + 1);
      return line;
    }).then((line) => line.toString('latin1').replace(/\r$/, ''));
  }

  /** Exactly `count` bytes. */
  readBytes(count: number): Promise<Buffer> {
    return this.read(() => {
      if (this.buffer.length < count) return undefined;
      const bytes = this.buffer.subarray(0, count);
      this.buffer = this.buffer.subarray(count);
      return bytes;
    });
  }

  write(text: string | Uint8Array): void {
    this.stream.write(text);
  }

  /**
   * Stops reading, leaving the stream paused for the next layer (the TLS handshake after STARTTLS). Bytes the
   * peer sent ahead of it would be lost; a server that sends them is not speaking the protocol (and RFC 3207
   * §4.2 forbids it: they could be injected).
   */
  release(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.pause();
    if (this.buffer.length > 0) {
      throw new ProbeFailure('protocol-error', 'the server sent data before the TLS handshake began');
    }
  }

  private read(want: () => Buffer | undefined): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiter = { want, resolve, reject };
      this.serve();
    });
  }

  private serve(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    try {
      const bytes = waiter.want();
      if (bytes !== undefined) {
        this.waiter = undefined;
        waiter.resolve(bytes);
      } else if (this.ended !== undefined) {
        this.waiter = undefined;
        waiter.reject(this.ended);
      }
    } catch (error) {
      this.waiter = undefined;
      waiter.reject(error);
    }
  }

  private fail(error: unknown): void {
    this.ended ??= error;
    this.serve();
  }
}
