import type { Clock } from '../core/clock.js';
import type { IssuerId } from '../core/ids.js';
import { isPkiError } from '../core/pki-error.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';
import { TrustStore } from '../pki/chain.js';
import { bytesEqual } from '../pki/der.js';
import type { CertificateReader } from '../store/certificate-reader.js';
import type { IssuerRegistry } from '../store/issuer-registry.js';
import type { LinkedCertificate, ObservedLeaf } from '../store/observation-log.js';
import { describeLeaf } from './observed-leaf.js';

/** How long the issuers read from the store are reused before being read again (a rollover adds one). */
const ISSUER_REFRESH_MS = 60_000;

/** Presented intermediates kept parsed: endpoints send the same few over and over. */
const INTERMEDIATE_CACHE_SIZE = 256;

/** The judgement of a presented chain against our trust. */
export interface ChainJudgement {
  readonly leaf: ObservedLeaf | null;
  /** The earliest notAfter among the presented certificates (the leaf's when none else parses). */
  readonly chainNotAfter: Date | null;
  /** Null when there is no certificate to judge. */
  readonly chainValid: boolean | null;
  readonly chainError: string | null;
  readonly linked: LinkedCertificate | null;
}

interface OurIssuer {
  readonly id: IssuerId;
  readonly certificate: ParsedCertificate;
}

interface Trust {
  readonly store: TrustStore;
  readonly issuers: readonly OurIssuer[];
  readonly loadedAtMs: number;
}

/**
 * Judges a presented chain the way our devices would: path validation (src/pki/chain.ts, RFC 5280 §6) from the
 * leaf through the presented intermediates to one of the configured anchors (our root issuers and the extra
 * anchor files), at the time of the probe. A leaf our store knows by (issuer, serial) and fingerprint is linked
 * to its certificate record and device.
 */
export class ChainJudge {
  private trust: Trust | undefined;
  private readonly intermediates = new Map<string, ParsedCertificate | undefined>();

  constructor(
    private readonly deps: {
      readonly issuers: IssuerRegistry;
      readonly certificates: CertificateReader;
      readonly extraAnchors: readonly ParsedCertificate[];
      readonly clock: Clock;
    },
  ) {}

  async judge(chainDer: readonly Uint8Array[], at: Date): Promise<ChainJudgement> {
    const leafDer = chainDer[0];
    if (leafDer === undefined)
      return {
        leaf: null,
        chainNotAfter: null,
        chainValid: null,
        chainError: 'no certificate',
        linked: null,
      };
    let described: ReturnType<typeof describeLeaf>;
    try {
      described = describeLeaf(leafDer);
    } catch {
      // The TLS stack took it, so this is rare: a certificate even OpenSSL's parser cannot re-read.
      return {
        leaf: null,
        chainNotAfter: null,
        chainValid: false,
        chainError: 'the certificate does not parse as X.509',
        linked: null,
      };
    }
    const { leaf, parsed } = described;
    const intermediates = chainDer.slice(1).flatMap((der) => {
      const certificate = this.intermediate(der);
      return certificate === undefined ? [] : [certificate];
    });
    const chainNotAfter = new Date(
      Math.min(leaf.notAfter.getTime(), ...intermediates.map((c) => c.notAfter.getTime())),
    );
    if (parsed === undefined) {
      return {
        leaf,
        chainNotAfter,
        chainValid: false,
        chainError: 'the certificate does not parse as X.509',
        linked: null,
      };
    }
    const trust = await this.currentTrust();
    let chainValid = true;
    let chainError: string | null = null;
    try {
      trust.store.validate(parsed, intermediates, at);
    } catch (error) {
      chainValid = false;
      chainError = isPkiError(error) ? error.message : `the chain cannot be checked: ${String(error)}`;
    }
    return { leaf, chainNotAfter, chainValid, chainError, linked: await this.link(parsed, trust.issuers) };
  }

  /** A presented intermediate, parsed once per distinct DER (least recently used dropped first). */
  private intermediate(der: Uint8Array): ParsedCertificate | undefined {
    const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
    if (this.intermediates.has(key)) {
      const cached = this.intermediates.get(key);
      this.intermediates.delete(key);
      this.intermediates.set(key, cached);
      return cached;
    }
    let certificate: ParsedCertificate | undefined;
    try {
      certificate = parseCertificate(der);
    } catch {
      certificate = undefined;
    }
    this.intermediates.set(key, certificate);
    if (this.intermediates.size > INTERMEDIATE_CACHE_SIZE) {
      const oldest = this.intermediates.keys().next();
      if (oldest.done !== true) this.intermediates.delete(oldest.value);
    }
    return certificate;
  }

  /** The certificate of ours this leaf is, if any: same issuer name and key id, serial and fingerprint. */
  private async link(
    leaf: ParsedCertificate,
    issuers: readonly OurIssuer[],
  ): Promise<LinkedCertificate | null> {
    const keyId = leaf.extensions.authorityKeyId;
    const candidates = issuers.filter(
      (i) =>
        bytesEqual(i.certificate.subjectDer, leaf.issuerDer) &&
        (keyId === undefined ||
          i.certificate.extensions.subjectKeyId === undefined ||
          bytesEqual(i.certificate.extensions.subjectKeyId, keyId)),
    );
    for (const issuer of candidates) {
      const record = await this.deps.certificates.get(issuer.id, leaf.serial);
      if (record !== undefined && record.fingerprintSha256 === leaf.fingerprintSha256) {
        return { issuerId: issuer.id, serial: leaf.serial, deviceId: record.deviceId };
      }
    }
    return null;
  }

  private async currentTrust(): Promise<Trust> {
    const nowMs = this.deps.clock.now().getTime();
    if (this.trust !== undefined && Math.abs(nowMs - this.trust.loadedAtMs) < ISSUER_REFRESH_MS)
      return this.trust;
    const issuers = (await this.deps.issuers.list()).flatMap((record) => {
      try {
        return [{ record, certificate: parseCertificate(record.certificateDer) }];
      } catch {
        return [];
      }
    });
    const roots = issuers.filter((i) => i.record.role === 'root' || i.record.parentId === null);
    this.trust = {
      store: new TrustStore([...roots.map((i) => i.certificate), ...this.deps.extraAnchors]),
      issuers: issuers.map((i) => ({ id: i.record.id, certificate: i.certificate })),
      loadedAtMs: nowMs,
    };
    return this.trust;
  }
}
