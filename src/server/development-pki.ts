import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../core/clock.js';
import { buildCsrWithSigner } from '../pki/csr.js';
import { type AltName, isIpAddress } from '../pki/general-names.js';
import { buildName } from '../pki/name.js';
import { encodePem } from '../pki/pem.js';
import { createPassphraseFile } from '../keys/passphrase-file.js';
import type { SecretEnvironment } from '../keys/secret-reference.js';
import { openStore } from '../store/open-store.js';
import type { Config } from './config-schema.js';
import { DEVELOPMENT_HIERARCHY, setUpHierarchy } from './hierarchy-setup.js';
import { openRuntime, type Runtime } from './runtime.js';

export interface DevelopmentPkiReport {
  readonly createdHierarchy: boolean;
  readonly createdServerCertificate: boolean;
  readonly offlineRootDir: string;
  readonly dataDir: string;
  readonly rootFingerprintSha256?: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * First run: when the store holds no issuers, create a development PKI (offline root in its own folder, two
 * online intermediates), and when the TLS listener has no certificate, issue one for localhost from the
 * operational issuer. Running it again changes nothing.
 */
export async function ensureDevelopmentPki(
  config: Config,
  clock: Clock,
  env: SecretEnvironment,
): Promise<DevelopmentPkiReport> {
  const store = await openStore(config.store.url);
  let createdHierarchy = false;
  let rootFingerprintSha256: string | undefined;
  try {
    if ((await store.issuers.list()).length === 0) {
      const { root } = await setUpHierarchy(config, store, DEVELOPMENT_HIERARCHY, clock, env);
      createdHierarchy = true;
      rootFingerprintSha256 = root.fingerprintSha256;
    }
  } finally {
    await store.close();
  }
  let createdServerCertificate = false;
  if (!(await exists(config.server.tls.certFile))) {
    const runtime = await openRuntime(config, clock, env);
    try {
      await issueServerCertificate(runtime);
      createdServerCertificate = true;
    } finally {
      await runtime.close();
    }
  }
  return {
    createdHierarchy,
    createdServerCertificate,
    offlineRootDir: config.pki.offlineRootDir,
    dataDir: config.dataDir,
    ...(rootFingerprintSha256 === undefined ? {} : { rootFingerprintSha256 }),
  };
}

/** A tls-server certificate for the listener: localhost, the loopback addresses and the configured host. */
export async function issueServerCertificate(runtime: Runtime): Promise<void> {
  const { tls, host } = runtime.config.server;
  const passphraseSource = tls.passphraseSource;
  if (passphraseSource.startsWith('file:') && !(await exists(passphraseSource.slice('file:'.length)))) {
    await createPassphraseFile(passphraseSource.slice('file:'.length));
  }
  const signer = await runtime.keys.generate(
    `file:${tls.keyFile}?passphrase-source=${passphraseSource}`,
    'ec-p256',
  );
  const altNames: AltName[] = [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
  ];
  if (isIpAddress(host) && !['127.0.0.1', '::1', '0.0.0.0', '::'].includes(host))
    altNames.push({ type: 'ip', value: host });
  else if (!isIpAddress(host) && host !== 'localhost')
    altNames.push({ type: 'dns', value: host.toLowerCase() });
  const csr = await buildCsrWithSigner(
    { subject: buildName([{ type: 'CN', value: 'localhost' }]), altNames },
    signer,
  );
  const issued = await runtime.ra.requestCertificate(
    { kind: 'operator', name: 'bootstrap' },
    { csr, profile: 'tls-server', protocol: 'cli', operation: 'bootstrap-tls' },
  );
  await mkdir(dirname(tls.certFile), { recursive: true, mode: 0o700 });
  const pem = [issued.der, ...issued.chain.slice(0, -1)].map((der) => encodePem('CERTIFICATE', der)).join('');
  await writeFile(tls.certFile, pem, { mode: 0o644 });
}
