import { join } from 'node:path';
import type { Logger } from 'pino';
import type { IssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { loadOrCreateSecretKey } from '../keys/secret-key-file.js';
import { bytesToHex } from '../pki/der.js';
import { AccountService } from '../protocols/acme/account-service.js';
import { AcmeAuthenticator } from '../protocols/acme/acme-authenticator.js';
import type { AcmePluginOptions } from '../protocols/acme/acme-plugin.js';
import { AcmeUrls } from '../protocols/acme/acme-urls.js';
import { ChallengeService } from '../protocols/acme/challenge-service.js';
import { ExternalAccountKeys } from '../protocols/acme/external-account-binding.js';
import { NonceMinter } from '../protocols/acme/nonce-minter.js';
import { OrderService } from '../protocols/acme/order-service.js';
import { RenewalInfoService } from '../protocols/acme/renewal-info-service.js';
import { RevocationService } from '../protocols/acme/revocation-service.js';
import {
  loopbackTestNetwork,
  productionNetwork,
  type ValidationNetwork,
} from '../protocols/acme/validation/validation-network.js';
import { AcmeIdentifierPolicy } from '../ra/acme-identifier-policy.js';
import { RateLimiter } from '../ra/rate-limiter.js';
import type { SecretEnvironment } from '../keys/secret-reference.js';
import type { Config } from './config-schema.js';
import type { Runtime } from './runtime.js';

/** The environment variable that must accompany `acme.validation.loopbackForTests`. */
export const TEST_VALIDATION_ENV = 'CERTFLEET_ACME_TEST_VALIDATION';

export interface AcmeSetup {
  readonly options: AcmePluginOptions;
  readonly challenges: ChallengeService;
  /** Expires stale orders and purges used nonces; run periodically. */
  sweep(): Promise<void>;
}

/** The deployment's ACME key (nonce MACs, external account keys), with the other online secrets. */
export async function openAcmeKey(config: Config): Promise<Uint8Array> {
  return loadOrCreateSecretKey(join(config.dataDir, 'secrets', 'acme.key'), 'the ACME key');
}

/**
 * The HTTPS base URL ACME clients use: the configured one, else the listener's own address (`localhost` when it
 * listens on every interface), read when the first URL is built, after the listener has its port.
 */
export function acmeBaseUrl(config: Config, listenPort: () => number): string {
  if (config.acme.baseUrl !== undefined) return config.acme.baseUrl;
  const { host } = config.server;
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `https://${name}:${listenPort()}`;
}

export async function acmeSetup(
  runtime: Runtime,
  logger: Logger,
  env: SecretEnvironment,
  listenPort: () => number,
): Promise<AcmeSetup> {
  const { config, store, clock } = runtime;
  const settings = config.acme;
  const key = await openAcmeKey(config);
  const urls = new AcmeUrls(() => acmeBaseUrl(config, listenPort));
  const minter = new NonceMinter(key, settings.nonceLifetimeSeconds);
  const issuerByKeyId = issuerLookup(runtime);
  const chainOf = (issuerId: IssuerId): readonly Uint8Array[] => {
    const issuer = runtime.issuers.get(issuerId);
    if (!issuer) return [];
    // Intermediates only: the root is the client's trust anchor and is not sent (RFC 8555 §7.4.2 chain order).
    return [issuer.certificate.der, ...issuer.chain].filter(
      (der) => !runtime.directory.known(der)?.selfIssued,
    );
  };
  const challenges = new ChallengeService({
    orders: store.acmeOrders,
    ra: runtime.ra,
    network: validationNetwork(config, env, logger),
    urls,
    clock,
    log: logger,
  });
  const profiles = Object.entries(settings.profiles).map(([name, profile]) => ({
    name,
    description: profile.description,
    profile: profile.profile,
    ...(profile.validitySeconds === undefined ? {} : { validitySeconds: profile.validitySeconds }),
    lifetime: runtime.profiles.profile(profile.profile).validity,
  }));
  const options: AcmePluginOptions = {
    urls,
    directoryMeta: {
      ...(settings.termsOfService === undefined ? {} : { termsOfService: settings.termsOfService }),
      ...(settings.website === undefined ? {} : { website: settings.website }),
      externalAccountRequired: settings.externalAccountRequired,
      profiles: Object.fromEntries(profiles.map((profile) => [profile.name, profile.description])),
    },
    authenticator: new AcmeAuthenticator({
      accounts: store.acmeAccounts,
      nonces: store.acmeNonces,
      minter,
      urls,
      clock,
      maxBodyBytes: settings.maxBodyBytes,
    }),
    minter,
    accounts: new AccountService(
      { accounts: store.acmeAccounts, externalAccountKeys: new ExternalAccountKeys(key), urls, clock },
      {
        externalAccountRequired: settings.externalAccountRequired,
        termsOfService: settings.termsOfService,
        maxBodyBytes: settings.maxBodyBytes,
      },
    ),
    orders: new OrderService(
      {
        orders: store.acmeOrders,
        ra: runtime.ra,
        identifierPolicy: new AcmeIdentifierPolicy(settings.policy),
        externalAccountKeys: store.acmeAccounts,
        orderLimiter: new RateLimiter(settings.rateLimits.ordersPerAccount, clock),
        identifierLimiter: new RateLimiter(settings.rateLimits.certificatesPerIdentifier, clock),
        certificates: store.certificates,
        chainOf,
        issuerByKeyId,
        urls,
        clock,
      },
      {
        orderLifetimeSeconds: settings.orderLifetimeSeconds,
        authorizationLifetimeSeconds: settings.authorizationLifetimeSeconds,
        profiles,
        ordersPageSize: 100,
      },
    ),
    challenges,
    revocation: new RevocationService({
      revocations: runtime.revocations,
      orders: store.acmeOrders,
      issuerOf: (certificate) => runtime.directory.issuerOf(certificate)?.record.id,
    }),
    renewalInfo: new RenewalInfoService(
      {
        certificates: store.certificates,
        windows: store.renewalWindows,
        issuerByKeyId,
        profiles: runtime.profiles,
        clock,
      },
      settings.renewalInfoRetryAfterSeconds,
    ),
    ra: runtime.ra,
    now: () => clock.now(),
    maxBodyBytes: settings.maxBodyBytes,
  };
  return {
    options,
    challenges,
    async sweep() {
      const now = clock.now();
      // Orders and authorizations a week past their expiry are of no use to anyone; nonces past theirs are refused anyway.
      await store.acmeOrders.expire(now, new Date(now.getTime() - 7 * 86_400_000));
      // Five minutes of grace: a node whose clock runs behind still takes a nonce as live a little longer.
      await store.acmeNonces.purgeExpired(new Date(now.getTime() - 300_000));
    },
  };
}

/**
 * Production checks go to the names' real addresses on 80/443. The loopback mode of tests needs both the config
 * key and the environment variable, so a copied test config alone cannot turn it on.
 */
function validationNetwork(config: Config, env: SecretEnvironment, logger: Logger): ValidationNetwork {
  const { loopbackForTests, timeoutMs } = config.acme.validation;
  if (loopbackForTests === undefined) return productionNetwork(timeoutMs);
  if (env[TEST_VALIDATION_ENV] !== 'loopback') {
    throw new PkiError(
      'CONFIG_INVALID',
      `acme.validation.loopbackForTests is for tests only: it needs ${TEST_VALIDATION_ENV}=loopback in the environment`,
      { details: { path: '/acme/validation/loopbackForTests' } },
    );
  }
  logger.warn(
    { httpPort: loopbackForTests.httpPort, tlsPort: loopbackForTests.tlsPort },
    'ACME challenges are validated against 127.0.0.1 (test mode): never run a real deployment like this',
  );
  return loopbackTestNetwork({ ...loopbackForTests, timeoutMs });
}

/** Our issuers by subject key identifier (hex), for ARI certIDs. */
function issuerLookup(runtime: Runtime): (keyIdHex: string) => IssuerId | undefined {
  return (keyIdHex) => {
    for (const issuer of runtime.issuers.values()) {
      const keyId = issuer.certificate.extensions.subjectKeyId;
      if (keyId !== undefined && bytesToHex(keyId) === keyIdHex) return issuer.record.id;
    }
    return undefined;
  };
}
