import { PkiError } from '../../../core/pki-error.js';
import type { InfoTypeAndValue } from '../../../pki/asn1/cmp/info-type-and-value.js';
import type { PKIBodyType } from '../../../pki/asn1/cmp/pki-body.js';
import { decodeFailureInfo, type PKIFailureInfoName } from '../../../pki/asn1/cmp/pki-failure-info.js';
import type { PKIMessage } from '../../../pki/asn1/cmp/pki-message.js';
import { PKI_STATUS, type PKIStatusName } from '../../../pki/asn1/cmp/pki-status.js';
import type { PKIStatusInfo } from '../../../pki/asn1/cmp/pki-status-info.js';
import { parseCertificate } from '../../../pki/certificate.js';
import { TrustStore } from '../../../pki/chain.js';
import { bytesEqual, encodeDer } from '../../../pki/der.js';
import { isCmpFailure } from '../cmp-failure.js';
import { checkProtection } from '../message-protection.js';
import { decodeReceivedMessage } from '../wire/received-message.js';
import type { CmpRequest } from './cmp-request.js';

/** What a client checks a response against. */
export interface CmpResponseCheck {
  /** The shared secret of a MAC-protected request: a MAC-protected answer must verify with it. */
  readonly secret?: Uint8Array | string;
  /** Anchors a signed answer's protection certificate must chain to (extraCerts after the first as intermediates). */
  readonly trustedRoots?: readonly Uint8Array[];
  /**
   * The server's protection certificate, for an answer signed without extraCerts (as `openssl cmp -srvcert` knows
   * it); an answer that carries extraCerts is checked with its first.
   */
  readonly serverCertificate?: Uint8Array;
  /** When that chain is judged (required with trustedRoots: time is a parameter). */
  readonly at?: Date;
  /** The request answered: its transactionID and senderNonce must come back (RFC 9810 §5.1.1). */
  readonly request?: Pick<CmpRequest, 'transactionId' | 'senderNonce'>;
}

/** A response as a client reads it (RFC 9483 §4): the outcome, the certificate, and what the next message echoes. */
export interface CmpResponse {
  readonly bodyType: PKIBodyType;
  readonly message: PKIMessage;
  /** How the response is protected; an unprotected answer is returned as `none` for the caller to judge. */
  readonly protectedBy: 'mac' | 'signature' | 'none';
  /** The protection certificate of a signed answer (extraCerts[0]). */
  readonly signer?: Uint8Array;
  readonly transactionId: Uint8Array | undefined;
  /** Goes back as recipNonce in the next message of the transaction (certConf, pollReq). */
  readonly senderNonce: Uint8Array | undefined;
  readonly recipNonce: Uint8Array | undefined;
  /** The PKIStatus of ip/cp/kup, rp and error. */
  readonly status?: PKIStatusName;
  readonly failInfo: readonly PKIFailureInfoName[];
  /** statusString and errorDetails, joined. */
  readonly text?: string;
  readonly certReqId?: number;
  /** The certificate of an ip/cp/kup. */
  readonly certificate?: Uint8Array;
  readonly caPubs: readonly Uint8Array[];
  readonly extraCerts: readonly Uint8Array[];
  /** pollRep: seconds to wait before polling again. */
  readonly checkAfterSeconds?: number;
  readonly generalInfo: readonly InfoTypeAndValue[];
}

const STATUS_NAMES = new Map(
  Object.entries(PKI_STATUS).map(([name, value]) => [value as number, name as PKIStatusName]),
);

/**
 * Decodes a response and checks it: its protection (MAC with the request's secret, or signature by extraCerts[0],
 * which must chain to `trustedRoots` when given) and the echoed transactionID and nonce. Only throws PkiError:
 * MALFORMED_INPUT for bytes that are no PKIMessage or echo the wrong values, BAD_SIGNATURE or UNTRUSTED for a
 * protection that does not hold.
 */
export function readCmpResponse(der: Uint8Array, check: CmpResponseCheck = {}): CmpResponse {
  const decoded = decodeReceivedMessage(der);
  const received =
    decoded.extraCerts.length === 0 && check.serverCertificate !== undefined
      ? { ...decoded, extraCerts: [check.serverCertificate] }
      : decoded;
  const secret =
    typeof check.secret === 'string' ? new Uint8Array(Buffer.from(check.secret, 'utf8')) : check.secret;
  let sender;
  try {
    sender = checkProtection(received, {
      secretFor: () => secret,
      // The server chose these parameters for its own answer; our cost is bounded by trusting it.
      maxIterations: 10_000_000,
    });
  } catch (error) {
    if (!isCmpFailure(error)) throw error;
    const code = error.code === 'UNSUPPORTED_ALGORITHM' ? error.code : 'BAD_SIGNATURE';
    throw new PkiError(code, `CMP response protection: ${error.message}`, { cause: error });
  }
  const signer = sender.kind === 'signature' ? sender.chain[0] : undefined;
  if (signer !== undefined && check.trustedRoots !== undefined) {
    if (check.at === undefined) throw new PkiError('INTERNAL', 'trustedRoots needs the time to judge at');
    const store = new TrustStore(check.trustedRoots.map((root) => parseCertificate(root)));
    const intermediates = received.extraCerts.slice(1).map((c) => parseCertificate(c));
    store.validate(parseCertificate(signer), intermediates, check.at);
  }
  checkEcho('transactionID', check.request?.transactionId, received.transactionId);
  checkEcho('recipNonce', check.request?.senderNonce, received.recipNonce);

  const { body, header } = received.message;
  const certResponse = (body.ip ?? body.cp ?? body.kup)?.response[0];
  const statusInfo: PKIStatusInfo | undefined =
    certResponse?.status ?? body.error?.pKIStatusInfo ?? body.rp?.status[0];
  const texts = [...(statusInfo?.statusString ?? []), ...(body.error?.errorDetails ?? [])];
  const certificate = certResponse?.certifiedKeyPair?.certOrEncCert.certificate;
  const pollEntry = body.pollRep?.[0];
  const status = statusInfo === undefined ? undefined : STATUS_NAMES.get(statusInfo.status);
  const certReqId = certResponse?.certReqId ?? pollEntry?.certReqId;
  return {
    bodyType: received.bodyType,
    message: received.message,
    protectedBy: sender.kind,
    ...(signer === undefined ? {} : { signer }),
    transactionId: received.transactionId,
    senderNonce: received.senderNonce,
    recipNonce: received.recipNonce,
    ...(status === undefined ? {} : { status }),
    failInfo: statusInfo?.failInfo ? decodeFailureInfo(statusInfo.failInfo) : [],
    ...(texts.length === 0 ? {} : { text: texts.join('; ') }),
    ...(certReqId === undefined ? {} : { certReqId }),
    ...(certificate === undefined ? {} : { certificate: encodeDer(certificate) }),
    caPubs: ((body.ip ?? body.cp ?? body.kup)?.caPubs ?? []).map((c) => encodeDer(c)),
    extraCerts: received.extraCerts,
    ...(pollEntry === undefined ? {} : { checkAfterSeconds: pollEntry.checkAfter }),
    generalInfo: header.generalInfo ?? [],
  };
}

function checkEcho(field: string, sent: Uint8Array | undefined, received: Uint8Array | undefined): void {
  if (sent === undefined) return;
  if (received === undefined || !bytesEqual(sent, received))
    throw new PkiError('MALFORMED_INPUT', `CMP response: ${field} does not echo the request`);
}
