import type { Clock } from '../core/clock.js';
import type { IssuerId } from '../core/ids.js';
import type { IssuedCertificate } from '../ca/issue-order.js';
import { generateKeyPair, type PrivateKey } from '../pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm, type SignatureAlgorithm } from '../pki/algorithms/signature-algorithm.js';
import { buildCsr } from '../pki/csr.js';
import { buildName } from '../pki/name.js';

/** A node's delegated OCSP responder for one issuer: certificate and key, in memory only. */
export interface OcspResponderCredential {
  readonly certificate: IssuedCertificate;
  readonly key: PrivateKey;
  readonly signatureAlgorithm: SignatureAlgorithm;
}

/**
 * Delegated OCSP responder credentials (RFC 6960 §4.2.2.2), one per issuer per server node. The key is generated in
 * memory when the node needs it and never written anywhere; its certificate (profile ocsp-responder: OCSPSigning,
 * id-pkix-ocsp-nocheck, a week by default) is issued by the issuer through the RA and recorded like any other.
 * It is renewed in the background once two thirds of its life have passed; the old one answers meanwhile. A lost
 * node loses nothing that matters: a new one makes its own.
 */
export class OcspResponderKeys {
  private readonly credentials = new Map<IssuerId, Promise<OcspResponderCredential>>();
  private readonly renewing = new Set<IssuerId>();

  constructor(
    private readonly deps: {
      /** Issues the responder certificate for a CSR (the server passes the RA with its service credential). */
      issue: (issuerId: IssuerId, csrDer: Uint8Array) => Promise<IssuedCertificate>;
      clock: Clock;
    },
  ) {}

  async forIssuer(issuerId: IssuerId): Promise<OcspResponderCredential> {
    let pending = this.credentials.get(issuerId);
    if (!pending) {
      pending = this.create(issuerId);
      this.credentials.set(issuerId, pending);
      pending.catch(() => this.credentials.delete(issuerId));
    }
    const credential = await pending;
    if (this.renewalDue(credential) && !this.renewing.has(issuerId)) this.renewInBackground(issuerId);
    return credential;
  }

  private renewalDue(credential: OcspResponderCredential): boolean {
    const { notBefore, notAfter } = credential.certificate;
    const renewAt = notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3;
    return this.deps.clock.now().getTime() >= renewAt;
  }

  private renewInBackground(issuerId: IssuerId): void {
    this.renewing.add(issuerId);
    this.create(issuerId).then(
      (fresh) => {
        this.credentials.set(issuerId, Promise.resolve(fresh));
        this.renewing.delete(issuerId);
      },
      // Keep answering with the current credential; the next request tries again.
      () => this.renewing.delete(issuerId),
    );
  }

  private async create(issuerId: IssuerId): Promise<OcspResponderCredential> {
    const key = generateKeyPair('ec-p256');
    const csr = buildCsr({ subject: buildName([{ type: 'CN', value: `${issuerId} OCSP responder` }]) }, key);
    const certificate = await this.deps.issue(issuerId, csr);
    return { certificate, key, signatureAlgorithm: defaultSignatureAlgorithm(key.algorithm) };
  }
}
