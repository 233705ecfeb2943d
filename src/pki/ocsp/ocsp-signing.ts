import { OctetString } from '@peculiar/asn1-schema';
import { Extension } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { OID } from '../oids.js';

/**
 * id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1) for a delegated responder's certificate: a non-critical extension
 * whose value is NULL, telling clients not to check the responder certificate's own status. Such a certificate
 * should be short-lived; it also carries the id-kp-OCSPSigning extended key usage (OID.ocspSigning).
 */
export function ocspNoCheckExtension(): Extension {
  return new Extension({
    extnID: OID.ocspNoCheck,
    critical: false,
    extnValue: new OctetString(new asn1js.Null().toBER()),
  });
}
