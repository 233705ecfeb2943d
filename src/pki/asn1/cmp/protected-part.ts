import { AsnProp } from '@peculiar/asn1-schema';
import { PKIBody } from './pki-body.js';
import { PKIHeader } from './pki-header.js';
// Registers PKIMessages' item type, which a `nested` body needs (see pki-messages.ts).
import './pki-message.js';

/**
 * RFC 9810 §5.1.3, what PKIProtection is computed over. Build it from the header and body bytes as received
 * when verifying; encode it from the objects only when protecting a message we write.
 *
 * ```asn1
 * ProtectedPart ::= SEQUENCE {
 *   header  PKIHeader,
 *   body    PKIBody }
 * ```
 */
export class ProtectedPart {
  @AsnProp({ type: PKIHeader })
  header = new PKIHeader();

  @AsnProp({ type: PKIBody })
  body = new PKIBody();

  constructor(params: Partial<ProtectedPart> = {}) {
    Object.assign(this, params);
  }
}
