import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { AttrOrOid } from './attr-or-oid.js';

/**
 * RFC 7030 §4.5.2 as clarified by RFC 9908 §3.2, the body of a `/csrattrs` response: what the EST server wants the
 * client's next CSR to contain.
 *
 * ```asn1
 * CsrAttrs ::= SEQUENCE SIZE (0..MAX) OF AttrOrOID
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AttrOrOid })
export class CsrAttrs extends AsnArray<AttrOrOid> {
  constructor(items?: AttrOrOid[]) {
    super(items);
    Object.setPrototypeOf(this, CsrAttrs.prototype);
  }
}
