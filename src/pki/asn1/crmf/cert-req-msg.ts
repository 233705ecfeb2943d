import { AsnParser, AsnProp, type IAsnConverter } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { AttributeTypeAndValue } from './attribute-type-and-value.js';
import { CertRequest } from './cert-request.js';
import { ProofOfPossession } from './proof-of-possession.js';

/**
 * How `popo` is matched inside CertReqMsg. asn1-schema matches an OPTIONAL CHOICE with ASN.1 ANY, which would
 * swallow a `regInfo` SEQUENCE sent without `popo` and drop it silently; this schema accepts only the four
 * tags ProofOfPossession can start with ([0] primitive, [1]–[3] constructed), and the value is still read and
 * written as a ProofOfPossession.
 */
class ProofOfPossessionField {
  toSchema(name: string): asn1js.Choice {
    const tagged = (tagNumber: number): asn1js.BaseBlock =>
      tagNumber === 0
        ? new asn1js.Primitive({ name, idBlock: { tagClass: 3, tagNumber } })
        : new asn1js.Constructed({ name, idBlock: { tagClass: 3, tagNumber } });
    return new asn1js.Choice({ value: [0, 1, 2, 3].map(tagged) });
  }

  fromASN(): this {
    throw new Error('ProofOfPossessionField is read through its converter');
  }

  toASN(): asn1js.AsnType {
    throw new Error('ProofOfPossessionField is written as a ProofOfPossession');
  }
}

const proofOfPossessionConverter: IAsnConverter<ProofOfPossession> = {
  fromASN: (value: asn1js.AsnType) => AsnParser.fromASN(value, ProofOfPossession),
  toASN: () => {
    throw new Error('ProofOfPossession is written by its own schema');
  },
};

/**
 * RFC 4211 §3, one certificate request with its proof of possession.
 *
 * ```asn1
 * CertReqMsg ::= SEQUENCE {
 *   certReq   CertRequest,
 *   popo      ProofOfPossession  OPTIONAL,
 *   regInfo   SEQUENCE SIZE(1..MAX) OF AttributeTypeAndValue OPTIONAL }
 * ```
 */
export class CertReqMsg {
  @AsnProp({ type: CertRequest })
  certReq = new CertRequest();

  @AsnProp({ type: ProofOfPossessionField, converter: proofOfPossessionConverter, optional: true })
  popo?: ProofOfPossession;

  @AsnProp({ type: AttributeTypeAndValue, repeated: 'sequence', optional: true })
  regInfo?: AttributeTypeAndValue[];

  constructor(params: Partial<CertReqMsg> = {}) {
    Object.assign(this, params);
  }
}
