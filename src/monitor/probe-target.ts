import { isIP } from 'node:net';
import type { EndpointProtocol } from '../store/endpoint-registry.js';

/** A client certificate the monitor presents to servers that demand one, as PEM. */
export interface ClientCredential {
  readonly certificatePem: string;
  readonly keyPem: string;
  readonly passphrase?: string;
}

/** Where and how one probe connects. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  /** The name sent as TLS SNI and matched against the certificate; null: the host (unless an IP address). */
  readonly sni: string | null;
  readonly protocol: EndpointProtocol;
  readonly clientCredential: ClientCredential | null;
}

/** The bounds of one probe. */
export interface ProbeBounds {
  /** From the start of the TCP connection to its establishment. */
  readonly connectTimeoutMs: number;
  /** The whole probe: connection, STARTTLS, handshake and the application's answer. */
  readonly probeTimeoutMs: number;
  /** Bytes the peer may send before the handshake completes (a huge chain or a garbage stream is cut). */
  readonly maxHandshakeBytes: number;
}

/** The server name for SNI (RFC 6066 §3 allows no IP address there), if any. */
export function serverNameOf(target: ProbeTarget): string | undefined {
  if (target.sni !== null) return target.sni;
  return isIP(target.host) === 0 ? target.host : undefined;
}

/** The name the certificate must match: the SNI, else the host (a DNS name or an IP address). */
export function expectedIdentityOf(target: ProbeTarget): string {
  return target.sni ?? target.host;
}
