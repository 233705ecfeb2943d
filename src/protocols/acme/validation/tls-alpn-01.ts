import { AcmeProblem } from '../wire/acme-problem.js';
import { reverseDnsName } from './ip-identifier.js';
import { targetAddresses } from './target-addresses.js';
import { connectTcp, hostPort } from './tcp-connect.js';
import { checkTlsAlpn01Certificate } from './tls-alpn-01-certificate.js';
import { tlsHandshake } from './tls-handshake.js';
import { type Deadline, withDeadline } from './validation-deadline.js';
import { checkValidationIdentifier, type ValidationIdentifier } from './validation-identifier.js';
import type { ValidationNetwork } from './validation-network.js';

/** RFC 8737 §6.2: the ALPN protocol a tls-alpn-01 responder answers with, and the only one offered to it. */
export const ACME_TLS_ALPN_PROTOCOL = 'acme-tls/1';

/**
 * RFC 8737 §3 tls-alpn-01: a TLS 1.2+ handshake with the identifier on the network's TLS port, SNI naming it
 * (for an IP, its reverse-mapping name, RFC 8738 §6) and ALPN offering only `acme-tls/1`, which must be
 * negotiated; then the presented certificate is checked ({@link checkTlsAlpn01Certificate}). Resolves when all
 * holds; otherwise throws an AcmeProblem: `dns` (no address), `connection` (nothing accepts, or the deadline
 * passes), `tls` (the handshake fails, `acme-tls/1` is not negotiated, no certificate) or `incorrectResponse`
 * (the certificate does not prove this challenge).
 */
export async function validateTlsAlpn01(
  identifier: ValidationIdentifier,
  keyAuthorization: string,
  network: ValidationNetwork,
): Promise<void> {
  checkValidationIdentifier(identifier);
  await withDeadline(network.timeoutMs, (deadline) =>
    handshakeAndCheck(identifier, keyAuthorization, network, deadline),
  );
}

async function handshakeAndCheck(
  identifier: ValidationIdentifier,
  keyAuthorization: string,
  network: ValidationNetwork,
  deadline: Deadline,
): Promise<void> {
  const serverName = identifier.type === 'ip' ? reverseDnsName(identifier.value) : identifier.value;
  const addresses = await targetAddresses(identifier.value, network, deadline);
  const tcp = await connectTcp(addresses, network.tlsPort, deadline);
  const what = hostPort(tcp.remoteAddress ?? identifier.value, network.tlsPort);
  const tls = await tlsHandshake(
    tcp,
    { serverName, alpnProtocols: [ACME_TLS_ALPN_PROTOCOL] },
    deadline,
    what,
  );
  let leafDer: Uint8Array | undefined;
  let negotiated: string | false | null;
  try {
    negotiated = tls.alpnProtocol;
    const raw = (tls.getPeerCertificate() as { raw?: Buffer }).raw;
    leafDer = raw === undefined ? undefined : new Uint8Array(raw);
  } finally {
    // RFC 8737 §3: nothing is exchanged over an acme-tls/1 connection once the handshake is done. end() flushes
    // our last handshake flight and a close_notify (destroy() would drop them, and the client logs an EOF error);
    // the timer frees the socket of a peer that never closes its side.
    tls.on('error', () => undefined);
    tls.end();
    setTimeout(() => tls.destroy(), 1000).unref();
  }
  if (negotiated !== ACME_TLS_ALPN_PROTOCOL) {
    throw new AcmeProblem(
      'tls',
      `${what} did not negotiate ALPN ${ACME_TLS_ALPN_PROTOCOL}` +
        (typeof negotiated === 'string' ? ` (it chose ${negotiated})` : ''),
    );
  }
  if (leafDer === undefined) throw new AcmeProblem('tls', `${what} presented no certificate`);
  checkTlsAlpn01Certificate(leafDer, identifier, keyAuthorization);
}
