import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isPkiError } from '../../src/core/pki-error.js';
import { generateKeyPair, type PrivateKey } from '../../src/pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { buildCsr } from '../../src/pki/csr.js';
import { buildName } from '../../src/pki/name.js';
import { readPemAll } from '../../src/pki/pem.js';
import { AcmeClient } from '../../src/protocols/acme/client/acme-client.js';
import { isAcmeClientError } from '../../src/protocols/acme/client/acme-client-error.js';
import { type PebbleServer, startPebble } from '../helpers/pebble.js';
import { run } from '../helpers/run.js';

const WAIT = { timeoutMs: 20_000 };

/** http-01 responses the test serves on the port Pebble's VA connects to (RFC 8555 §8.3). */
interface ChallengeServer {
  readonly port: number;
  readonly keyAuthorizations: Map<string, string>;
  /** `host path` of every request the VA made. */
  readonly requests: string[];
  close(): Promise<void>;
}

async function startChallengeServer(): Promise<ChallengeServer> {
  const keyAuthorizations = new Map<string, string>();
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.headers.host ?? ''} ${request.url ?? ''}`);
    const token = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(request.url ?? '')?.[1];
    const answer = token === undefined ? undefined : keyAuthorizations.get(token);
    response.writeHead(answer === undefined ? 404 : 200, { 'Content-Type': 'application/octet-stream' });
    response.end(answer ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    port: address.port,
    keyAuthorizations,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function ecKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function certificateStatus(
  pebble: PebbleServer,
  serialHex: string,
): Promise<{ Status: string; Reason?: number }> {
  return new Promise((resolve, reject) => {
    get(`${pebble.managementUrl}/cert-status-by-serial/${serialHex}`, { ca: pebble.caPem }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(JSON.parse(body) as { Status: string; Reason?: number }));
    }).on('error', reject);
  });
}

/**
 * certfleet's ACME client (src/protocols/acme/client) against Pebble 2.4 with real http-01 validation: Pebble
 * resolves every name to 127.0.0.1 through pebble-challtestsrv and fetches the key authorization from this test's
 * HTTP server. The tests share one Pebble and run in order.
 */
describe('ACME client against Pebble', () => {
  let pebble: PebbleServer;
  let challenges: ChallengeServer;
  let dir: string;
  const clients: AcmeClient[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certfleet-acme-pebble-'));
    challenges = await startChallengeServer();
    pebble = await startPebble({ httpPort: challenges.port });
  });
  after(async () => {
    clients.forEach((client) => client.close());
    await pebble?.stop();
    await challenges?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function client(accountKey: KeyObject, accountUrl?: string): AcmeClient {
    const made = new AcmeClient({
      directoryUrl: pebble.directoryUrl,
      accountKey,
      ca: pebble.caPem,
      pollIntervalMs: 50,
      ...(accountUrl === undefined ? {} : { accountUrl }),
    });
    clients.push(made);
    return made;
  }

  async function registered(accountKey: KeyObject): Promise<AcmeClient> {
    const acme = client(accountKey);
    await acme.newAccount({ termsOfServiceAgreed: true, contact: ['mailto:ops@certfleet.example'] });
    return acme;
  }

  /** newOrder → http-01 for every authorization → finalize with a fresh P-256 key → download. */
  async function issue(
    acme: AcmeClient,
    names: readonly string[],
  ): Promise<{ chainPem: string; leafDer: Uint8Array; key: PrivateKey }> {
    const { url, order } = await acme.newOrder({
      identifiers: names.map((value) => ({ type: 'dns', value })),
    });
    assert.equal(order.status, 'pending');
    assert.equal(order.authorizations.length, names.length);
    for (const authorizationUrl of order.authorizations) {
      const authorization = await acme.getAuthorization(authorizationUrl);
      const challenge = authorization.challenges.find((candidate) => candidate.type === 'http-01');
      assert.ok(challenge?.token, 'Pebble offers http-01 with a token');
      challenges.keyAuthorizations.set(challenge.token, await acme.keyAuthorization(challenge.token));
      await acme.respondToChallenge(challenge.url);
      const settled = await acme.waitForAuthorization(authorizationUrl, WAIT);
      assert.equal(settled.status, 'valid', JSON.stringify(settled.challenges));
    }
    const ready = await acme.waitForOrder(url, ['ready'], WAIT);
    const key = generateKeyPair('ec-p256');
    const csrDer = buildCsr(
      {
        subject: buildName([{ type: 'CN', value: names[0] ?? '' }]),
        altNames: names.map((value) => ({ type: 'dns' as const, value })),
      },
      key,
    );
    await acme.finalize(ready, csrDer);
    const valid = await acme.waitForOrder(url, ['valid'], WAIT);
    assert.ok(valid.certificate);
    const chainPem = await acme.downloadCertificate(valid.certificate);
    const [leafDer] = readPemAll(chainPem, 'CERTIFICATE', 'chain');
    assert.ok(leafDer);
    return { chainPem, leafDer, key };
  }

  test('directory: the RFC 8555 resources, and no renewalInfo in Pebble 2.4', async () => {
    const acme = client(ecKey());
    const directory = await acme.directory();
    assert.match(directory.newNonce, /^https:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(directory.newAccount && directory.newOrder && directory.revokeCert && directory.keyChange);
    assert.equal(directory.renewalInfo, undefined);
    await assert.rejects(
      () => acme.renewalInfo(parseCertificate(pebble.caPem).der),
      (error: unknown) => isPkiError(error, 'NOT_FOUND'),
    );
  });

  test('ES256 account: order for two names, http-01, finalize, download, openssl verify', async () => {
    const acme = await registered(ecKey());
    const account = await acme.getAccount();
    assert.equal(account.status, 'valid');
    assert.deepEqual(account.contact, ['mailto:ops@certfleet.example']);

    const names = ['sensor-1.certfleet.example', 'sensor-1-mgmt.certfleet.example'];
    const served = challenges.requests.length;
    const { chainPem, leafDer } = await issue(acme, names);
    assert.ok(challenges.requests.length >= served + 2, 'the VA fetched both key authorizations from us');

    const leaf = parseCertificate(leafDer);
    assert.deepEqual(
      leaf.extensions.subjectAltNames?.names
        .map((name) => (name.type === 'dns' ? name.value : name.type))
        .sort(),
      [...names].sort(),
    );
    const { rootPem, intermediatePem } = await pebble.issuers();
    await writeFile(join(dir, 'root.pem'), rootPem);
    await writeFile(join(dir, 'intermediate.pem'), intermediatePem);
    await writeFile(join(dir, 'chain.pem'), chainPem);
    await writeFile(
      join(dir, 'leaf.pem'),
      `${chainPem.split('-----END CERTIFICATE-----')[0]}-----END CERTIFICATE-----\n`,
    );
    const verified = await run('openssl', [
      'verify',
      '-CAfile',
      join(dir, 'root.pem'),
      '-untrusted',
      join(dir, 'intermediate.pem'),
      join(dir, 'leaf.pem'),
    ]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /leaf\.pem: OK/);
    // The chain as downloaded verifies too: leaf first, then Pebble's intermediate.
    const chainVerified = await run('openssl', [
      'verify',
      '-CAfile',
      join(dir, 'root.pem'),
      '-untrusted',
      join(dir, 'chain.pem'),
      join(dir, 'leaf.pem'),
    ]);
    assert.equal(chainVerified.code, 0, chainVerified.stderr);
    // Against another root (the one of Pebble's TLS certificate) it does not verify: the check above is not vacuous.
    await writeFile(join(dir, 'other-root.pem'), pebble.caPem);
    const wrongRoot = await run('openssl', [
      'verify',
      '-CAfile',
      join(dir, 'other-root.pem'),
      '-untrusted',
      join(dir, 'intermediate.pem'),
      join(dir, 'leaf.pem'),
    ]);
    assert.notEqual(wrongRoot.code, 0);
  });

  test('RS256 account; Pebble 2.4 refuses EdDSA account keys', async () => {
    const rsa = await registered(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    assert.equal((await rsa.getAccount()).status, 'valid');
    await issue(rsa, ['rsa-account.certfleet.example']);

    // Pebble 2.4 (Debian) has no EdDSA in its JWS algorithm list; our signer's EdDSA JWS is checked against the
    // certfleet wire decoder instead (jws-signer.test.ts). Should Pebble learn EdDSA, this fails and is turned
    // into a full issuance like the ones above.
    await assert.rejects(
      () => client(generateKeyPairSync('ed25519').privateKey).newAccount({ termsOfServiceAgreed: true }),
      (error: unknown) => isAcmeClientError(error, 'badPublicKey') && /ed25519/i.test(error.detail),
    );
  });

  test('newAccount with the same key returns the existing account; onlyReturnExisting', async () => {
    const key = ecKey();
    const first = await client(key).newAccount({ termsOfServiceAgreed: true });
    assert.equal(first.created, true);
    const again = await client(key).newAccount({ termsOfServiceAgreed: true });
    assert.equal(again.created, false);
    assert.equal(again.url, first.url);
    const existing = await client(key).newAccount({ onlyReturnExisting: true });
    assert.equal(existing.url, first.url);
    await assert.rejects(
      () => client(ecKey()).newAccount({ onlyReturnExisting: true }),
      (error: unknown) => isAcmeClientError(error, 'accountDoesNotExist'),
    );
  });

  test('updateAccount changes the contact', async () => {
    const acme = await registered(ecKey());
    const updated = await acme.updateAccount(['mailto:new-ops@certfleet.example']);
    assert.deepEqual(updated.contact, ['mailto:new-ops@certfleet.example']);
    assert.deepEqual((await acme.getAccount()).contact, ['mailto:new-ops@certfleet.example']);
  });

  test('revocation by the account (kid), then alreadyRevoked', async () => {
    const acme = await registered(ecKey());
    const { leafDer } = await issue(acme, ['revoke-by-account.certfleet.example']);
    const serial = parseCertificate(leafDer).serial;
    assert.equal((await certificateStatus(pebble, serial)).Status, 'Valid');
    await acme.revokeCertificate(leafDer, { reason: 4 });
    const status = await certificateStatus(pebble, serial);
    assert.equal(status.Status, 'Revoked');
    assert.equal(status.Reason, 4);
    await assert.rejects(
      () => acme.revokeCertificate(leafDer),
      (error: unknown) => isAcmeClientError(error, 'alreadyRevoked'),
    );
  });

  test('revocation signed by the certificate key (jwk), no account involved', async () => {
    const acme = await registered(ecKey());
    const { leafDer, key } = await issue(acme, ['revoke-by-key.certfleet.example']);
    // A client with an unregistered account key: only the certificate key can authorize this.
    const stranger = client(ecKey());
    await assert.rejects(
      () => stranger.revokeCertificate(leafDer, { key: ecKey() }),
      (error: unknown) => isAcmeClientError(error),
    );
    await stranger.revokeCertificate(leafDer, { key: key.material });
    assert.equal((await certificateStatus(pebble, parseCertificate(leafDer).serial)).Status, 'Revoked');
  });

  test('key change: the new key signs for the account, the old one no longer does', async () => {
    const oldKey = ecKey();
    const acme = await registered(oldKey);
    const accountUrl = acme.accountUrl;
    const newKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    await acme.changeKey(newKey);
    assert.equal(acme.accountKey, newKey);
    assert.equal((await acme.getAccount()).status, 'valid');
    assert.equal((await client(newKey).newAccount({ onlyReturnExisting: true })).url, accountUrl);
    await assert.rejects(
      () => client(oldKey).newAccount({ onlyReturnExisting: true }),
      (error: unknown) => isAcmeClientError(error, 'accountDoesNotExist'),
    );
    // Rolling another account onto a key that is already bound is refused. RFC 8555 §7.3.5 asks for 409;
    // Pebble 2.4 answers 500 serverInternal ("New public key is already in use"), so only the refusal is checked.
    const other = await registered(ecKey());
    await assert.rejects(
      () => other.changeKey(newKey),
      (error: unknown) => isAcmeClientError(error) && /already in use/.test(error.detail),
    );
    assert.notEqual(other.accountKey, newKey);
  });

  test('deactivation: the account is deactivated and refused afterwards', async () => {
    const acme = await registered(ecKey());
    const deactivated = await acme.deactivateAccount();
    assert.equal(deactivated.status, 'deactivated');
    await assert.rejects(
      () => acme.newOrder({ identifiers: [{ type: 'dns', value: 'after-deactivation.certfleet.example' }] }),
      (error: unknown) => isAcmeClientError(error, 'unauthorized'),
    );
  });

  test('badNonce: a used nonce is retried once with the fresh nonce from the refusal', async () => {
    const acme = await registered(ecKey());
    // Capture a nonce Pebble has already consumed.
    let usedNonce = '';
    await acme.post(acme.accountUrl ?? '', '', {
      mutateProtected: (header) => {
        usedNonce = String(header['nonce']);
      },
    });
    let attempts = 0;
    const answer = await acme.post(acme.accountUrl ?? '', '', {
      mutateProtected: (header) => {
        attempts += 1;
        if (attempts === 1) header['nonce'] = usedNonce;
      },
    });
    assert.equal(answer.status, 200);
    assert.equal(attempts, 2);
    // The same through the ordinary API: a stale nonce in the pool costs one retry, not a failure.
    acme.nonces.add(usedNonce);
    assert.equal((await acme.getAccount()).status, 'valid');
    // Without the retry the refusal is a typed badNonce.
    await assert.rejects(
      () =>
        acme.post(acme.accountUrl ?? '', '', {
          retryOnBadNonce: false,
          mutateProtected: (header) => {
            header['nonce'] = usedNonce;
          },
        }),
      (error: unknown) => isAcmeClientError(error, 'badNonce') && error.status === 400,
    );
  });

  test('the escape hatch sends what a server must refuse', async () => {
    const acme = await registered(ecKey());
    const accountUrl = acme.accountUrl ?? '';
    const refusal = async (options: Parameters<AcmeClient['post']>[2]): Promise<string> => {
      try {
        await acme.post(accountUrl, '', options);
      } catch (error) {
        if (isAcmeClientError(error)) return `${error.status} ${error.problemType ?? error.type}`;
        throw error;
      }
      return 'accepted';
    };
    // Pebble 2.4 answers all of these `malformed`; RFC 8555 §6.2 would have `badSignatureAlgorithm` for alg none
    // (and lists it as what the certfleet server sends).
    const wrongUrl = (header: Record<string, unknown>) => ({ ...header, url: `${accountUrl}/elsewhere` });
    assert.equal(await refusal({ mutateProtected: wrongUrl }), '400 malformed');
    assert.equal(
      await refusal({ mutateProtected: (header) => ({ ...header, alg: 'none' }) }),
      '400 malformed',
    );
    assert.equal(
      await refusal({ rawBody: '{"protected":"e30","payload":"","signature":""}' }),
      '400 malformed',
    );
    assert.equal(await refusal({ contentType: 'application/json' }), '415 malformed');
    // …and the same request untouched is accepted, so each refusal is down to the one thing changed.
    assert.equal(await refusal({}), 'accepted');
  });
});

describe('ACME client against Pebble with external account binding required', () => {
  const hmacKey = new Uint8Array(Buffer.from('certfleet-eab-test-mac-key-0123456789abcdef'));
  let pebble: PebbleServer;

  before(async () => {
    pebble = await startPebble({
      externalAccountBindingRequired: true,
      externalAccountMacKeys: { 'kid-certfleet': Buffer.from(hmacKey).toString('base64url') },
    });
  });
  after(async () => {
    await pebble?.stop();
  });

  test('newAccount with a valid binding succeeds; without one, or with a wrong MAC key, it is refused', async () => {
    const acme = (): AcmeClient =>
      new AcmeClient({ directoryUrl: pebble.directoryUrl, accountKey: ecKey(), ca: pebble.caPem });
    const clients = [acme(), acme(), acme()] as const;
    try {
      assert.equal((await clients[0].directory()).meta?.externalAccountRequired, true);
      await assert.rejects(
        () => clients[0].newAccount({ termsOfServiceAgreed: true }),
        (error: unknown) => isAcmeClientError(error, 'externalAccountRequired'),
      );
      await assert.rejects(
        () =>
          clients[1].newAccount({
            termsOfServiceAgreed: true,
            externalAccountBinding: { keyId: 'kid-certfleet', hmacKey: new Uint8Array(32) },
          }),
        (error: unknown) => isAcmeClientError(error),
      );
      const created = await clients[2].newAccount({
        termsOfServiceAgreed: true,
        externalAccountBinding: { keyId: 'kid-certfleet', hmacKey },
      });
      assert.equal(created.account.status, 'valid');
    } finally {
      clients.forEach((client) => client.close());
    }
  });
});
