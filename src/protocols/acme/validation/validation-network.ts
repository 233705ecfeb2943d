import { lookup } from 'node:dns/promises';

/** Where and how challenge checks connect. Production: DNS and ports 80/443. */
export interface ValidationNetwork {
  /** The IP addresses to try for a DNS name (production: dns.lookup all, A and AAAA). */
  resolve(hostName: string): Promise<readonly string[]>;
  /** RFC 8555 §8.3: http-01 asks port 80; redirects may go to http on this port only. */
  readonly httpPort: number;
  /** RFC 8737 §3: tls-alpn-01 connects to port 443; http-01 redirects may go to https on this port only. */
  readonly tlsPort: number;
  /** The budget of one whole validation: lookups, connects, handshakes, redirects and reads together. */
  readonly timeoutMs: number;
}

/** Long enough for a slow device network, short enough that a stalled target does not hold a worker. */
export const DEFAULT_VALIDATION_TIMEOUT_MS = 10_000;

export function productionNetwork(timeoutMs = DEFAULT_VALIDATION_TIMEOUT_MS): ValidationNetwork {
  return {
    async resolve(hostName) {
      // verbatim keeps the resolver's order, so IPv6 is tried first where the host publishes it.
      const answers = await lookup(hostName, { all: true, verbatim: true });
      return answers.map((answer) => answer.address);
    },
    httpPort: 80,
    tlsPort: 443,
    timeoutMs,
  };
}

/**
 * Test-only: every name resolves to `address` and the ports are chosen (like Pebble's VA settings), so clients
 * on one machine answer challenges for any name without DNS or privileged ports.
 */
export function loopbackTestNetwork(options: {
  httpPort: number;
  tlsPort: number;
  address?: string;
  timeoutMs?: number;
}): ValidationNetwork {
  const addresses = [options.address ?? '127.0.0.1'];
  return {
    resolve: () => Promise.resolve(addresses),
    httpPort: options.httpPort,
    tlsPort: options.tlsPort,
    timeoutMs: options.timeoutMs ?? DEFAULT_VALIDATION_TIMEOUT_MS,
  };
}
