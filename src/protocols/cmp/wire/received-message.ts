import type * as asn1js from 'asn1js';
import { PkiError } from '../../../core/pki-error.js';
import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { PKIMessage } from '../../../pki/asn1/cmp/pki-message.js';
import { PKIBody, type PKIBodyType, pkiBodyType } from '../../../pki/asn1/cmp/pki-body.js';
import { PKIHeader } from '../../../pki/asn1/cmp/pki-header.js';
import { decodeDerWithTree, rawChild, toBytes } from '../../../pki/der.js';
import { TAG, tlv } from '../../../pki/der-writer.js';

/** A PKIMessage as received, with the exact bytes that protection and proof of possession are checked over. */
export interface ReceivedMessage {
  readonly message: PKIMessage;
  readonly bodyType: PKIBodyType;
  /** DER of ProtectedPart ::= SEQUENCE { header, body } from the bytes received (RFC 9810 §5.1.3). */
  readonly protectedPart: Uint8Array;
  /** extraCerts as received (RFC 9483 §3.3: the protection certificate first, then its chain). */
  readonly extraCerts: readonly Uint8Array[];
  readonly transactionId: Uint8Array | undefined;
  readonly senderNonce: Uint8Array | undefined;
  readonly recipNonce: Uint8Array | undefined;
  readonly senderKid: Uint8Array | undefined;
  /** The DER of the body's content, below its [n] tag: what request-specific checks read raw bytes from. */
  readonly bodyContent: asn1js.AsnType;
}

/** Decodes one PKIMessage (RFC 9810 §5.1). Anything that is not one whole, well-formed message is MALFORMED_INPUT. */
export function decodeReceivedMessage(der: Uint8Array): ReceivedMessage {
  const { value: message, tree } = decodeDerWithTree(der, ReceivedPKIMessage, 'PKIMessage');
  const header = rawChild(tree, [0], 'PKIMessage');
  const body = rawChild(tree, [1], 'PKIMessage');
  const bodyContent = child(child(tree, 1), 0);
  const { header: h } = message;
  return {
    message: new PKIMessage({
      header: message.header,
      body: message.body,
      ...(message.protection === undefined ? {} : { protection: message.protection }),
    }),
    bodyType: pkiBodyType(message.body),
    protectedPart: tlv(TAG.sequence, header, body),
    extraCerts: extraCertsOf(tree),
    transactionId: optionalBytes(h.transactionID),
    senderNonce: optionalBytes(h.senderNonce),
    recipNonce: optionalBytes(h.recipNonce),
    senderKid: optionalBytes(h.senderKID),
    bodyContent,
  };
}

/**
 * PKIMessage with extraCerts left as raw DER: the server reads each certificate once, where it needs it (the
 * protection certificate, the RA's chain check), and parsing them all through the schema was the costliest step of
 * decoding a request (bench/cmp). The layout is RFC 9810 §5.1's; ReceivedPKIMessage is tested against PKIMessage.
 */
class ReceivedPKIMessage {
  @AsnProp({ type: PKIHeader })
  header = new PKIHeader();

  @AsnProp({ type: PKIBody })
  body = new PKIBody();

  @AsnProp({ type: AsnPropTypes.BitString, context: 0, optional: true })
  protection?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Any, context: 1, optional: true })
  extraCerts?: ArrayBuffer;
}

function extraCertsOf(tree: asn1js.AsnType): Uint8Array[] {
  // After header and body: an ip body is [1] too.
  const tagged = children(tree)
    .slice(2)
    .find((node) => node.idBlock.tagClass === 3 && node.idBlock.tagNumber === 1);
  if (!tagged) return [];
  const sequence = child(tagged, 0);
  return children(sequence).map((certificate) => new Uint8Array(certificate.valueBeforeDecodeView));
}

function children(node: asn1js.AsnType): asn1js.AsnType[] {
  const value = (node.valueBlock as { value?: unknown }).value;
  return Array.isArray(value) ? (value as asn1js.AsnType[]) : [];
}

function child(node: asn1js.AsnType, index: number): asn1js.AsnType {
  const found = children(node)[index];
  if (!found) throw new PkiError('MALFORMED_INPUT', 'PKIMessage: missing field');
  return found;
}

function optionalBytes(value: ArrayBuffer | undefined): Uint8Array | undefined {
  return value === undefined ? undefined : toBytes(value);
}
