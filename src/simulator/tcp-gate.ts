import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of the server, so the simulator can make the server unavailable for a window the way a
 * real outage looks to a device: new connections are reset at once and open ones are cut. Bytes pass through
 * untouched, so TLS and client certificates work end to end.
 */
export class TcpGate {
  private open = true;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.relay(client));
  }

  static async start(target: { host: string; port: number }): Promise<{ gate: TcpGate; port: number }> {
    const gate = new TcpGate(target);
    await new Promise<void>((resolve, reject) => {
      gate.server.once('error', reject);
      gate.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = gate.server.address();
    if (address === null || typeof address === 'string') throw new Error('TCP gate has no port');
    return { gate, port: address.port };
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Resets new connections and cuts the open ones until {@link reopen}. */
  shut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
  }

  reopen(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.shut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    if (!this.open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    // Once either side is gone, so is the other: a half-closed pair would hold its descriptors open (measured:
    // a run of 10,000 devices exhausted the process's 20,000 descriptors before this).
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(socket);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        if (other.writableEnded) other.destroy();
        else other.end(() => other.destroy());
      });
    }
    client.pipe(upstream).pipe(client);
  }
}
