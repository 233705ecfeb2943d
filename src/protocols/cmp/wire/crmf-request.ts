import type * as asn1js from 'asn1js';
import { Name } from '@peculiar/asn1-x509';
import { PkiError } from '../../../core/pki-error.js';
import type { SerialHex } from '../../../core/ids.js';
import { publicKeyFromSpki } from '../../../pki/algorithms/key-algorithm.js';
import { signatureAlgorithmOf } from '../../../pki/algorithms/signature-algorithm.js';
import type { CertReqMsg } from '../../../pki/asn1/crmf/cert-req-msg.js';
import { CertId } from '../../../pki/asn1/crmf/cert-id.js';
import { ID_REG_CTRL } from '../../../pki/asn1/crmf/crmf-oids.js';
import { decodeDer, encodeDer, rawChild, toBytes } from '../../../pki/der.js';
import { readExtensions } from '../../../pki/extensions.js';
import { serialToHex } from '../../../pki/serial.js';
import type { VerifiedRequest } from '../../../pki/verified-request.js';

/** A CRMF request (RFC 4211) whose proof of possession verified, reduced to what the RA decides on. */
export interface CrmfRequest {
  readonly certReqId: number;
  readonly request: VerifiedRequest;
  /** The oldCertID control (RFC 4211 §6.5): the certificate a kur replaces, as the client names it. */
  readonly oldCertSerial?: SerialHex;
}

/**
 * Reads the one CertReqMsg of an ir, cr or kur (RFC 9483 §4.1.1) and checks its proof of possession: a
 * POPOSigningKey over the DER of certReq, made with the private key of the template's public key (RFC 4211 §4.1,
 * poposkInput omitted as the profile requires). `node` is the CertReqMsg as decoded by asn1js, for the exact bytes
 * that were signed.
 */
export function verifyCertReqMsg(certReqMsg: CertReqMsg, node: asn1js.AsnType): CrmfRequest {
  const { certReq, popo } = certReqMsg;
  const template = certReq.certTemplate;
  for (const field of ['serialNumber', 'signingAlg', 'issuerUID', 'subjectUID'] as const) {
    if (template[field] !== undefined)
      throw templateError(`the certificate template must not set ${field} (RFC 4211 §5)`);
  }
  if (template.version !== undefined && template.version !== 2)
    throw templateError('the certificate template may only ask for version 3');
  if (!template.publicKey)
    throw templateError('the certificate template has no public key; central key generation is not offered');
  const spkiDer = encodeDer(template.publicKey);
  const publicKey = publicKeyFromSpki(spkiDer);

  if (!popo) throw new PkiError('BAD_SIGNATURE', 'the request carries no proof of possession');
  if (popo.raVerified !== undefined)
    throw new PkiError('BAD_SIGNATURE', 'raVerified proof of possession is not accepted from an end entity');
  const signed = popo.signature;
  if (!signed) throw new PkiError('BAD_SIGNATURE', 'only signature proof of possession is supported');
  if (signed.poposkInput !== undefined)
    throw new PkiError(
      'BAD_SIGNATURE',
      'poposkInput must be omitted when the template names subject and key',
    );
  const algorithm = signatureAlgorithmOf(signed.algorithmIdentifier);
  if (!algorithm.keyAlgorithms.includes(publicKey.algorithm))
    throw new PkiError(
      'BAD_SIGNATURE',
      `a ${algorithm.name} signature cannot come from a ${publicKey.algorithm} key`,
    );
  const certReqDer = rawChild(node, [0], 'CertReqMsg');
  if (!algorithm.verify(publicKey, certReqDer, toBytes(signed.signature)))
    throw new PkiError('BAD_SIGNATURE', 'the proof of possession does not verify');

  const subject = template.subject ?? new Name();
  const extensions = readExtensions(template.extensions, 'certificate template');
  const oldCertSerial = oldCertSerialOf(certReqMsg);
  return {
    certReqId: certReq.certReqId,
    request: {
      der: new Uint8Array(node.valueBeforeDecodeView),
      subject,
      subjectDer: encodeDer(subject),
      spkiDer,
      keyAlgorithm: publicKey.algorithm,
      altNames: extensions.subjectAltNames?.names ?? [],
    },
    ...(oldCertSerial === undefined ? {} : { oldCertSerial }),
  };
}

function oldCertSerialOf(certReqMsg: CertReqMsg): SerialHex | undefined {
  const control = certReqMsg.certReq.controls?.find((c) => c.type === ID_REG_CTRL.oldCertID);
  if (!control) return undefined;
  const certId = decodeDer(toBytes(control.value), CertId, 'oldCertID control');
  return serialToHex(toBytes(certId.serialNumber));
}

function templateError(message: string): PkiError {
  return new PkiError('POLICY_VIOLATION', message, { details: { rule: 'cmp.template' } });
}
