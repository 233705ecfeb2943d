/**
 * The child process of bench/monitor that serves the endpoints: one node:tls server per endpoint on 127.0.0.1,
 * each with its own leaf and chain, completing the handshake and closing. The servers run here, not in the
 * bench's process, because the server's half of each handshake (an ECDSA signature, the key exchange) costs
 * about as much CPU as the prober's half: on the prober's event loop it would be counted as the prober's CPU
 * and would queue behind (and delay) the probes being measured. A few such processes share the servers.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { answerLoadRequests } from './bench-kit.js';

export interface EndpointCredential {
  /** Leaf then intermediate. */
  readonly chainPem: string;
  readonly keyPem: string;
}

export type ParentMessage =
  | { readonly type: 'prepare'; readonly endpoints: readonly EndpointCredential[] }
  /** `listen`: start the servers; `cpu`: report this process's CPU and connections so far. */
  | { readonly type: 'run'; readonly action: 'listen' | 'cpu' }
  | { readonly type: 'exit' };

export type ChildMessage =
  | { readonly type: 'prepared'; readonly count: number }
  | { readonly type: 'listening'; readonly ports: readonly number[] }
  | {
      readonly type: 'cpu';
      /** user + system, all threads. */
      readonly cpuSeconds: number;
      /** TCP connections accepted, whether or not their handshake completed. */
      readonly connections: number;
    }
  | { readonly type: 'error'; readonly message: string };

let credentials: readonly EndpointCredential[] = [];
const servers: Server[] = [];
let connections = 0;

function listen(credential: EndpointCredential): Promise<number> {
  const server = createServer({ cert: credential.chainPem, key: credential.keyPem }, (socket) => {
    socket.on('error', () => undefined);
    // The probes hang up right after the handshake; ending here too frees the socket either way.
    socket.end();
  });
  server.on('connection', () => {
    connections += 1;
  });
  // A client that hangs up as soon as its side of the handshake is done, or refuses the certificate.
  server.on('tlsClientError', () => undefined);
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, () =>
      resolve((server.address() as AddressInfo).port),
    );
  });
}

answerLoadRequests<ParentMessage, ChildMessage>({
  prepare(message) {
    credentials = message.endpoints;
    return { type: 'prepared', count: credentials.length };
  },
  async run(message) {
    switch (message.action) {
      case 'listen': {
        const ports: number[] = [];
        for (const credential of credentials) ports.push(await listen(credential));
        return { type: 'listening', ports };
      }
      case 'cpu': {
        const cpu = process.cpuUsage();
        return { type: 'cpu', cpuSeconds: (cpu.user + cpu.system) / 1e6, connections };
      }
    }
  },
});
