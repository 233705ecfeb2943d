import type { TLSSocket, DetailedPeerCertificate } from 'node:tls';
import type { FastifyRequest } from 'fastify';

/**
 * The certificates the client presented in the TLS handshake, leaf first, as DER. Empty when it sent none. The
 * listener asks for a client certificate without requiring one and without judging it: the RA decides what a
 * chain is worth for each operation.
 */
export function tlsClientChain(request: FastifyRequest): Uint8Array[] {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return [];
  let current: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(new Uint8Array(current.raw));
    current = current.issuerCertificate;
  }
  return chain;
}
