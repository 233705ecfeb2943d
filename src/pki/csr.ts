import { AsnConvert } from '@peculiar/asn1-schema';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import type { Extension } from '@peculiar/asn1-x509';
import {
  AlgorithmIdentifier,
  Attribute,
  Extensions,
  type Name,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { DirectoryString } from '@peculiar/asn1-x509';
import { PkiError } from '../core/pki-error.js';
import { type PrivateKey, publicKeyFromSpki } from './algorithms/key-algorithm.js';
import {
  defaultSignatureAlgorithm,
  type SignatureAlgorithm,
  signatureAlgorithmOf,
} from './algorithms/signature-algorithm.js';
import { decodeDer, decodeDerWithTree, encodeDer, rawChild, toArrayBuffer } from './der.js';
import { type ExtensionsView, readExtensions, subjectAltNameExtension } from './extensions.js';
import type { AltName } from './general-names.js';
import { formatName } from './name.js';
import { OID } from './oids.js';
import { readDerOrPem } from './pem.js';
import type { VerifiedRequest } from './verified-request.js';

/** A PKCS#10 request (RFC 2986) whose signature has been verified: the requester holds the private key. */
export interface ParsedCsr extends VerifiedRequest {
  /** RFC 4514 form of the subject. */
  readonly subjectText: string;
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** The extensions asked for in the PKCS#9 extensionRequest attribute (RFC 2985 §5.4.2). */
  readonly requestedExtensions: ExtensionsView;
  /** PKCS#9 challengePassword, if any (EST uses it for tls-unique linking, RFC 7030 §3.5). */
  readonly challengePassword?: string;
  /** OIDs of all attributes present. */
  readonly attributeTypes: readonly string[];
}

/** Largest CSR accepted; a P-384 or RSA-4096 request with a few names is far below this. */
export const MAX_CSR_BYTES = 64 * 1024;

/**
 * Parses a CSR given as DER, PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or bare base64 and checks
 * its self-signature (proof of possession). Any defect is a PkiError: MALFORMED_INPUT, UNSUPPORTED_ALGORITHM or
 * BAD_SIGNATURE.
 */
export function parseCsr(input: Uint8Array | string): ParsedCsr {
  const size = typeof input === 'string' ? input.length : input.length;
  if (size > MAX_CSR_BYTES) {
    throw new PkiError('PAYLOAD_TOO_LARGE', `certificate signing request larger than ${MAX_CSR_BYTES} bytes`);
  }
  const der = readDerOrPem(
    input,
    ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'],
    'certificate signing request',
  );
  const { value: csr, tree } = decodeDerWithTree(der, CertificationRequest, 'certificate signing request');
  const info = csr.certificationRequestInfo;
  if (info.version !== 0) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `certificate signing request: version ${info.version + 1} is not PKCS#10 v1`,
    );
  }
  const infoDer = rawChild(tree, [0], 'certificate signing request');
  const subjectDer = rawChild(tree, [0, 1], 'certificate signing request');
  const spkiDer = rawChild(tree, [0, 2], 'certificate signing request');

  const publicKey = publicKeyFromSpki(spkiDer);
  const signatureAlgorithm = signatureAlgorithmOf(csr.signatureAlgorithm);
  if (!signatureAlgorithm.keyAlgorithms.includes(publicKey.algorithm)) {
    throw new PkiError(
      'BAD_SIGNATURE',
      `certificate signing request: signed with ${signatureAlgorithm.name}, which does not fit its ${publicKey.algorithm} key`,
    );
  }
  if (!signatureAlgorithm.verify(publicKey, infoDer, new Uint8Array(csr.signature))) {
    throw new PkiError(
      'BAD_SIGNATURE',
      'certificate signing request: signature does not verify (no proof of possession)',
    );
  }

  const attributeTypes = info.attributes.map((a) => a.type);
  const requestedExtensions = readExtensions(
    extensionRequest(info.attributes),
    'certificate signing request',
  );
  const challengePassword = readChallengePassword(info.attributes);
  return {
    der,
    subject: info.subject,
    subjectDer,
    subjectText: formatName(info.subject),
    spkiDer,
    keyAlgorithm: publicKey.algorithm,
    signatureAlgorithm,
    requestedExtensions,
    altNames: requestedExtensions.subjectAltNames?.names ?? [],
    ...(challengePassword === undefined ? {} : { challengePassword }),
    attributeTypes,
  };
}

function singleAttribute(attributes: Attributes, oid: string, what: string): Attribute | undefined {
  const matching = attributes.filter((a) => a.type === oid);
  if (matching.length > 1)
    throw new PkiError('MALFORMED_INPUT', `certificate signing request: ${what} appears twice`);
  const attribute = matching[0];
  if (attribute && attribute.values.length !== 1) {
    throw new PkiError('MALFORMED_INPUT', `certificate signing request: ${what} must have exactly one value`);
  }
  return attribute;
}

function extensionRequest(attributes: Attributes): Extension[] {
  const attribute = singleAttribute(attributes, OID.extensionRequest, 'extensionRequest');
  const value = attribute?.values[0];
  if (!value) return [];
  return [...decodeDer(new Uint8Array(value), Extensions, 'certificate signing request: extensionRequest')];
}

function readChallengePassword(attributes: Attributes): string | undefined {
  const attribute = singleAttribute(attributes, OID.challengePassword, 'challengePassword');
  const value = attribute?.values[0];
  if (!value) return undefined;
  return decodeDer(
    new Uint8Array(value),
    DirectoryString,
    'certificate signing request: challengePassword',
  ).toString();
}

export interface CsrContent {
  readonly subject: Name;
  readonly altNames?: readonly AltName[];
  /** Further extensions to request, e.g. keyUsage. */
  readonly extensions?: readonly Extension[];
  readonly challengePassword?: string;
}

/** Anything that can sign a CSR: an in-memory key here, a keys/ Signer (file or HSM) elsewhere. */
export interface CsrSigner {
  readonly spki: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * Builds and signs a PKCS#10 request with an in-memory key. Used by the device agent and by tests; ceremonies
 * whose key sits in a key store use {@link buildCsrWithSigner}.
 */
export function buildCsr(
  content: CsrContent,
  key: PrivateKey,
  algorithm = defaultSignatureAlgorithm(key.algorithm),
): Uint8Array {
  const info = encodeCsrInfo(content, key.spki);
  return assembleCsr(info, algorithm, algorithm.sign(key, info.der));
}

export async function buildCsrWithSigner(content: CsrContent, signer: CsrSigner): Promise<Uint8Array> {
  const info = encodeCsrInfo(content, signer.spki);
  return assembleCsr(info, signer.signatureAlgorithm, await signer.sign(info.der));
}

function encodeCsrInfo(
  content: CsrContent,
  spki: Uint8Array,
): { value: CertificationRequestInfo; der: Uint8Array } {
  const extensions: Extension[] = [...(content.extensions ?? [])];
  if (content.altNames && content.altNames.length > 0) {
    extensions.push(subjectAltNameExtension(content.altNames, content.subject.length === 0));
  }
  const attributes = new Attributes();
  if (content.challengePassword !== undefined) {
    attributes.push(
      new Attribute({
        type: OID.challengePassword,
        values: [AsnConvert.serialize(new DirectoryString({ utf8String: content.challengePassword }))],
      }),
    );
  }
  if (extensions.length > 0) {
    attributes.push(
      new Attribute({
        type: OID.extensionRequest,
        values: [AsnConvert.serialize(new Extensions(extensions))],
      }),
    );
  }
  const value = new CertificationRequestInfo({
    version: 0,
    subject: content.subject,
    subjectPKInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    attributes,
  });
  return { value, der: encodeDer(value) };
}

function assembleCsr(
  info: { value: CertificationRequestInfo },
  algorithm: SignatureAlgorithm,
  signature: Uint8Array,
): Uint8Array {
  return encodeDer(
    new CertificationRequest({
      certificationRequestInfo: info.value,
      signatureAlgorithm: AsnConvert.parse(algorithm.identifierDer, AlgorithmIdentifier),
      signature: toArrayBuffer(signature),
    }),
  );
}
