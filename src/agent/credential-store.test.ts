import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCertificate, type TestCredential } from '../../test/helpers/pki-fixtures.js';
import { isPkiError } from '../core/pki-error.js';
import { encodePem } from '../pki/pem.js';
import { keyToPem, loadCredential } from './credential-pair.js';
import { type CredentialGeneration, type CredentialStore, INITIAL_AGENT_STATE } from './credential-store.js';
import { FileCredentialStore } from './file-credential-store.js';
import { MemoryCredentialStore } from './memory-credential-store.js';

const issuer = makeTestCertificate({ subject: 'Issuing CA', ca: true, pathLength: 0 });

function generation(subject = 'device-1'): CredentialGeneration {
  const leaf = makeTestCertificate({ subject, issuer });
  return pairOf(leaf);
}

function pairOf(credential: TestCredential): CredentialGeneration {
  return {
    serial: credential.cert.serial,
    certificatePem: encodePem('CERTIFICATE', credential.cert.der) + encodePem('CERTIFICATE', issuer.cert.der),
    keyPem: keyToPem(credential.key),
  };
}

const { certificatePem, keyPem } = pairOf(makeTestCertificate({ subject: 'birth', issuer }));
const idevid = { certificatePem, keyPem };
const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** The same contract for both stores: what the agent and the simulator rely on. */
const backends: Array<[string, () => Promise<CredentialStore>]> = [
  ['MemoryCredentialStore', () => Promise.resolve(new MemoryCredentialStore(idevid, 'ANCHORS'))],
  [
    'FileCredentialStore',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'certfleet-agent-store-'));
      dirs.push(dir);
      await writeFile(join(dir, 'idevid.pem'), idevid.certificatePem);
      await writeFile(join(dir, 'idevid.key'), idevid.keyPem, { mode: 0o600 });
      const store = new FileCredentialStore(join(dir, 'state'), {
        idevidCertFile: join(dir, 'idevid.pem'),
        idevidKeyFile: join(dir, 'idevid.key'),
      });
      await store.setTrustAnchorsPem('ANCHORS');
      return store;
    },
  ],
];

for (const [name, open] of backends) {
  describe(`CredentialStore contract: ${name}`, () => {
    test('starts with the IDevID, the anchors and no operational pair', async () => {
      const store = await open();
      assert.deepEqual(await store.idevid(), idevid);
      assert.equal(await store.trustAnchorsPem(), 'ANCHORS');
      assert.equal(await store.current(), undefined);
      assert.equal(await store.previous(), undefined);
      assert.deepEqual(await store.readState(), INITIAL_AGENT_STATE);
    });

    test('install makes a pair current and keeps the one before as previous', async () => {
      const store = await open();
      const [a, b, c] = [generation(), generation(), generation()];
      await store.install(a);
      assert.deepEqual(await store.current(), a);
      assert.equal(await store.previous(), undefined);
      await store.install(b);
      assert.deepEqual(await store.current(), b);
      assert.deepEqual(await store.previous(), a);
      await store.install(c);
      assert.deepEqual(await store.current(), c);
      assert.deepEqual(await store.previous(), b);
      const loaded = loadCredential((await store.current())!, 'current');
      assert.equal(loaded.leaf.serial, c.serial);
      assert.equal(loaded.chain.length, 1);
    });

    test('refuses to install the current generation again or a pair whose key is not the certificate’s', async () => {
      const store = await open();
      const a = generation();
      await store.install(a);
      await assert.rejects(store.install(a), (e) => isPkiError(e, 'CONFLICT'));
      const mismatched = { ...generation(), keyPem: generation().keyPem };
      await assert.rejects(store.install(mismatched), (e) => isPkiError(e, 'MALFORMED_INPUT'));
      assert.deepEqual(await store.current(), a);
    });

    test('restorePrevious points current back at the previous pair', async () => {
      const store = await open();
      await assert.rejects(store.restorePrevious(), (e) => isPkiError(e, 'NOT_FOUND'));
      const [a, b] = [generation(), generation()];
      await store.install(a);
      await store.install(b);
      await store.restorePrevious();
      assert.deepEqual(await store.current(), a);
    });

    test('state and anchors round-trip', async () => {
      const store = await open();
      const state = {
        consecutiveFailures: 3,
        lastFailure: { cause: 'unreachable' as const, message: 'down' },
        retryAt: '2030-01-01T00:00:00.000Z',
        clockOffsetMs: -1234,
        renewal: { serial: 'ab', jitter: 0.25, renewAt: '2030-01-20T00:00:00.000Z' },
        renewalPolicy: { lifetimeSeconds: 100, renewAfterSeconds: 60 },
        renewalInfo: {
          serial: 'ab',
          start: '2030-01-05T00:00:00.000Z',
          end: '2030-01-07T00:00:00.000Z',
          nextCheckAt: '2030-01-01T06:00:00.000Z',
          explanationUrl: 'https://pki.example/why',
        },
      };
      await store.writeState(state);
      assert.deepEqual(await store.readState(), state);
      await store.setTrustAnchorsPem('NEW ANCHORS');
      assert.equal(await store.trustAnchorsPem(), 'NEW ANCHORS');
    });
  });
}
