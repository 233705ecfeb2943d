import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Name } from '@peculiar/asn1-x509';
import type { Clock } from '../../core/clock.js';
import { PkiError } from '../../core/pki-error.js';
import type { KeyAlgorithmName } from '../../pki/algorithms/key-algorithm.js';
import { bytesEqual } from '../../pki/der.js';
import { type ParsedCertificate, parseCertificate } from '../../pki/certificate.js';
import type { ParsedCsr } from '../../pki/csr.js';
import { encodePem } from '../../pki/pem.js';
import { builtinProfile } from '../../pki/profiles/builtin-profiles.js';
import { serialToHex } from '../../pki/serial.js';
import { assembleCrl, type CrlEntry, encodeTbsCertList } from '../../pki/crl.js';
import type { SerialHex } from '../../core/ids.js';
import type { RevocationReason } from '../../core/revocation-reason.js';
import type { KeyStore, Signer } from '../../keys/signer.js';
import { signCaCertificate } from './ca-certificate.js';

export const ROOT_KEY_FILE = 'root.key.pem';
export const ROOT_CERT_FILE = 'root.cert.pem';
export const ROOT_PASSPHRASE_FILE = 'root.pass';
const ISSUED_FOLDER = 'issued';
const REVOKED_FILE = 'revoked.json';
const CRL_NUMBER_FILE = 'crl-number';

export interface OfflineRootLocation {
  /** The offline folder; the online server never reads it. */
  readonly dir: string;
  /** Secret reference for the root key's passphrase (`env:NAME` or `file:/path`). */
  readonly passphraseSource: string;
}

export function rootKeyUri(location: OfflineRootLocation): string {
  return `file:${resolve(location.dir, ROOT_KEY_FILE)}?passphrase-source=${location.passphraseSource}`;
}

/**
 * The offline root: a folder holding the root's encrypted key, its certificate, and a journal of everything
 * it signed (`issued/<serial>.json` written before signing, `issued/<serial>.pem` after), so the root's
 * own CRL can be produced later from the folder alone. Meant to live on an air-gapped machine or removable
 * media; the online server is never given this folder.
 */
export class OfflineRoot {
  private constructor(
    readonly dir: string,
    readonly certificate: ParsedCertificate,
    private readonly signer: Signer,
    private readonly clock: Clock,
  ) {}

  static async create(
    location: OfflineRootLocation,
    keys: Pick<KeyStore, 'generate'>,
    options: { subject: Name; keyAlgorithm: KeyAlgorithmName; validitySeconds?: number },
    clock: Clock,
  ): Promise<OfflineRoot> {
    await mkdir(join(location.dir, ISSUED_FOLDER), { recursive: true, mode: 0o700 });
    const signer = await keys.generate(rootKeyUri(location), options.keyAlgorithm);
    const { der } = await signCaCertificate(
      {
        profile: builtinProfile('root-ca'),
        subject: options.subject,
        spkiDer: signer.spki,
        signer,
        ...(options.validitySeconds === undefined ? {} : { validitySeconds: options.validitySeconds }),
      },
      clock,
    );
    await writeFile(join(location.dir, ROOT_CERT_FILE), encodePem('CERTIFICATE', der), {
      flag: 'wx',
      mode: 0o644,
    });
    return new OfflineRoot(location.dir, parseCertificate(der), signer, clock);
  }

  static async open(
    location: OfflineRootLocation,
    keys: Pick<KeyStore, 'open'>,
    clock: Clock,
  ): Promise<OfflineRoot> {
    let pem: string;
    try {
      pem = await readFile(join(location.dir, ROOT_CERT_FILE), 'utf8');
    } catch (error) {
      throw new PkiError('NOT_FOUND', `no root certificate in ${location.dir} (expected ${ROOT_CERT_FILE})`, {
        cause: error,
      });
    }
    const certificate = parseCertificate(pem);
    const signer = await keys.open(rootKeyUri(location));
    if (!bytesEqual(signer.spki, certificate.spkiDer)) {
      throw new PkiError(
        'CONFIG_INVALID',
        `the root key in ${location.dir} does not match ${ROOT_CERT_FILE}`,
      );
    }
    return new OfflineRoot(location.dir, certificate, signer, clock);
  }

  /**
   * Signs an intermediate CA certificate for a CSR (RFC 2986, signature already verified by parseCsr). The
   * subject is the CSR's unless `subject` overrides it; the profile is intermediate-ca (pathLen 0).
   */
  async signIntermediate(
    csr: ParsedCsr,
    options: { subject?: Name; validitySeconds?: number; crlUrl?: string } = {},
  ): Promise<ParsedCertificate> {
    const subject = options.subject ?? csr.subject;
    const profile = builtinProfile('intermediate-ca');
    const journal = join(this.dir, ISSUED_FOLDER);
    await mkdir(journal, { recursive: true, mode: 0o700 });
    const { der, serial } = await signCaCertificate(
      {
        profile,
        subject,
        spkiDer: csr.spkiDer,
        signer: this.signer,
        issuer: this.certificate,
        ...(options.validitySeconds === undefined ? {} : { validitySeconds: options.validitySeconds }),
        ...(options.crlUrl === undefined ? {} : { crlUrl: options.crlUrl }),
      },
      this.clock,
      async (prepared) => {
        // Recorded before the signature exists, so nothing signed by the root goes unjournaled.
        await writeFile(
          join(journal, `${serialToHex(prepared.serial)}.json`),
          JSON.stringify(prepared.summary, null, 2) + '\n',
          {
            flag: 'wx',
            mode: 0o600,
          },
        );
      },
    );
    await writeFile(join(journal, `${serialToHex(serial)}.pem`), encodePem('CERTIFICATE', der), {
      flag: 'wx',
      mode: 0o644,
    });
    return parseCertificate(der);
  }

  /**
   * Records that the root revokes a certificate it signed (an intermediate), in `revoked.json` beside the journal.
   * Idempotent: revoking again keeps the first time and reason. NOT_FOUND for a serial the root never signed.
   */
  async revoke(serial: SerialHex, reason: RevocationReason): Promise<'revoked' | 'already-revoked'> {
    if (!(await this.issued()).some((c) => c.serial === serial)) {
      throw new PkiError('NOT_FOUND', `this root signed no certificate with serial ${serial}`);
    }
    const revoked = await this.revoked();
    if (revoked.some((r) => r.serial === serial)) return 'already-revoked';
    revoked.push({ serial, revokedAt: wholeSeconds(this.clock.now()), reason });
    await writeFile(join(this.dir, REVOKED_FILE), JSON.stringify(revoked, null, 2) + '\n', { mode: 0o600 });
    return 'revoked';
  }

  /** What the root has revoked, from `revoked.json`. */
  async revoked(): Promise<CrlEntry[]> {
    const text = await readFile(join(this.dir, REVOKED_FILE), 'utf8').catch(() => '[]');
    const entries = JSON.parse(text) as Array<{
      serial: SerialHex;
      revokedAt: string;
      reason: RevocationReason;
    }>;
    return entries.map((e) => ({ serial: e.serial, revokedAt: new Date(e.revokedAt), reason: e.reason }));
  }

  /**
   * The root's CRL (RFC 5280 §5), signed in a ceremony: every certificate the root revoked, the next number from
   * `crl-number` in the folder, nextUpdate `validitySeconds` later. The root is offline, so its CRL is long-lived
   * and is published by importing it on the server (`certfleet ca import-crl`).
   */
  async signCrl(validitySeconds: number): Promise<Uint8Array> {
    const numberFile = join(this.dir, CRL_NUMBER_FILE);
    const crlNumber = Number((await readFile(numberFile, 'utf8').catch(() => '0')).trim()) + 1;
    const thisUpdate = wholeSeconds(this.clock.now());
    const keyId = this.certificate.extensions.subjectKeyId;
    if (!keyId) throw new PkiError('CONFIG_INVALID', 'the root certificate has no subject key identifier');
    const { signatureAlgorithm } = this.signer;
    const tbs = encodeTbsCertList({
      signatureAlgorithm,
      issuerDer: this.certificate.subjectDer,
      authorityKeyId: keyId,
      crlNumber,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + validitySeconds * 1000),
      entries: await this.revoked(),
    });
    const der = assembleCrl(tbs, signatureAlgorithm, await this.signer.sign(tbs));
    await writeFile(numberFile, `${crlNumber}\n`, { mode: 0o600 });
    return der;
  }

  /** Every certificate this root has signed, from its journal. */
  async issued(): Promise<ParsedCertificate[]> {
    const journal = join(this.dir, ISSUED_FOLDER);
    const names = (await readdir(journal).catch(() => [] as string[]))
      .filter((n) => n.endsWith('.pem'))
      .sort();
    return Promise.all(names.map(async (n) => parseCertificate(await readFile(join(journal, n), 'utf8'))));
  }
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
