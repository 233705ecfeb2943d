import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SerialHex } from '../../src/core/ids.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { readPemAll } from '../../src/pki/pem.js';
import type { CertificateRecord } from '../../src/store/records.js';
import { type AcmeTestServer, startAcmeTestServer } from '../helpers/acme-test-server.js';
import { freePort } from '../helpers/free-port.js';
import { openssl } from '../helpers/openssl.js';
import { type RunResult, type RunningCommand, start } from '../helpers/run.js';

/** Each client step (register + order + validate + finalize, renew, revoke) gets this long. */
const STEP_MS = 60_000;
/** A client is killed a little before its step times out, so the failure shows what it printed. */
const CLIENT_TIMEOUT_MS = STEP_MS - 5_000;

/** Every client still running, so `after` can kill what a failed or timed-out step left behind. */
const running = new Set<RunningCommand>();

/** Runs a real ACME client with extra environment (its trust store); `env` keeps the rest of ours. */
async function client(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<RunResult> {
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  const child = start('env', [...assignments, command, ...args], { timeoutMs: CLIENT_TIMEOUT_MS });
  running.add(child);
  try {
    const result = await child.exited;
    // env exits 127 when the client is missing: a missing interop peer fails, it is never skipped.
    assert.notEqual(result.code, 127, `${command} is not installed; run sh scripts/ensure-test-deps.sh`);
    return result;
  } finally {
    running.delete(child);
  }
}

function assertExitedCleanly(result: RunResult, what: string): void {
  assert.equal(
    result.code,
    0,
    `${what} failed (exit ${String(result.code)}):\n${result.stdout}\n${result.stderr}`,
  );
}

/** One issued certificate as a client stored it: the leaf alone and the intermediates it was sent with. */
interface StoredCertificate {
  readonly leafPath: string;
  readonly chainPath: string;
  readonly serial: SerialHex;
}

/**
 * A PEM bundle split into leaf.pem and chain.pem under `dir` with `prefix`: openssl verify reads only the first
 * certificate of its target file, so the leaf gets a file of its own and the rest become `-untrusted`.
 */
async function splitBundle(bundlePem: string, dir: string, prefix: string): Promise<StoredCertificate> {
  const [leafDer, ...intermediates] = readPemAll(bundlePem, 'CERTIFICATE', 'bundle');
  assert.ok(leafDer, 'the bundle holds a certificate');
  assert.ok(intermediates.length >= 1, 'the server sent the intermediate after the leaf');
  const blocks = bundlePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  const leafPath = join(dir, `${prefix}-leaf.pem`);
  const chainPath = join(dir, `${prefix}-chain.pem`);
  await writeFile(leafPath, blocks[0] ?? '');
  await writeFile(chainPath, blocks.slice(1).join(''));
  return { leafPath, chainPath, serial: parseCertificate(leafDer).serial };
}

/** `openssl verify` of the leaf against our root, for a TLS server named `name`. */
async function assertVerifies(rootPath: string, stored: StoredCertificate, name: string): Promise<void> {
  const verified = await openssl([
    'verify',
    '-CAfile',
    rootPath,
    '-untrusted',
    stored.chainPath,
    '-purpose',
    'sslserver',
    '-verify_hostname',
    name,
    stored.leafPath,
  ]);
  assert.equal(verified.code, 0, verified.stderr || verified.stdout);
  assert.match(verified.stdout, /: OK\s*$/);
}

/** The store's record of the certificate with this serial: exactly one, or the test fails. */
async function recordOf(server: AcmeTestServer, serial: SerialHex): Promise<CertificateRecord> {
  const records = await server.est.server.runtime.store.certificates.findBySerial(serial);
  assert.equal(records.length, 1, `one certificate with serial ${serial} in the store`);
  return records[0]!;
}

after(() => {
  for (const child of running) child.kill();
});

/** The account key a client generated, as `--key-type` asked: what its JWS signatures were made with. */
async function accountKeyOf(path: string): Promise<string> {
  const key = createPrivateKey(await readFile(path, 'utf8'));
  const details = key.asymmetricKeyDetails ?? {};
  return key.asymmetricKeyType === 'rsa'
    ? `rsa${String(details.modulusLength)}`
    : `${String(key.asymmetricKeyType)} ${String(details.namedCurve)}`;
}

/**
 * Debian bookworm's certbot 2.1 and lego 4.9 against our ACME server. One server serves every client: its
 * challenge checks go to the loopback ports the client under test answers on (http-01 on `httpPort`, tls-alpn-01
 * on `tlsPort`), and the clients run one at a time, so the ports are never contended.
 */
describe('certbot and lego against the certfleet ACME server', () => {
  let server: AcmeTestServer;
  let dir: string;
  let rootPath: string;
  let httpPort: number;
  let tlsPort: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-acme-clients-'));
    httpPort = await freePort();
    tlsPort = await freePort();
    server = await startAcmeTestServer({}, { httpPort, tlsPort });
    rootPath = join(dir, 'root.pem');
    await writeFile(rootPath, server.rootPem);
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * certbot: standalone http-01, obtain, forced renewal through its stored renewal configuration, and revocation
   * with a reason. Its account key is RSA, so its JWS are RS256.
   */
  describe('certbot', () => {
    const name = 'gw1.certbot.test';
    let first: StoredCertificate;
    let renewed: StoredCertificate;
    const folder = (...parts: string[]) => join(dir, 'certbot', ...parts);

    function certbot(args: readonly string[]): Promise<RunResult> {
      return client(
        'certbot',
        [
          ...args,
          '--config-dir',
          folder('config'),
          '--work-dir',
          folder('work'),
          '--logs-dir',
          folder('logs'),
          '--non-interactive',
        ],
        { REQUESTS_CA_BUNDLE: rootPath },
      );
    }

    /** What certbot's live/ folder points at now: cert.pem (the leaf) and chain.pem (the rest). */
    async function live(prefix: string): Promise<StoredCertificate> {
      const [leaf, chain] = await Promise.all(
        ['cert.pem', 'chain.pem'].map((file) => readFile(folder('config', 'live', name, file), 'utf8')),
      );
      return splitBundle(`${leaf}${chain}`, dir, `certbot-${prefix}`);
    }

    test(
      'certonly --standalone: registers, validates http-01, obtains a certificate',
      { timeout: STEP_MS },
      async () => {
        const result = await certbot([
          'certonly',
          '--server',
          server.directoryUrl,
          '--agree-tos',
          '-m',
          'ops@certbot.test',
          '--standalone',
          '--http-01-port',
          String(httpPort),
          '--http-01-address',
          '127.0.0.1',
          '-d',
          name,
        ]);
        assertExitedCleanly(result, 'certbot certonly');
        first = await live('first');
        await assertVerifies(rootPath, first, name);
        assert.equal((await recordOf(server, first.serial)).status, 'issued');
      },
    );

    test('renew --force-renewal: a new certificate with a new serial', { timeout: STEP_MS }, async () => {
      assert.ok(first, 'the first certificate was obtained');
      const result = await certbot([
        'renew',
        '--cert-name',
        name,
        '--force-renewal',
        '--no-random-sleep-on-renew',
      ]);
      assertExitedCleanly(result, 'certbot renew');
      renewed = await live('renewed');
      assert.notEqual(renewed.serial, first.serial);
      await assertVerifies(rootPath, renewed, name);
      assert.equal((await recordOf(server, renewed.serial)).status, 'issued');
    });

    test(
      'revoke --reason keycompromise: the store records the revocation',
      { timeout: STEP_MS },
      async () => {
        assert.ok(renewed, 'the certificate was renewed');
        const result = await certbot([
          'revoke',
          '--server',
          server.directoryUrl,
          '--cert-path',
          folder('config', 'live', name, 'cert.pem'),
          '--reason',
          'keycompromise',
          '--no-delete-after-revoke',
        ]);
        assertExitedCleanly(result, 'certbot revoke');
        // Revocation changes what CRLs and OCSP say, not the signature chain: the chain still verifies.
        await assertVerifies(rootPath, renewed, name);
        const record = await recordOf(server, renewed.serial);
        assert.equal(record.status, 'revoked');
        assert.equal(record.revocationReason, 'keyCompromise');
        assert.equal(
          (await recordOf(server, first.serial)).status,
          'issued',
          'only the named certificate is revoked',
        );
      },
    );
  });

  /**
   * lego: `run`, `renew --days 999` (always due) and `revoke`, once per challenge type and account key type.
   * `--key-type` makes the account key as well as the certificate key, so rsa2048 signs its JWS with RS256 and
   * ec384 with ES384 (ec256, ES256, is lego's default).
   */
  for (const scenario of [
    { challenge: 'http-01', keyType: 'ec256', accountKey: 'ec prime256v1', name: 'gw1.lego-http.test' },
    { challenge: 'tls-alpn-01', keyType: 'ec256', accountKey: 'ec prime256v1', name: 'gw1.lego-tls.test' },
    { challenge: 'http-01', keyType: 'rsa2048', accountKey: 'rsa2048', name: 'gw2.lego-http.test' },
    { challenge: 'tls-alpn-01', keyType: 'ec384', accountKey: 'ec secp384r1', name: 'gw2.lego-tls.test' },
  ] as const) {
    describe(`lego ${scenario.challenge} with an ${scenario.keyType} account key`, () => {
      const { name } = scenario;
      const email = `ops@${name}`;
      let first: StoredCertificate;
      let renewed: StoredCertificate;
      const folder = (...parts: string[]) => join(dir, `lego-${name}`, ...parts);

      function lego(command: readonly string[]): Promise<RunResult> {
        const challengeArgs =
          scenario.challenge === 'http-01'
            ? ['--http', '--http.port', `127.0.0.1:${httpPort}`]
            : ['--tls', '--tls.port', `127.0.0.1:${tlsPort}`];
        return client(
          'lego',
          [
            '--server',
            server.directoryUrl,
            '--accept-tos',
            '--email',
            email,
            '--path',
            folder(),
            '--key-type',
            scenario.keyType,
            '--domains',
            name,
            ...challengeArgs,
            ...command,
          ],
          { LEGO_CA_CERTIFICATES: rootPath },
        );
      }

      /** lego's <name>.crt holds the leaf then the issuer (its default bundle). */
      async function stored(prefix: string): Promise<StoredCertificate> {
        const bundle = await readFile(folder('certificates', `${name}.crt`), 'utf8');
        return splitBundle(bundle, dir, `${name}-${prefix}`);
      }

      test('run: registers, validates, obtains a certificate', { timeout: STEP_MS }, async () => {
        assertExitedCleanly(await lego(['run']), 'lego run');
        const accountFolder = folder('accounts', `127.0.0.1_${new URL(server.directoryUrl).port}`, email);
        assert.equal(await accountKeyOf(join(accountFolder, 'keys', `${email}.key`)), scenario.accountKey);
        first = await stored('first');
        await assertVerifies(rootPath, first, name);
        assert.equal((await recordOf(server, first.serial)).status, 'issued');
      });

      test('renew --days 999: a new certificate with a new serial', { timeout: STEP_MS }, async () => {
        assert.ok(first, 'the first certificate was obtained');
        assertExitedCleanly(await lego(['renew', '--days', '999', '--no-random-sleep']), 'lego renew');
        renewed = await stored('renewed');
        assert.notEqual(renewed.serial, first.serial);
        await assertVerifies(rootPath, renewed, name);
        assert.equal((await recordOf(server, renewed.serial)).status, 'issued');
      });

      test('revoke --reason 4: the store records the revocation', { timeout: STEP_MS }, async () => {
        assert.ok(renewed, 'the certificate was renewed');
        assertExitedCleanly(await lego(['revoke', '--keep', '--reason', '4']), 'lego revoke');
        const record = await recordOf(server, renewed.serial);
        assert.equal(record.status, 'revoked');
        assert.equal(record.revocationReason, 'superseded');
        assert.equal(
          (await recordOf(server, first.serial)).status,
          'issued',
          'only the latest certificate is revoked',
        );
      });
    });
  }
});
