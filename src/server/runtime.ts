import type { Clock } from '../core/clock.js';
import { type IssuerId, toIssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { ProfileName } from '../pki/profiles/certificate-profile.js';
import { ProfileSet } from '../pki/profiles/profile-set.js';
import { CertificateAuthority } from '../ca/certificate-authority.js';
import { type OnlineIssuer, openOnlineIssuers, type RevocationPointers } from '../ca/online-issuer.js';
import { FileKeyStore } from '../keys/file-key-store.js';
import { KeyStoreRouter } from '../keys/key-store-router.js';
import type { SecretEnvironment } from '../keys/secret-reference.js';
import { IdevidProvisioner } from '../ra/idevid-provisioner.js';
import { IssuerDirectory } from '../ra/issuer-directory.js';
import { LdevidProvisioner } from '../ra/ldevid-provisioner.js';
import { ManualApproval } from '../ra/manual-approval.js';
import { OperatorProvisioner } from '../ra/operator-provisioner.js';
import { Revocations } from '../ra/revocations.js';
import { CertificateRevoker } from '../ca/certificate-revoker.js';
import { CrlSigner } from '../ca/crl-signer.js';
import { CrlPublisher } from '../revocation/crl-publisher.js';
import { OcspResponder } from '../revocation/ocsp-responder.js';
import { OcspResponderKeys } from '../revocation/ocsp-responder-keys.js';
import { ServiceProvisioner } from '../ra/service-provisioner.js';
import { RateLimiter } from '../ra/rate-limiter.js';
import { StationProvisioner } from '../ra/station-provisioner.js';
import { TokenProvisioner } from '../ra/token-provisioner.js';
import { RegistrationAuthority } from '../ra/registration-authority.js';
import { GroupCommitLedger } from '../store/group-commit-ledger.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { EnrollmentRecorder } from '../store/enrollment-recorder.js';
import type { Config } from './config-schema.js';
import { join } from 'node:path';
import { loadOrCreateSecretKey } from '../keys/secret-key-file.js';
import { EnrollmentTokenSecrets } from '../ra/enrollment-token-secrets.js';
import { AcmeAccountProvisioner } from '../ra/acme-account-provisioner.js';

/** The wired core of a certfleet node: store, keys, CA and RA. Front ends and the CLI sit on top. */
export interface Runtime {
  readonly config: Config;
  readonly clock: Clock;
  readonly store: Store;
  /** The certificate profiles with the configured lifetimes, as the RA, the CA and csrattrs apply them. */
  readonly profiles: ProfileSet;
  readonly keys: KeyStoreRouter;
  readonly ca: CertificateAuthority;
  readonly ra: RegistrationAuthority;
  readonly issuers: ReadonlyMap<IssuerId, OnlineIssuer>;
  /** Every issuer of the deployment (roots and intermediates), for recognising certificates we issued. */
  readonly directory: IssuerDirectory;
  readonly revoker: CertificateRevoker;
  /** Operator revocation and device decommissioning (through the RA's rules). */
  readonly revocations: Revocations;
  readonly crlPublisher: CrlPublisher;
  readonly ocspResponder: OcspResponder;
  /** Derives enrollment token secrets (new tokens; CMP MAC keys). */
  readonly tokenSecrets: EnrollmentTokenSecrets;
  close(): Promise<void>;
}

/** The token key lives with the online keys: whoever holds the data folder can mint tokens anyway. */
export async function openTokenSecrets(config: Config): Promise<EnrollmentTokenSecrets> {
  const path = join(config.dataDir, 'secrets', 'enrollment-token.key');
  return new EnrollmentTokenSecrets(await loadOrCreateSecretKey(path, 'the enrollment token key'));
}

export function keyStoreFor(env: SecretEnvironment): KeyStoreRouter {
  return new KeyStoreRouter([new FileKeyStore({ env })]);
}

/** Where CRLs, OCSP and CA certificates of an issuer are published (the public HTTP listener's address). */
export function revocationPointers(config: Config, id: IssuerId): RevocationPointers {
  const base = config.pki.publicBaseUrl;
  return {
    crlUrl: `${base}/crl/${id}.crl`,
    ocspUrl: `${base}/ocsp/${id}`,
    caIssuersUrl: `${base}/ca/${id}.cer`,
  };
}

/** What whoever opens the runtime may wrap around its parts (the server's metrics count enrollments). */
export interface RuntimeHooks {
  /** Wraps the recorder the RA writes every enrollment attempt to. */
  readonly enrollmentRecorder?: (recorder: EnrollmentRecorder) => EnrollmentRecorder;
}

export async function openRuntime(
  config: Config,
  clock: Clock,
  env: SecretEnvironment,
  hooks: RuntimeHooks = {},
): Promise<Runtime> {
  const profiles = ProfileSet.configured(config.pki);
  const store = await openStore(config.store.url);
  try {
    const keys = keyStoreFor(env);
    const tokenSecrets = await openTokenSecrets(config);
    const issuers = await openOnlineIssuers(store.issuers, keys, (id) => revocationPointers(config, id));
    const ca = new CertificateAuthority(issuers, new GroupCommitLedger(store.ledger), clock, {
      backdateSeconds: config.pki.backdateSeconds,
      profiles,
    });
    const directory = new IssuerDirectory(await store.issuers.list());
    const manufacturerAnchors = directory.anchorsFor(
      config.est.manufacturerAnchors.map((id) => issuerIdFrom(id, '/est/manufacturerAnchors')),
    );
    const provisioners = [
      new OperatorProvisioner(),
      new StationProvisioner({ issuers: directory, certificates: store.certificates, clock }),
      new IdevidProvisioner({
        manufacturerAnchors,
        issuers: directory,
        certificates: store.certificates,
        devices: store.devices,
        clock,
      }),
      new LdevidProvisioner({
        issuers: directory,
        certificates: store.certificates,
        devices: store.devices,
        clock,
      }),
      new TokenProvisioner({ tokens: store.tokens, clock }),
      new ServiceProvisioner(),
      new AcmeAccountProvisioner(['tls-server']),
    ];
    const approval = new ManualApproval({
      pending: store.pendingEnrollments,
      certificates: store.certificates,
      chainOf: (id) => {
        const issuer = issuers.get(id);
        return issuer ? [issuer.certificate.der, ...issuer.chain] : [];
      },
      clock,
      retryAfterSeconds: config.est.approvalRetryAfterSeconds,
    });
    const ra = new RegistrationAuthority(
      {
        provisioners,
        ca,
        recorder: hooks.enrollmentRecorder?.(store.enrollmentRecorder) ?? store.enrollmentRecorder,
        tokens: store.tokens,
        devices: store.devices,
        approval,
        rateLimiter: new RateLimiter(config.est.rateLimit, clock),
        clock,
      },
      {
        defaultIssuers: defaultIssuers(config),
        deviceUriPrefix: config.pki.deviceUriPrefix,
        allowKeyReuse: config.est.allowKeyReuse,
        profiles,
      },
    );
    const revoker = new CertificateRevoker(store.lifecycle, clock);
    const revocations = new Revocations({
      revoker,
      certificates: store.certificates,
      devices: store.devices,
      issuers: store.issuers,
      tokens: store.tokens,
      audit: store.audit,
      directory,
      clock,
    });
    const crlSigner = new CrlSigner(issuers);
    const crlPublisher = new CrlPublisher({
      crls: store.crls,
      certificates: store.certificates,
      sign: (id, content) => crlSigner.sign(id, content),
      clock,
      policy: {
        validitySeconds: config.revocation.crlValiditySeconds,
        republishBeforeSeconds: config.revocation.crlRepublishBeforeSeconds,
      },
    });
    const ocspResponder = new OcspResponder({
      issuers: () => issuers,
      certificates: store.certificates,
      keys: new OcspResponderKeys({
        issue: (issuerId, csr) =>
          ra.requestCertificate(
            { kind: 'service', name: 'ocsp' },
            {
              csr,
              profile: 'ocsp-responder',
              issuerId,
              validitySeconds: config.revocation.ocspResponderValiditySeconds,
              protocol: 'internal',
              operation: 'ocsp-responder',
            },
          ),
        clock,
      }),
      clock,
      policy: {
        validitySeconds: config.revocation.ocspValiditySeconds,
        cacheSeconds: config.revocation.ocspCacheSeconds,
        maxCertificatesPerRequest: 16,
      },
    });
    revoker.onRevoked((ids) => ocspResponder.revoked(ids));
    return {
      config,
      clock,
      store,
      profiles,
      keys,
      ca,
      ra,
      issuers,
      directory,
      revoker,
      revocations,
      crlPublisher,
      ocspResponder,
      tokenSecrets,
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function issuerIdFrom(text: string, path: string): IssuerId {
  const id = toIssuerId(text);
  if (!id) throw new PkiError('CONFIG_INVALID', `${path}: '${text}' is not an issuer id`);
  return id;
}

function defaultIssuers(config: Config): Partial<Record<ProfileName, IssuerId>> {
  const result: Partial<Record<ProfileName, IssuerId>> = {};
  for (const [profile, id] of Object.entries(config.pki.defaultIssuers) as Array<[ProfileName, string]>) {
    const issuerId = toIssuerId(id);
    if (!issuerId)
      throw new PkiError('CONFIG_INVALID', `/pki/defaultIssuers/${profile}: '${id}' is not an issuer id`);
    result[profile] = issuerId;
  }
  return result;
}
