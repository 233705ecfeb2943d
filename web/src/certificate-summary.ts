/**
 * Just enough X.509 (RFC 5280 §4.1) to describe a presented chain in the browser: subject, issuer, validity,
 * serial and key algorithm of each PEM certificate from `GET /observations/{id}`. A small DER reader, no
 * dependency; anything it cannot read comes back as undefined and the page shows the PEM alone. It checks
 * nothing: the server judged the chain (chainValid, chainError).
 */
export interface CertificateSummary {
  readonly serialHex: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly keyAlgorithm: string;
  readonly selfIssued: boolean;
}

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/** X.690 §8.1: one tag-length-value at `offset`, definite lengths only (DER). */
function readTlv(der: Uint8Array, offset: number, limit: number): Tlv {
  const tag = der[offset];
  let lengthByte = der[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('truncated');
  let start = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = der[start + i];
      if (lengthByte === undefined) throw new Error('truncated');
      length = length * 256 + lengthByte;
    }
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new Error('truncated');
  return { tag, start, end };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const result: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end;) {
    const child = readTlv(der, offset, parent.end);
    result.push(child);
    offset = child.end;
  }
  return result;
}

function child(list: readonly Tlv[], index: number): Tlv {
  const item = list[index];
  if (item === undefined) throw new Error('missing field');
  return item;
}

/** X.690 §8.19: an OBJECT IDENTIFIER's dotted form. */
function oidOf(der: Uint8Array, tlv: Tlv): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = tlv.start; i < tlv.end; i++) {
    const byte = der[i] ?? 0;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) {
        const first = Math.min(Math.floor(value / 40), 2);
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  return parts.join('.');
}

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

const KEY_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
  '2.16.840.1.101.3.4.3.17': 'ml-dsa-44',
  '2.16.840.1.101.3.4.3.18': 'ml-dsa-65',
  '2.16.840.1.101.3.4.3.19': 'ml-dsa-87',
};

const CURVES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'ec-p256',
  '1.3.132.0.34': 'ec-p384',
  '1.3.132.0.35': 'ec-p521',
};

function text(der: Uint8Array, tlv: Tlv): string {
  const bytes = der.subarray(tlv.start, tlv.end);
  switch (tlv.tag) {
    case 0x1e: {
      // BMPString: UTF-16BE.
      let out = '';
      for (let i = 0; i + 1 < bytes.length; i += 2)
        out += String.fromCharCode(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
      return out;
    }
    case 0x14:
      // TeletexString: treated as Latin-1, as most tools do.
      return String.fromCharCode(...bytes);
    default:
      return new TextDecoder().decode(bytes);
  }
}

/** RFC 4514 §2: the RDNs last first, `CN=device-1,O=Example`; characters that need it are escaped. */
function nameOf(der: Uint8Array, name: Tlv): string {
  const rdns = children(der, name).map((rdn) =>
    children(der, rdn)
      .map((attribute) => {
        const [type, value] = children(der, attribute);
        if (type === undefined || value === undefined) throw new Error('bad attribute');
        const oid = oidOf(der, type);
        const escaped = text(der, value).replace(/([,+"\\<>;=])/g, '\\$1');
        return `${ATTRIBUTE_NAMES[oid] ?? oid}=${escaped}`;
      })
      .join('+'),
  );
  return rdns.reverse().join(',');
}

/** RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ, 50–99 meaning 19xx) or GeneralizedTime. */
function timeOf(der: Uint8Array, tlv: Tlv): string {
  const value = new TextDecoder().decode(der.subarray(tlv.start, tlv.end));
  const utc = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const generalized = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const m = tlv.tag === 0x17 ? utc : generalized;
  if (m === null) throw new Error('bad time');
  const [, y, mo, d, h, mi, s] = m;
  const year = tlv.tag === 0x17 ? (Number(y) >= 50 ? 1900 : 2000) + Number(y) : Number(y);
  return `${String(year).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}Z`;
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function keyAlgorithmOf(der: Uint8Array, spki: Tlv): string {
  const [algorithm, key] = children(der, spki);
  if (algorithm === undefined) throw new Error('bad key');
  const [oidTlv, parameters] = children(der, algorithm);
  if (oidTlv === undefined) throw new Error('bad key');
  const oid = oidOf(der, oidTlv);
  if (oid === '1.2.840.10045.2.1') {
    const curve = parameters?.tag === 0x06 ? oidOf(der, parameters) : '';
    return CURVES[curve] ?? `ec ${curve}`.trim();
  }
  if (oid === '1.2.840.113549.1.1.1' && key !== undefined) {
    // BIT STRING → RSAPublicKey SEQUENCE → modulus INTEGER; its size is the key size.
    const inner = readTlv(der, key.start + 1, key.end);
    const modulus = child(children(der, inner), 0);
    const leadingZero = der[modulus.start] === 0 ? 1 : 0;
    return `rsa-${(modulus.end - modulus.start - leadingZero) * 8}`;
  }
  return KEY_ALGORITHMS[oid] ?? oid;
}

export function summarizeDer(der: Uint8Array): CertificateSummary {
  const certificate = readTlv(der, 0, der.length);
  const tbs = child(children(der, certificate), 0);
  const fields = children(der, tbs);
  // version [0] EXPLICIT is absent for v1 certificates.
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = child(fields, at);
  const issuer = child(fields, at + 2);
  const validity = children(der, child(fields, at + 3));
  const subject = child(fields, at + 4);
  const spki = child(fields, at + 5);
  const issuerName = nameOf(der, issuer);
  const subjectName = nameOf(der, subject);
  let serialBytes = der.subarray(serial.start, serial.end);
  if (serialBytes.length > 1 && serialBytes[0] === 0) serialBytes = serialBytes.subarray(1);
  return {
    serialHex: hexOf(serialBytes),
    subject: subjectName,
    issuer: issuerName,
    notBefore: timeOf(der, child(validity, 0)),
    notAfter: timeOf(der, child(validity, 1)),
    keyAlgorithm: keyAlgorithmOf(der, spki),
    selfIssued: subjectName === issuerName,
  };
}

/** The DER inside a PEM `CERTIFICATE` block (RFC 7468). */
export function pemToDer(pem: string): Uint8Array | undefined {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (match === null) return undefined;
  try {
    const binary = atob((match[1] ?? '').replace(/\s+/g, ''));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The summary of a PEM certificate, or undefined when it cannot be read. */
export function summarizePem(pem: string): CertificateSummary | undefined {
  const der = pemToDer(pem);
  if (der === undefined) return undefined;
  try {
    return summarizeDer(der);
  } catch {
    return undefined;
  }
}
