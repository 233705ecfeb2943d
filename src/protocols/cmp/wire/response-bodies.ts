import { Certificate } from '@peculiar/asn1-x509';
import { CertOrEncCert } from '../../../pki/asn1/cmp/cert-or-enc-cert.js';
import { CertRepMessage } from '../../../pki/asn1/cmp/cert-rep-message.js';
import { CertResponse } from '../../../pki/asn1/cmp/cert-response.js';
import { CertifiedKeyPair } from '../../../pki/asn1/cmp/certified-key-pair.js';
import { ErrorMsgContent } from '../../../pki/asn1/cmp/error-msg-content.js';
import { GenRepContent } from '../../../pki/asn1/cmp/gen-rep-content.js';
import type { InfoTypeAndValue } from '../../../pki/asn1/cmp/info-type-and-value.js';
import { PKI_BODY_TAGS, PKIBody } from '../../../pki/asn1/cmp/pki-body.js';
import { encodeFailureInfo, type PKIFailureInfoName } from '../../../pki/asn1/cmp/pki-failure-info.js';
import { PKIFreeText } from '../../../pki/asn1/cmp/pki-free-text.js';
import { PKI_STATUS } from '../../../pki/asn1/cmp/pki-status.js';
import { PKIStatusInfo } from '../../../pki/asn1/cmp/pki-status-info.js';
import { PollRepContent, PollRepEntry } from '../../../pki/asn1/cmp/poll-rep-content.js';
import { RevRepContent } from '../../../pki/asn1/cmp/rev-rep-content.js';
import { decodeDer } from '../../../pki/der.js';
import { TAG, tlv } from '../../../pki/der-writer.js';

/** The response to each certificate request type (RFC 9810 §5.3.1–§5.3.5). */
export type CertResponseType = 'ip' | 'cp' | 'kup';
export const RESPONSE_TYPE = { ir: 'ip', cr: 'cp', p10cr: 'cp', kur: 'kup' } as const;
export type CertRequestType = keyof typeof RESPONSE_TYPE;

export function isCertRequestType(type: string): type is CertRequestType {
  return type in RESPONSE_TYPE;
}

function certificate(der: Uint8Array): Certificate {
  return decodeDer(der, Certificate, 'certificate');
}

function statusInfo(status: number, text?: string, failInfo?: PKIFailureInfoName): PKIStatusInfo {
  const info = new PKIStatusInfo({ status });
  if (text !== undefined) info.statusString = new PKIFreeText([text]);
  if (failInfo !== undefined) info.failInfo = encodeFailureInfo([failInfo]);
  return info;
}

/**
 * ip/cp/kup with the issued certificate (RFC 9483 §4.1.1): status accepted, the certificate in the clear, caPubs
 * when given. Written as DER directly around the certificate's own bytes (RFC 9810 §5.3.4, EXPLICIT tags):
 * decoding the certificate into schema objects only to encode it again cost more than signing it (bench/cmp).
 * {@link certIssuedBodySchema} is the same through the schemas; response-bodies.test.ts holds them equal.
 */
export function certIssuedBody(
  type: CertResponseType,
  certReqId: number,
  certificateDer: Uint8Array,
  caPubs: readonly Uint8Array[] = [],
): Uint8Array {
  const accepted = tlv(TAG.sequence, tlv(TAG.integer, Uint8Array.of(PKI_STATUS.accepted)));
  const certifiedKeyPair = tlv(TAG.sequence, tlv(0xa0, certificateDer));
  const response = tlv(TAG.sequence, smallInteger(certReqId), accepted, certifiedKeyPair);
  const content = tlv(
    TAG.sequence,
    ...(caPubs.length > 0 ? [tlv(0xa1, tlv(TAG.sequence, ...caPubs))] : []),
    tlv(TAG.sequence, response),
  );
  return tlv(0xa0 | PKI_BODY_TAGS[type], content);
}

/** The schema-built twin of {@link certIssuedBody}, for tests. */
export function certIssuedBodySchema(
  type: CertResponseType,
  certReqId: number,
  certificateDer: Uint8Array,
  caPubs: readonly Uint8Array[] = [],
): PKIBody {
  const pair = new CertifiedKeyPair({
    certOrEncCert: new CertOrEncCert({ certificate: certificate(certificateDer) }),
  });
  const response = new CertResponse({
    certReqId,
    status: statusInfo(PKI_STATUS.accepted),
    certifiedKeyPair: pair,
  });
  const content = new CertRepMessage({ response: [response] });
  if (caPubs.length > 0) content.caPubs = caPubs.map(certificate);
  return new PKIBody({ [type]: content });
}

/** certReqId is 0 or -1 here (RFC 9483 §4.1.1, §4.1.4); one two's-complement octet holds -128..127. */
function smallInteger(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < -128 || value > 127)
    throw new RangeError(`certReqId ${value} out of range`);
  return tlv(TAG.integer, Uint8Array.of(value & 0xff));
}

/** ip/cp/kup with status waiting: the request is held; the client polls (RFC 9483 §4.4). */
export function certWaitingBody(type: CertResponseType, certReqId: number, text: string): PKIBody {
  const response = new CertResponse({ certReqId, status: statusInfo(PKI_STATUS.waiting, text) });
  return new PKIBody({ [type]: new CertRepMessage({ response: [response] }) });
}

export function pollRepBody(certReqId: number, checkAfterSeconds: number, reason: string): PKIBody {
  const entry = new PollRepEntry({
    certReqId,
    checkAfter: checkAfterSeconds,
    reason: new PKIFreeText([reason]),
  });
  return new PKIBody({ pollRep: new PollRepContent([entry]) });
}

export function pkiConfBody(): PKIBody {
  return new PKIBody({ pkiconf: null });
}

export function genpBody(infos: readonly InfoTypeAndValue[]): PKIBody {
  return new PKIBody({ genp: new GenRepContent([...infos]) });
}

export function revocationAcceptedBody(): PKIBody {
  return new PKIBody({ rp: new RevRepContent({ status: [statusInfo(PKI_STATUS.accepted)] }) });
}

/** An error message (RFC 9810 §5.3.21): rejection, one failInfo bit, a text safe to show. */
export function errorBody(failInfo: PKIFailureInfoName, text: string): PKIBody {
  return new PKIBody({
    error: new ErrorMsgContent({
      pKIStatusInfo: statusInfo(PKI_STATUS.rejection, text, failInfo),
      errorDetails: new PKIFreeText([text]),
    }),
  });
}
