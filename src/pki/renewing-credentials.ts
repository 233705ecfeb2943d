import type { Clock } from '../core/clock.js';
import { generateKeyPair, type PrivateKey } from './algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm, type SignatureAlgorithm } from './algorithms/signature-algorithm.js';
import { buildCsr } from './csr.js';
import { buildName } from './name.js';

/** What an issuance returns that a signing credential needs. */
export interface CredentialCertificate {
  readonly der: Uint8Array;
  /** The issuer's certificate and its chain up to the root. */
  readonly chain: readonly Uint8Array[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** A short-lived signing credential of a server node: certificate and key, in memory only. */
export interface RenewingCredential<C extends CredentialCertificate = CredentialCertificate> {
  readonly certificate: C;
  readonly key: PrivateKey;
  readonly signatureAlgorithm: SignatureAlgorithm;
}

/**
 * A server node's own short-lived signing credentials (delegated OCSP responders, the CMP server's protection
 * certificate), one per key of the caller's choosing. Each key pair is generated in memory when first needed and
 * never written anywhere; its certificate comes from `issue` (the RA, with the server's service credential), so it
 * is recorded like any other. It is renewed in the background once two thirds of its life have passed; the old
 * one serves meanwhile. A lost node loses nothing that matters: a new one makes its own.
 */
export class RenewingCredentials<K, C extends CredentialCertificate = CredentialCertificate> {
  private readonly credentials = new Map<K, Promise<RenewingCredential<C>>>();
  private readonly renewing = new Set<K>();

  constructor(
    private readonly deps: {
      issue: (key: K, csrDer: Uint8Array) => Promise<C>;
      /** The certificate's common name. */
      commonName: (key: K) => string;
      clock: Clock;
    },
  ) {}

  async get(key: K): Promise<RenewingCredential<C>> {
    let pending = this.credentials.get(key);
    if (!pending) {
      pending = this.create(key);
      this.credentials.set(key, pending);
      pending.catch(() => this.credentials.delete(key));
    }
    const credential = await pending;
    if (this.renewalDue(credential) && !this.renewing.has(key)) this.renewInBackground(key);
    return credential;
  }

  private renewalDue(credential: RenewingCredential<C>): boolean {
    const { notBefore, notAfter } = credential.certificate;
    const renewAt = notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3;
    return this.deps.clock.now().getTime() >= renewAt;
  }

  private renewInBackground(key: K): void {
    this.renewing.add(key);
    this.create(key).then(
      (fresh) => {
        this.credentials.set(key, Promise.resolve(fresh));
        this.renewing.delete(key);
      },
      // Keep serving with the current credential; the next request tries again.
      () => this.renewing.delete(key),
    );
  }

  private async create(key: K): Promise<RenewingCredential<C>> {
    const pair = generateKeyPair('ec-p256');
    const csr = buildCsr({ subject: buildName([{ type: 'CN', value: this.deps.commonName(key) }]) }, pair);
    const certificate = await this.deps.issue(key, csr);
    return { certificate, key: pair, signatureAlgorithm: defaultSignatureAlgorithm(pair.algorithm) };
  }
}
