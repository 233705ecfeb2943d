import { CertificationRequest } from '@peculiar/asn1-csr';
import { OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Certificate,
  Extension,
  Extensions,
  GeneralName,
  Name,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { REVOCATION_REASON_CODES, type RevocationReason } from '../../../core/revocation-reason.js';
import type { PrivateKey } from '../../../pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm } from '../../../pki/algorithms/signature-algorithm.js';
import { CertConfirmContent } from '../../../pki/asn1/cmp/cert-confirm-content.js';
import { CertStatus } from '../../../pki/asn1/cmp/cert-status.js';
import { GenMsgContent } from '../../../pki/asn1/cmp/gen-msg-content.js';
import { InfoTypeAndValue } from '../../../pki/asn1/cmp/info-type-and-value.js';
import { PKIBody } from '../../../pki/asn1/cmp/pki-body.js';
import { encodeFailureInfo, type PKIFailureInfoName } from '../../../pki/asn1/cmp/pki-failure-info.js';
import { PKIFreeText } from '../../../pki/asn1/cmp/pki-free-text.js';
import { PKI_STATUS } from '../../../pki/asn1/cmp/pki-status.js';
import { PKIStatusInfo } from '../../../pki/asn1/cmp/pki-status-info.js';
import { PollReqContent, PollReqEntry } from '../../../pki/asn1/cmp/poll-req-content.js';
import { RevDetails } from '../../../pki/asn1/cmp/rev-details.js';
import { RevReqContent } from '../../../pki/asn1/cmp/rev-req-content.js';
import { AttributeTypeAndValue } from '../../../pki/asn1/crmf/attribute-type-and-value.js';
import { CertId } from '../../../pki/asn1/crmf/cert-id.js';
import { CertReqMessages } from '../../../pki/asn1/crmf/cert-req-messages.js';
import { CertReqMsg } from '../../../pki/asn1/crmf/cert-req-msg.js';
import { CertRequest } from '../../../pki/asn1/crmf/cert-request.js';
import { CertTemplate } from '../../../pki/asn1/crmf/cert-template.js';
import { Controls } from '../../../pki/asn1/crmf/controls.js';
import { ID_REG_CTRL } from '../../../pki/asn1/crmf/crmf-oids.js';
import { POPOSigningKey } from '../../../pki/asn1/crmf/popo-signing-key.js';
import { ProofOfPossession } from '../../../pki/asn1/crmf/proof-of-possession.js';
import { decodeDer, encodeDer, toArrayBuffer } from '../../../pki/der.js';
import { subjectAltNameExtension } from '../../../pki/extensions.js';
import type { AltName } from '../../../pki/general-names.js';
import { parseDistinguishedName } from '../../../pki/name.js';
import { OID } from '../../../pki/oids.js';
import { certHash } from '../wire/cert-hash.js';

/** What a device asks for in one CertReqMsg (RFC 9483 §4.1.1). */
export interface CertRequestSpec {
  /** The new key: its public key goes in the template, its signature is the proof of possession. */
  readonly key: PrivateKey;
  /** `CN=…,O=…` or a Name; for a kur, the old certificate's subject when left out. */
  readonly subject?: string | Name;
  /** subjectAltName; for a kur, the old certificate's when left out. */
  readonly altNames?: readonly AltName[];
  /** 0 unless set (RFC 9483 §4.1.1). */
  readonly certReqId?: number;
  /** kur: the certificate being updated, named in the oldCertID control (RFC 4211 §6.5). */
  readonly oldCertificate?: Uint8Array;
}

/**
 * One CertReqMsg (RFC 4211 §3): template with subject, public key and subjectAltName, and a POPOSigningKey over
 * the DER of certReq made with the new key (RFC 4211 §4.1, poposkInput omitted).
 */
export function certReqMsg(spec: CertRequestSpec): CertReqMsg {
  const old = spec.oldCertificate
    ? decodeDer(spec.oldCertificate, Certificate, 'old certificate')
    : undefined;
  const template = new CertTemplate({
    publicKey: decodeDer(spec.key.spki, SubjectPublicKeyInfo, 'public key'),
  });
  const subject = typeof spec.subject === 'string' ? parseDistinguishedName(spec.subject) : spec.subject;
  if (subject ?? old) template.subject = subject ?? old?.tbsCertificate.subject ?? new Name();
  const altNameExtension =
    spec.altNames !== undefined
      ? spec.altNames.length > 0
        ? subjectAltNameExtension(spec.altNames, template.subject === undefined)
        : undefined
      : old?.tbsCertificate.extensions?.find((e) => e.extnID === OID.subjectAltName);
  if (altNameExtension) template.extensions = new Extensions([altNameExtension]);

  const certReq = new CertRequest({ certReqId: spec.certReqId ?? 0, certTemplate: template });
  if (old) {
    const certId = new CertId({
      issuer: new GeneralName({ directoryName: old.tbsCertificate.issuer }),
      serialNumber: old.tbsCertificate.serialNumber,
    });
    certReq.controls = new Controls([
      new AttributeTypeAndValue({ type: ID_REG_CTRL.oldCertID, value: toArrayBuffer(encodeDer(certId)) }),
    ]);
  }
  const algorithm = defaultSignatureAlgorithm(spec.key.algorithm);
  const popo = new POPOSigningKey({
    algorithmIdentifier: decodeDer(algorithm.identifierDer, AlgorithmIdentifier, 'signature algorithm'),
    signature: toArrayBuffer(algorithm.sign(spec.key, encodeDer(certReq))),
  });
  return new CertReqMsg({ certReq, popo: new ProofOfPossession({ signature: popo }) });
}

/** ir, cr or kur (RFC 9810 §5.3.1, §5.3.3, §5.3.5): the Lightweight CMP profile sends exactly one CertReqMsg. */
export function certRequestBody(type: 'ir' | 'cr' | 'kur', ...requests: CertReqMsg[]): PKIBody {
  return new PKIBody({ [type]: new CertReqMessages(requests) });
}

/** p10cr (RFC 9483 §4.1.4): a PKCS#10 request as it is. */
export function p10crBody(csrDer: Uint8Array): PKIBody {
  return new PKIBody({ p10cr: decodeDer(csrDer, CertificationRequest, 'PKCS#10 request') });
}

export interface CertConfOptions {
  /** The certReqId the certificate was answered with (0; -1 for a p10cr). */
  readonly certReqId?: number;
  /** Reject the certificate (RFC 9483 §4.1.1): status rejection with this text. */
  readonly rejection?: { readonly text: string; readonly failInfo?: PKIFailureInfoName };
  /** Override the certHash (to test a server's check). */
  readonly certHash?: Uint8Array;
}

/**
 * certConf (RFC 9810 §5.3.18): the hash of the certificate received, with the hash its signature uses (SHA-256
 * for ECDSA-SHA256), and status accepted or rejection.
 */
export function certConfBody(certificateDer: Uint8Array, options: CertConfOptions = {}): PKIBody {
  const status = new PKIStatusInfo({ status: PKI_STATUS.accepted });
  if (options.rejection) {
    status.status = PKI_STATUS.rejection;
    status.statusString = new PKIFreeText([options.rejection.text]);
    if (options.rejection.failInfo) status.failInfo = encodeFailureInfo([options.rejection.failInfo]);
  }
  const certStatus = new CertStatus({
    certHash: toArrayBuffer(options.certHash ?? certHash(certificateDer)),
    certReqId: options.certReqId ?? 0,
    statusInfo: status,
  });
  return new PKIBody({ certConf: new CertConfirmContent([certStatus]) });
}

/** genm (RFC 9483 §4.3): one item asked for, its value DER when the type needs one (rootCaCert, crlStatusList). */
export function genmBody(infoType: string, valueDer?: Uint8Array): PKIBody {
  const info = new InfoTypeAndValue({ infoType });
  if (valueDer !== undefined) info.infoValue = toArrayBuffer(valueDer);
  return new PKIBody({ genm: new GenMsgContent([info]) });
}

/** rr (RFC 9483 §4.2): the certificate by issuer and serialNumber, the reason as a reasonCode extension. */
export function rrBody(certificateDer: Uint8Array, reason: RevocationReason = 'unspecified'): PKIBody {
  const tbs = decodeDer(certificateDer, Certificate, 'certificate').tbsCertificate;
  const reasonCode = new Extension({
    extnID: OID.crlReason,
    critical: false,
    extnValue: new OctetString(new asn1js.Enumerated({ value: REVOCATION_REASON_CODES[reason] }).toBER()),
  });
  const details = new RevDetails({
    certDetails: new CertTemplate({ issuer: tbs.issuer, serialNumber: tbs.serialNumber }),
    crlEntryDetails: new Extensions([reasonCode]),
  });
  return new PKIBody({ rr: new RevReqContent([details]) });
}

/** pollReq (RFC 9483 §4.4) for the request answered with status waiting. */
export function pollReqBody(certReqId = 0): PKIBody {
  return new PKIBody({ pollReq: new PollReqContent([new PollReqEntry({ certReqId })]) });
}
