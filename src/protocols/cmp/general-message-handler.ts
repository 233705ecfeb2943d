import { Certificate, type GeneralName } from '@peculiar/asn1-x509';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { CertReqTemplateContent } from '../../pki/asn1/cmp/cert-req-template-content.js';
import { ID_IT } from '../../pki/asn1/cmp/cmp-oids.js';
import type { CRLStatus } from '../../pki/asn1/cmp/crl-status.js';
import { CrlStatusList } from '../../pki/asn1/cmp/crl-status-list.js';
import { InfoTypeAndValue } from '../../pki/asn1/cmp/info-type-and-value.js';
import { RootCaKeyUpdateContent } from '../../pki/asn1/cmp/root-ca-key-update-content.js';
import { AttributeTypeAndValue } from '../../pki/asn1/crmf/attribute-type-and-value.js';
import { CertTemplate } from '../../pki/asn1/crmf/cert-template.js';
import { Controls } from '../../pki/asn1/crmf/controls.js';
import { ID_REG_CTRL } from '../../pki/asn1/crmf/crmf-oids.js';
import type { KeyAlgorithmName } from '../../pki/algorithms/key-algorithm.js';
import { concatBytes, tlv, TAG } from '../../pki/der-writer.js';
import { decodeDer, encodeDer, encodeOid, toArrayBuffer, toBytes } from '../../pki/der.js';
import { parseCertificate } from '../../pki/certificate.js';
import type { Credential } from '../../ra/provisioner.js';
import type { RegistrationAuthority } from '../../ra/registration-authority.js';
import type { CmpExchange, CmpReply } from './cmp-exchange.js';
import { CmpFailure } from './cmp-failure.js';
import type { CmpLabel } from './cmp-label.js';
import { genpBody } from './wire/response-bodies.js';

/** A root's successor, with the link certificates a client needs to trust it (RFC 9810 §5.3.19.15). */
export interface RootUpdate {
  readonly newWithNew: Uint8Array;
  readonly newWithOld?: Uint8Array;
  readonly oldWithNew?: Uint8Array;
}

/** What genm answers from: the deployment's CA certificates, roots, CRLs and profiles. */
export interface GeneralMessageSources {
  /** The label issuer's certificate first, up to and including the root. */
  caCertificates(label: CmpLabel): readonly Uint8Array[];
  /** The update for a client that trusts `currentRoot`, or undefined when its root is the newest. */
  rootUpdate(currentRoot: Uint8Array): Promise<RootUpdate | undefined>;
  /** The current full CRL of the issuer whose subject is `issuerNameDer` (or whose CRL is published at `url`). */
  currentCrl(source: {
    issuerNameDer?: Uint8Array;
    url?: string;
  }): Promise<{ der: Uint8Array; thisUpdate: Date } | undefined>;
  /** The key algorithm the label's profile asks for first. */
  keyAlgorithm(label: CmpLabel): KeyAlgorithmName;
}

/**
 * genm/genp (RFC 9810 §5.3.19, RFC 9483 §4.3): CA certificates, root CA key update, the certificate request template
 * and CRL updates. The sender must authenticate like any requester (a MAC keyed by a usable enrollment token, or a
 * certificate this deployment issued or a manufacturer anchor vouches for), though it obtains nothing new.
 */
export class GeneralMessageHandler {
  constructor(
    private readonly deps: {
      ra: Pick<RegistrationAuthority, 'authenticate'>;
      sources: GeneralMessageSources;
    },
  ) {}

  async answer(exchange: CmpExchange): Promise<CmpReply> {
    await this.authenticate(exchange);
    const infos = exchange.received.message.body.genm ?? [];
    const info = infos[0];
    if (infos.length !== 1 || info === undefined)
      throw new CmpFailure(
        'badRequest',
        'MALFORMED_INPUT',
        'the Lightweight CMP profile asks one question per genm',
      );
    const answer = await this.answerOne(exchange.label, info);
    return { body: genpBody([answer]) };
  }

  private async answerOne(label: CmpLabel, info: InfoTypeAndValue): Promise<InfoTypeAndValue> {
    const { sources } = this.deps;
    switch (info.infoType) {
      case ID_IT.caCerts:
        return value(ID_IT.caCerts, sequenceOf(sources.caCertificates(label)));
      case ID_IT.rootCaCert: {
        const chain = sources.caCertificates(label);
        const current = info.infoValue === undefined ? chain.at(-1) : toBytes(info.infoValue);
        const update = current === undefined ? undefined : await sources.rootUpdate(readCertificate(current));
        if (!update) return new InfoTypeAndValue({ infoType: ID_IT.rootCaKeyUpdate });
        const content = new RootCaKeyUpdateContent({ newWithNew: certificate(update.newWithNew) });
        if (update.newWithOld) content.newWithOld = certificate(update.newWithOld);
        if (update.oldWithNew) content.oldWithNew = certificate(update.oldWithNew);
        return value(ID_IT.rootCaKeyUpdate, encodeDer(content));
      }
      case ID_IT.certReqTemplate:
        return value(ID_IT.certReqTemplate, encodeDer(requestTemplate(sources.keyAlgorithm(label))));
      case ID_IT.crlStatusList:
        return this.crlUpdate(info);
      default:
        throw new CmpFailure('badRequest', 'NOT_FOUND', `genm infoType ${info.infoType} is not offered`);
    }
  }

  /** RFC 9483 §4.3.4: for each CRL source, the current CRL if it is newer than the client's thisUpdate. */
  private async crlUpdate(info: InfoTypeAndValue): Promise<InfoTypeAndValue> {
    if (info.infoValue === undefined)
      throw new CmpFailure('badRequest', 'MALFORMED_INPUT', 'crlStatusList needs at least one CRLStatus');
    const statuses = readCrlStatuses(toBytes(info.infoValue));
    const newer: Uint8Array[] = [];
    for (const status of statuses) {
      const source = crlSourceOf(status);
      const crl = await this.deps.sources.currentCrl(source);
      if (!crl) throw new CmpFailure('badRequest', 'NOT_FOUND', 'no CRL is published for that source');
      const known = status.thisUpdate?.getTime();
      if (known === undefined || crl.thisUpdate.getTime() > known.getTime()) newer.push(crl.der);
    }
    return newer.length === 0
      ? new InfoTypeAndValue({ infoType: ID_IT.crls })
      : value(ID_IT.crls, tlv(TAG.sequence, concatBytes(newer)));
  }

  private async authenticate(exchange: CmpExchange): Promise<void> {
    const { sender, label } = exchange;
    const credentials: Credential[] =
      sender.kind === 'mac'
        ? [{ kind: 'enrollment-token', secret: Buffer.from(sender.secret).toString('utf8') }]
        : sender.kind === 'signature'
          ? [
              { kind: 'ldevid', chain: sender.chain },
              { kind: 'idevid', chain: sender.chain },
              ...(label.credentials.includes('station-certificate')
                ? [{ kind: 'station-certificate' as const, chain: sender.chain }]
                : []),
            ]
          : [];
    if (credentials.length === 0)
      throw new CmpFailure(
        'wrongIntegrity',
        'UNAUTHORIZED',
        'general messages must be protected (RFC 9483 §3.2)',
      );
    let last: unknown;
    for (const credential of credentials) {
      try {
        await this.deps.ra.authenticate(credential);
        return;
      } catch (error) {
        last = error;
      }
    }
    throw last;
  }
}

function value(infoType: string, der: Uint8Array): InfoTypeAndValue {
  return new InfoTypeAndValue({ infoType, infoValue: toArrayBuffer(der) });
}

function certificate(der: Uint8Array): Certificate {
  return decodeDer(der, Certificate, 'certificate');
}

function sequenceOf(certificates: readonly Uint8Array[]): Uint8Array {
  return tlv(TAG.sequence, concatBytes(certificates));
}

function readCertificate(der: Uint8Array): Uint8Array {
  try {
    return parseCertificate(der).der;
  } catch {
    throw new CmpFailure('badDataFormat', 'MALFORMED_INPUT', 'rootCaCert is not a certificate');
  }
}

/** RFC 9483 §4.3.3: no prescribed names; keySpec names the key type (id-regCtrl-algId). */
function requestTemplate(algorithm: KeyAlgorithmName): CertReqTemplateContent {
  const keySpec = new Controls([
    new AttributeTypeAndValue({
      type: ID_REG_CTRL.algId,
      value: toArrayBuffer(encodeDer(keyAlgorithmIdentifier(algorithm))),
    }),
  ]);
  return new CertReqTemplateContent({ certTemplate: new CertTemplate(), keySpec });
}

const EC_CURVES: Partial<Record<KeyAlgorithmName, string>> = {
  'ec-p256': '1.2.840.10045.3.1.7',
  'ec-p384': '1.3.132.0.34',
};

function keyAlgorithmIdentifier(algorithm: KeyAlgorithmName): AlgorithmIdentifier {
  const curve = EC_CURVES[algorithm];
  if (curve !== undefined)
    return new AlgorithmIdentifier({
      algorithm: '1.2.840.10045.2.1',
      parameters: toArrayBuffer(encodeOid(curve)),
    });
  if (algorithm === 'ed25519') return new AlgorithmIdentifier({ algorithm: '1.3.101.112' });
  return new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.1', parameters: null });
}

function readCrlStatuses(der: Uint8Array): CRLStatus[] {
  // SEQUENCE SIZE (1..MAX) OF CRLStatus
  const statuses = decodeDer(der, CrlStatusList, 'crlStatusList');
  if (statuses.length === 0) throw new CmpFailure('badRequest', 'MALFORMED_INPUT', 'crlStatusList is empty');
  return [...statuses];
}

function crlSourceOf(status: CRLStatus): { issuerNameDer?: Uint8Array; url?: string } {
  const { dpn, issuer } = status.source;
  const first: GeneralName | undefined = issuer?.[0] ?? dpn?.fullName?.[0];
  if (first?.directoryName) return { issuerNameDer: encodeDer(first.directoryName) };
  if (first?.uniformResourceIdentifier) return { url: first.uniformResourceIdentifier };
  throw new CmpFailure('badRequest', 'MALFORMED_INPUT', 'a CRLStatus names its source by issuer name or URL');
}
