import { AsnProp } from '@peculiar/asn1-schema';
import { CertTemplate } from '../crmf/cert-template.js';
import { Controls } from '../crmf/controls.js';

/**
 * RFC 9810 §5.3.19 (id-it-certReqTemplate), what the CA wants the next certificate request to contain;
 * `keySpec` holds id-regCtrl-algId / id-regCtrl-rsaKeyLen controls for the key to generate.
 *
 * ```asn1
 * CertReqTemplateContent ::= SEQUENCE {
 *   certTemplate  CertTemplate,
 *   keySpec       Controls OPTIONAL }
 * ```
 */
export class CertReqTemplateContent {
  @AsnProp({ type: CertTemplate })
  certTemplate = new CertTemplate();

  @AsnProp({ type: Controls, optional: true })
  keySpec?: Controls;

  constructor(params: Partial<CertReqTemplateContent> = {}) {
    Object.assign(this, params);
  }
}
