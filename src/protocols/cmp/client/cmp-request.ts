import { randomBytes } from 'node:crypto';
import { Certificate, type GeneralName } from '@peculiar/asn1-x509';
import { InfoTypeAndValue } from '../../../pki/asn1/cmp/info-type-and-value.js';
import { ID_IT } from '../../../pki/asn1/cmp/cmp-oids.js';
import type { PKIBody } from '../../../pki/asn1/cmp/pki-body.js';
import { PKIHeader } from '../../../pki/asn1/cmp/pki-header.js';
import { PKIMessage } from '../../../pki/asn1/cmp/pki-message.js';
import { ProtectedPart } from '../../../pki/asn1/cmp/protected-part.js';
import { decodeDer, encodeDer, toArrayBuffer } from '../../../pki/der.js';
import { protect, protectionAlgorithm } from '../message-protection.js';
import { nullDirectoryName } from '../wire/response-message.js';
import { asMessageProtection, type ClientProtection, protectionIdentity } from './client-protection.js';

/**
 * The header of a request (RFC 9810 §5.1.1, RFC 9483 §3.1). Defaults are what a conforming device sends; each
 * field can be overridden, and `null` leaves an optional field out (to test how a server refuses that).
 */
export interface CmpRequestOptions {
  readonly protection: ClientProtection;
  /** The client's time (time is a parameter here); `null` leaves messageTime out. */
  readonly messageTime: Date | null;
  /** 2 (cmp2000) unless set. */
  readonly pvno?: number;
  /** Default: the protection certificate's subject, or the NULL-DN for a MAC. */
  readonly sender?: GeneralName;
  /** Default: the NULL-DN (the client need not know the server's name). */
  readonly recipient?: GeneralName;
  /** Default: fresh 16 random bytes; reuse the transaction's for certConf and pollReq. */
  readonly transactionId?: Uint8Array | null | undefined;
  /** Default: fresh 16 random bytes. */
  readonly senderNonce?: Uint8Array | null | undefined;
  /** The senderNonce of the server's last message in this transaction. */
  readonly recipNonce?: Uint8Array | undefined;
  /** Default: the MAC reference, or the protection certificate's subjectKeyIdentifier. */
  readonly senderKid?: Uint8Array | null | undefined;
  /** Ask for implicit confirmation (RFC 9810 §5.1.1.1): no certConf will follow. */
  readonly implicitConfirm?: boolean;
  readonly generalInfo?: readonly InfoTypeAndValue[];
  /** Certificates sent after the protection chain. */
  readonly extraCerts?: readonly Uint8Array[];
}

/** A request ready to send, with the values its answer must echo. */
export interface CmpRequest {
  readonly der: Uint8Array;
  readonly message: PKIMessage;
  readonly transactionId: Uint8Array | undefined;
  readonly senderNonce: Uint8Array | undefined;
}

/** Encodes and protects one request PKIMessage (RFC 9810 §5.1, protection over ProtectedPart §5.1.3). */
export function encodeCmpRequest(body: PKIBody, options: CmpRequestOptions): CmpRequest {
  const identity = protectionIdentity(options.protection);
  const transactionId = pick(options.transactionId, () => new Uint8Array(randomBytes(16)));
  const senderNonce = pick(options.senderNonce, () => new Uint8Array(randomBytes(16)));
  const senderKid = pick(options.senderKid, () => identity.senderKid);
  const generalInfo = [
    ...(options.implicitConfirm === true ? [implicitConfirm()] : []),
    ...(options.generalInfo ?? []),
  ];

  const header = new PKIHeader({
    pvno: options.pvno ?? 2,
    sender: options.sender ?? identity.sender,
    recipient: options.recipient ?? nullDirectoryName(),
  });
  if (options.messageTime !== null) header.messageTime = withoutMilliseconds(options.messageTime);
  if (senderKid !== undefined) header.senderKID = toArrayBuffer(senderKid);
  if (transactionId !== undefined) header.transactionID = toArrayBuffer(transactionId);
  if (senderNonce !== undefined) header.senderNonce = toArrayBuffer(senderNonce);
  if (options.recipNonce !== undefined) header.recipNonce = toArrayBuffer(options.recipNonce);
  if (generalInfo.length > 0) header.generalInfo = generalInfo;

  const protection = asMessageProtection(options.protection);
  if (protection) header.protectionAlg = protectionAlgorithm(protection);
  const message = new PKIMessage({ header, body });
  if (protection) {
    const protectedPart = encodeDer(new ProtectedPart({ header, body }));
    message.protection = toArrayBuffer(protect(protection, protectedPart));
  }
  const extraCerts = [
    ...(options.protection.kind === 'signature' ? options.protection.chain : []),
    ...(options.extraCerts ?? []),
  ];
  if (extraCerts.length > 0)
    message.extraCerts = extraCerts.map((der) => decodeDer(der, Certificate, 'extra certificate'));
  return { der: encodeDer(message), message, transactionId, senderNonce };
}

function pick<T>(value: T | null | undefined, fallback: () => T | undefined): T | undefined {
  if (value === null) return undefined;
  return value ?? fallback();
}

/** RFC 9810 §5.1.1.1: implicitConfirm's value is NULL. */
function implicitConfirm(): InfoTypeAndValue {
  return new InfoTypeAndValue({
    infoType: ID_IT.implicitConfirm,
    infoValue: Uint8Array.of(0x05, 0x00).buffer,
  });
}

/** GeneralizedTime in whole seconds, as OpenSSL writes it (fractions are allowed but gain nothing here). */
function withoutMilliseconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
