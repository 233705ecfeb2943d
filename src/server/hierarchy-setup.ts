import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { type IssuerId, toIssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { type HierarchyPlan, initHierarchy } from '../ca/ceremonies/hierarchy.js';
import { ROOT_PASSPHRASE_FILE } from '../ca/ceremonies/offline-root.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import type { KeyAlgorithmName } from '../pki/algorithms/key-algorithm.js';
import { buildName } from '../pki/name.js';
import { createPassphraseFile } from '../keys/passphrase-file.js';
import type { SecretEnvironment } from '../keys/secret-reference.js';
import type { Store } from '../store/store.js';
import type { IssuerRecord } from '../store/records.js';
import type { Config } from './config-schema.js';
import { keyStoreFor } from './runtime.js';

export interface HierarchyOptions {
  readonly organization: string;
  readonly rootCommonName: string;
  readonly rootKeyAlgorithm: KeyAlgorithmName;
  readonly intermediateKeyAlgorithm: KeyAlgorithmName;
  /** A secret reference for the root key's passphrase; a fresh passphrase file in the offline folder if absent. */
  readonly rootPassphraseSource?: string;
  /** Ids of the online intermediates, by role. */
  readonly factoryId: string;
  readonly operationalId: string;
}

/** The offline root's CRL is signed in ceremonies only, so it lives long: 180 days. */
export const ROOT_CRL_VALIDITY_SECONDS = 180 * 86_400;

export const DEVELOPMENT_HIERARCHY: HierarchyOptions = {
  organization: 'certfleet development',
  rootCommonName: 'certfleet Development Root CA',
  rootKeyAlgorithm: 'ec-p384',
  intermediateKeyAlgorithm: 'ec-p256',
  factoryId: 'factory',
  operationalId: 'operational',
};

/** Where an online intermediate's key and passphrase live inside the data folder. */
export function onlineKeyPaths(config: Config, id: string): { keyFile: string; passphraseFile: string } {
  return {
    keyFile: join(config.dataDir, 'keys', `${id}.key.pem`),
    passphraseFile: join(config.dataDir, 'secrets', `${id}.pass`),
  };
}

function issuerId(text: string): IssuerId {
  const id = toIssuerId(text);
  if (!id)
    throw new PkiError(
      'MALFORMED_INPUT',
      `'${text}' is not a valid issuer id (lower-case letters, digits, dashes)`,
    );
  return id;
}

/**
 * Creates the offline root (in `pki.offlineRootDir`) and the factory (IDevID) and operational (LDevID)
 * intermediates (keys in the data folder, each encrypted under its own random passphrase file), and records
 * them in the store.
 */
export async function setUpHierarchy(
  config: Config,
  store: Store,
  options: HierarchyOptions,
  clock: Clock,
  env: SecretEnvironment,
): Promise<{ root: ParsedCertificate; intermediates: IssuerRecord[] }> {
  if ((await store.issuers.list()).length > 0) {
    throw new PkiError('CONFLICT', 'a CA hierarchy exists already; see `certfleet ca list`');
  }
  const offlineDir = config.pki.offlineRootDir;
  const rootPassphraseSource =
    options.rootPassphraseSource ?? (await createPassphraseFile(join(offlineDir, ROOT_PASSPHRASE_FILE)));
  const intermediates = [
    { id: options.factoryId, label: 'Factory' },
    { id: options.operationalId, label: 'Operational' },
  ];
  const plannedIntermediates = [];
  for (const { id, label } of intermediates) {
    const paths = onlineKeyPaths(config, id);
    const passphraseSource = await createPassphraseFile(paths.passphraseFile);
    plannedIntermediates.push({
      id: issuerId(id),
      subject: buildName([
        { type: 'O', value: options.organization },
        { type: 'CN', value: `${options.organization} ${label} CA` },
      ]),
      keyAlgorithm: options.intermediateKeyAlgorithm,
      keyUri: `file:${paths.keyFile}?passphrase-source=${passphraseSource}`,
    });
  }
  const plan: HierarchyPlan = {
    rootId: issuerId('root'),
    offline: { dir: offlineDir, passphraseSource: rootPassphraseSource },
    rootSubject: buildName([
      { type: 'O', value: options.organization },
      { type: 'CN', value: options.rootCommonName },
    ]),
    rootKeyAlgorithm: options.rootKeyAlgorithm,
    intermediates: plannedIntermediates,
    rootCrl: { url: `${config.pki.publicBaseUrl}/crl/root.crl`, validitySeconds: ROOT_CRL_VALIDITY_SECONDS },
  };
  const keys = keyStoreFor(env);
  return initHierarchy(plan, {
    offlineKeys: keys,
    onlineKeys: keys,
    issuers: store.issuers,
    audit: store.audit,
    crls: store.crls,
    clock,
  });
}
