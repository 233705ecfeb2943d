import { AsnArray } from '@peculiar/asn1-schema';

/**
 * The element type of PKIMessages, which is PKIMessage: pki-message.ts merges PKIMessage into this interface
 * (declaration merging), so this file needs no import of pki-message.ts, not even a type-only one, and the
 * module graph stays free of cycles (the no-circular rule counts type imports too).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by pki-message.ts, see above
export interface NestedPKIMessage {}

/**
 * RFC 9810 §5.1.3.4, the content of a `nested` body (an RA forwarding or batching messages).
 *
 * ```asn1
 * PKIMessages ::= SEQUENCE SIZE (1..MAX) OF PKIMessage
 * ```
 *
 * The type is recursive (PKIMessage → PKIBody → nested → PKIMessages → PKIMessage), and a decorator cannot
 * name a class whose module is not loaded yet, so its `@AsnType` (SEQUENCE OF PKIMessage) is applied in
 * pki-message.ts right after PKIMessage is defined. Decoding a PKIMessage or a ProtectedPart loads that module,
 * so the item type is registered before any nested body is read.
 */
export class PKIMessages extends AsnArray<NestedPKIMessage> {
  constructor(items?: NestedPKIMessage[]) {
    super(items);
    Object.setPrototypeOf(this, PKIMessages.prototype);
  }
}
