import { REVOCATION_REASON_CODES, type RevocationReason } from '../../core/revocation-reason.js';
import { parseCertificate } from '../../pki/certificate.js';
import { bytesEqual, encodeDer, toBytes } from '../../pki/der.js';
import { OID } from '../../pki/oids.js';
import { serialToHex } from '../../pki/serial.js';
import type { Revocations } from '../../ra/revocations.js';
import type { CmpExchange, CmpReply } from './cmp-exchange.js';
import { CmpFailure } from './cmp-failure.js';
import { revocationAcceptedBody } from './wire/response-bodies.js';

const REASON_BY_CODE = new Map<number, RevocationReason>(
  Object.entries(REVOCATION_REASON_CODES).map(([name, code]) => [code, name as RevocationReason]),
);

/**
 * rr (RFC 9483 §4.2): the holder revokes its own certificate with a request signed by that certificate's key. The
 * RevDetails name it by issuer and serialNumber; the reason comes from the CRL entry extension reasonCode. The
 * RA's Revocations decide (ours, standing, the signer's own), and answer CERT_REVOKED for a second request.
 */
export class RevocationHandler {
  constructor(private readonly deps: { revocations: Pick<Revocations, 'revoke'> }) {}

  async revoke(exchange: CmpExchange): Promise<CmpReply> {
    const { sender } = exchange;
    if (sender.kind !== 'signature')
      throw new CmpFailure(
        'wrongIntegrity',
        'UNAUTHORIZED',
        'rr must be signed with the certificate to be revoked (RFC 9483 §4.2)',
      );
    const details = exchange.received.message.body.rr ?? [];
    const detail = details[0];
    if (details.length !== 1 || detail === undefined)
      throw new CmpFailure(
        'badRequest',
        'MALFORMED_INPUT',
        'the Lightweight CMP profile revokes one certificate per rr',
      );
    const template = detail.certDetails;
    if (template.serialNumber === undefined || template.issuer === undefined)
      throw new CmpFailure(
        'addInfoNotAvailable',
        'MALFORMED_INPUT',
        'RevDetails must name the issuer and serialNumber',
      );
    const serial = serialToHex(toBytes(template.serialNumber));
    const signer = parseCertificate(sender.chain[0] ?? new Uint8Array());
    if (!bytesEqual(encodeDer(template.issuer), signer.issuerDer) || signer.serial !== serial)
      throw new CmpFailure(
        'badCertId',
        'FORBIDDEN',
        'a holder may revoke only the certificate it signs with',
      );
    await this.deps.revocations.revoke(
      { kind: 'certificate-holder', chain: sender.chain },
      { kind: 'certificate', serial },
      reasonOf(detail.crlEntryDetails),
    );
    return { body: revocationAcceptedBody() };
  }
}

function reasonOf(
  extensions: readonly { extnID: string; extnValue: { buffer: ArrayBuffer } }[] | undefined,
): RevocationReason {
  const extension = extensions?.find((e) => e.extnID === OID.crlReason);
  if (!extension) return 'unspecified';
  const code = decodeEnumerated(new Uint8Array(extension.extnValue.buffer));
  const reason = code === undefined ? undefined : REASON_BY_CODE.get(code);
  if (reason === undefined)
    throw new CmpFailure('badRequest', 'MALFORMED_INPUT', 'the reasonCode is not a CRLReason');
  return reason;
}

/** ENUMERATED CRLReason (RFC 5280 §5.3.1), one small value. */
function decodeEnumerated(der: Uint8Array): number | undefined {
  if (der.length !== 3 || der[0] !== 0x0a || der[1] !== 1) return undefined;
  return der[2];
}
