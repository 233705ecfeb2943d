import { GeneralName, Name } from '@peculiar/asn1-x509';
import type { InfoTypeAndValue } from '../../../pki/asn1/cmp/info-type-and-value.js';
import type { PKIBody } from '../../../pki/asn1/cmp/pki-body.js';
import { PKIFreeText } from '../../../pki/asn1/cmp/pki-free-text.js';
import { PKIHeader } from '../../../pki/asn1/cmp/pki-header.js';
import { encodeDer, toArrayBuffer } from '../../../pki/der.js';
import { derBitString, TAG, tlv } from '../../../pki/der-writer.js';
import { type ResponseProtection, protect, protectionAlgorithm } from '../message-protection.js';

/** The header fields of a response, taken from the request it answers (RFC 9810 §5.1.1, RFC 9483 §3.1). */
export interface ResponseHeader {
  /** The request's pvno where we support it (2 or 3). */
  readonly pvno: number;
  readonly sender: GeneralName;
  /** The request's sender. */
  readonly recipient: GeneralName;
  readonly messageTime: Date;
  readonly transactionId?: Uint8Array;
  /** Fresh, 128 bits. */
  readonly senderNonce: Uint8Array;
  /** The request's senderNonce. */
  readonly recipNonce?: Uint8Array;
  /** With MAC protection, the request's senderKID (the shared secret's reference); with a signature, our SKI. */
  readonly senderKid?: Uint8Array;
  readonly generalInfo?: readonly InfoTypeAndValue[];
  readonly freeText?: string;
}

/**
 * Encodes a response PKIMessage: protected as `protection` says (or not at all, for an answer to bytes that were no
 * PKIMessage), with `extraCerts` in order (RFC 9483 §3.3: the protection certificate and its chain first).
 */
export function encodeResponse(
  fields: ResponseHeader,
  body: PKIBody | Uint8Array,
  protection: ResponseProtection | undefined,
  extraCerts: readonly Uint8Array[],
): Uint8Array {
  const header = new PKIHeader({
    pvno: fields.pvno,
    sender: fields.sender,
    recipient: fields.recipient,
    messageTime: fields.messageTime,
    senderNonce: toArrayBuffer(fields.senderNonce),
  });
  if (fields.transactionId !== undefined) header.transactionID = toArrayBuffer(fields.transactionId);
  if (fields.recipNonce !== undefined) header.recipNonce = toArrayBuffer(fields.recipNonce);
  if (fields.senderKid !== undefined) header.senderKID = toArrayBuffer(fields.senderKid);
  if (fields.generalInfo !== undefined && fields.generalInfo.length > 0)
    header.generalInfo = [...fields.generalInfo];
  if (fields.freeText !== undefined) header.freeText = new PKIFreeText([fields.freeText]);
  if (protection) header.protectionAlg = protectionAlgorithm(protection);

  // Assembled from its parts' DER (RFC 9810 §5.1, EXPLICIT tags), so certificates travel as the bytes they are:
  // decoding each into schema objects to encode it again was most of a response's cost (bench/cmp). The result is
  // the schema's encoding byte for byte (response-message.test.ts).
  const headerDer = encodeDer(header);
  const bodyDer = body instanceof Uint8Array ? body : encodeDer(body);
  const parts = [headerDer, bodyDer];
  if (protection)
    parts.push(tlv(0xa0, derBitString(protect(protection, tlv(TAG.sequence, headerDer, bodyDer)))));
  if (extraCerts.length > 0) parts.push(tlv(0xa1, tlv(TAG.sequence, ...extraCerts)));
  return tlv(TAG.sequence, ...parts);
}

/** The NULL-DN (RFC 9483 §3.1: a sender or recipient that is not known). */
export function nullDirectoryName(): GeneralName {
  return new GeneralName({ directoryName: new Name() });
}
