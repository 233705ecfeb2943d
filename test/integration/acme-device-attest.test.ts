import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IssuerId, SerialHex } from '../../src/core/ids.js';
import { generateKeyPair } from '../../src/pki/algorithms/key-algorithm.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { buildCsr } from '../../src/pki/csr.js';
import { DEFAULT_DEVICE_URI_PREFIX } from '../../src/pki/device-identity.js';
import { parseDistinguishedName } from '../../src/pki/name.js';
import { encodePem, readPemAll } from '../../src/pki/pem.js';
import type { AcmeClient } from '../../src/protocols/acme/client/acme-client.js';
import { isAcmeClientError } from '../../src/protocols/acme/client/acme-client-error.js';
import type { AcmeChallenge, AcmeOrder } from '../../src/protocols/acme/client/acme-resources.js';
import { buildDeviceAttestation } from '../../src/protocols/acme/client/device-attestation-builder.js';
import { ACME_ERROR_NAMESPACE } from '../../src/protocols/acme/wire/acme-problem.js';
import { encodeBase64url } from '../../src/protocols/acme/wire/base64url.js';
import { type AcmeTestServer, startAcmeTestServer } from '../helpers/acme-test-server.js';
import type { ClientCredential } from '../helpers/est-server.js';
import { openssl } from '../helpers/openssl.js';
import { makeTestCertificate } from '../helpers/pki-fixtures.js';

/** What a device holds for device-attest-01: its IDevID key and chain (IDevID first, no root). */
interface Idevid {
  readonly key: ClientCredential['key'];
  readonly chain: readonly Uint8Array[];
}

function idevidOf(credential: ClientCredential): Idevid {
  return { key: credential.key, chain: readPemAll(credential.certificatePem, 'CERTIFICATE', 'IDevID chain') };
}

/** One device order as far as its device-attest-01 challenge. */
interface DeviceOrder {
  readonly client: AcmeClient;
  readonly orderUrl: string;
  readonly order: AcmeOrder;
  readonly authorizationUrl: string;
  readonly challenge: AcmeChallenge & { readonly token: string };
}

const badAttestation = `${ACME_ERROR_NAMESPACE}badAttestationStatement`;

describe('ACME device-attest-01 end to end (IDevID → LDevID)', () => {
  let server: AcmeTestServer;
  let idevid: Idevid;

  before(async () => {
    server = await startAcmeTestServer();
    // The factory's birth certificate for DEV-0042, made through the operator as a factory station would.
    idevid = idevidOf(await server.est.issue('idevid', 'serialNumber=DEV-0042'));
  });
  after(async () => {
    await server.close();
  });

  async function deviceOrder(deviceId: string): Promise<DeviceOrder> {
    const client = server.client();
    await client.newAccount({ termsOfServiceAgreed: true });
    const { url: orderUrl, order } = await client.newOrder({
      identifiers: [{ type: 'permanent-identifier', value: deviceId }],
    });
    assert.equal(order.status, 'pending');
    assert.equal(order.authorizations.length, 1);
    const authorizationUrl = order.authorizations[0]!;
    const authorization = await client.getAuthorization(authorizationUrl);
    assert.deepEqual(authorization.identifier, { type: 'permanent-identifier', value: deviceId });
    assert.deepEqual(
      authorization.challenges.map((challenge) => challenge.type),
      ['device-attest-01'],
    );
    const challenge = authorization.challenges[0]!;
    assert.equal(challenge.status, 'pending');
    assert.ok(challenge.token);
    return { client, orderUrl, order, authorizationUrl, challenge: { ...challenge, token: challenge.token } };
  }

  function attObjFor(device: Idevid, keyAuthorization: string): string {
    return encodeBase64url(
      buildDeviceAttestation({ keyAuthorization, privateKey: device.key.material, chain: device.chain }),
    );
  }

  async function ldevidCount(): Promise<number> {
    return server.est.server.runtime.store.certificates.count({ profile: 'ldevid' });
  }

  /** The challenge answered invalid with badAttestationStatement, the order ended, and nothing was issued. */
  async function assertRefused(
    order: DeviceOrder,
    answer: AcmeChallenge,
    issuedBefore: number,
  ): Promise<string> {
    assert.equal(answer.status, 'invalid');
    const error = answer.error as { type?: unknown; detail?: unknown } | undefined;
    assert.equal(error?.type, badAttestation, JSON.stringify(error));
    assert.equal((await order.client.getAuthorization(order.authorizationUrl)).status, 'invalid');
    const ended = await order.client.getOrder(order.orderUrl);
    assert.equal(ended.status, 'invalid');
    assert.equal((ended.error as { type?: unknown } | undefined)?.type, badAttestation);
    assert.equal(await ldevidCount(), issuedBefore, 'no certificate was issued');
    return String(error?.detail);
  }

  it('attests with the IDevID, then issues an LDevID for a new key that openssl verifies', async () => {
    const order = await deviceOrder('DEV-0042');
    const keyAuthorization = await order.client.keyAuthorization(order.challenge.token);
    const answered = await order.client.respondToChallenge(order.challenge.url, {
      attObj: attObjFor(idevid, keyAuthorization),
    });
    // device-attest-01 is judged on the POST itself: the answer is final.
    assert.equal(answered.status, 'valid', JSON.stringify(answered.error));
    assert.equal((await order.client.getAuthorization(order.authorizationUrl)).status, 'valid');
    const ready = await order.client.waitForOrder(order.orderUrl, ['ready'], { timeoutMs: 5000 });

    const ldevidKey = generateKeyPair('ec-p256');
    const csr = buildCsr(
      { subject: parseDistinguishedName('serialNumber=DEV-0042'), altNames: [] },
      ldevidKey,
    );
    const valid = await order.client.finalize(ready, csr);
    assert.equal(valid.status, 'valid');
    assert.ok(valid.certificate);
    const chain = readPemAll(
      await order.client.downloadCertificate(valid.certificate),
      'CERTIFICATE',
      'chain',
    );
    assert.ok(chain.length >= 2, 'leaf and its intermediate');
    const leaf = parseCertificate(chain[0]!);
    assert.deepEqual(leaf.spkiDer, ldevidKey.spki, 'the LDevID certifies the new key');
    assert.notDeepEqual(leaf.spkiDer, parseCertificate(idevid.chain[0]!).spkiDer);
    const uris = (leaf.extensions.subjectAltNames?.names ?? []).flatMap((name) =>
      name.type === 'uri' ? [name.value] : [],
    );
    assert.deepEqual(uris, [`${DEFAULT_DEVICE_URI_PREFIX}DEV-0042`]);

    const record = await server.est.server.runtime.store.certificates.get(
      await issuerOf(leaf.serial),
      leaf.serial,
    );
    assert.equal(record?.profile, 'ldevid');
    assert.equal(record?.deviceId, 'DEV-0042');
    assert.equal(record?.requestedVia, 'acme');

    const dir = await mkdtemp(join(tmpdir(), 'certfleet-acme-attest-'));
    try {
      await writeFile(join(dir, 'root.pem'), server.rootPem);
      await writeFile(join(dir, 'leaf.pem'), encodePem('CERTIFICATE', chain[0]!));
      await writeFile(
        join(dir, 'untrusted.pem'),
        chain
          .slice(1)
          .map((der) => encodePem('CERTIFICATE', der))
          .join(''),
      );
      const verified = await openssl(
        ['verify', '-CAfile', 'root.pem', '-untrusted', 'untrusted.pem', 'leaf.pem'],
        { cwd: dir },
      );
      assert.equal(verified.code, 0, verified.stderr + verified.stdout);
      assert.match(verified.stdout, /leaf\.pem: OK/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an attestation signed over another key authorization', async () => {
    const order = await deviceOrder('DEV-0042');
    // What another account would have to sign for the same token: a replayed or borrowed attestation.
    const other = server.client();
    const otherKeyAuthorization = await other.keyAuthorization(order.challenge.token);
    const issued = await ldevidCount();
    const answer = await order.client.respondToChallenge(order.challenge.url, {
      attObj: attObjFor(idevid, otherKeyAuthorization),
    });
    assert.match(await assertRefused(order, answer, issued), /signature over the key authorization/);
  });

  it("refuses another device's IDevID", async () => {
    const order = await deviceOrder('DEV-0043');
    const issued = await ldevidCount();
    const keyAuthorization = await order.client.keyAuthorization(order.challenge.token);
    const answer = await order.client.respondToChallenge(order.challenge.url, {
      attObj: attObjFor(idevid, keyAuthorization),
    });
    assert.match(await assertRefused(order, answer, issued), /not the device this identifier names/);
  });

  it('refuses an IDevID for the right device from a CA the deployment does not trust', async () => {
    const rogueRoot = makeTestCertificate({ subject: 'Rogue Manufacturer Root', ca: true });
    const forged = makeTestCertificate({
      subject: 'DEV-0042',
      dn: 'serialNumber=DEV-0042',
      issuer: rogueRoot,
      notBefore: new Date(Date.now() - 3600_000),
    });
    const order = await deviceOrder('DEV-0042');
    const issued = await ldevidCount();
    const keyAuthorization = await order.client.keyAuthorization(order.challenge.token);
    const answer = await order.client.respondToChallenge(order.challenge.url, {
      attObj: attObjFor({ key: forged.key, chain: [forged.cert.der, rogueRoot.cert.der] }, keyAuthorization),
    });
    assert.match(await assertRefused(order, answer, issued), /IDevID is not accepted: no trusted issuer/);
  });

  it('refuses a revoked IDevID', async () => {
    const revoked = idevidOf(await server.est.issue('idevid', 'serialNumber=DEV-0045'));
    const { serial } = parseCertificate(revoked.chain[0]!);
    const summary = await server.est.server.runtime.revocations.revoke(
      { kind: 'operator', name: 'test' },
      { kind: 'certificate', serial, issuerId: await issuerOf(serial) },
      'keyCompromise',
    );
    assert.equal(summary.revoked, 1);
    const order = await deviceOrder('DEV-0045');
    const issued = await ldevidCount();
    const keyAuthorization = await order.client.keyAuthorization(order.challenge.token);
    const answer = await order.client.respondToChallenge(order.challenge.url, {
      attObj: attObjFor(revoked, keyAuthorization),
    });
    assert.match(await assertRefused(order, answer, issued), /IDevID is not accepted: .*revoked/);
  });

  it('answers malformed to an attObj that is not base64url, and the challenge stays pending', async () => {
    const order = await deviceOrder('DEV-0042');
    const refusal = await order.client
      .respondToChallenge(order.challenge.url, { attObj: 'not base64url: +/=' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(isAcmeClientError(refusal, 'malformed'), String(refusal));
    assert.equal(refusal.status, 400);
    const authorization = await order.client.getAuthorization(order.authorizationUrl);
    assert.equal(authorization.status, 'pending');
    assert.equal(authorization.challenges[0]?.status, 'pending');
    assert.equal((await order.client.getOrder(order.orderUrl)).status, 'pending');
  });

  it('rejects an order that mixes a device identifier with a dns identifier', async () => {
    const client = server.client();
    await client.newAccount({ termsOfServiceAgreed: true });
    const refusal = await client
      .newOrder({
        identifiers: [
          { type: 'permanent-identifier', value: 'DEV-0042' },
          { type: 'dns', value: 'dev-0042.fleet.test' },
        ],
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(isAcmeClientError(refusal, 'rejectedIdentifier'), String(refusal));
    assert.equal(refusal.status, 400);
  });

  /** The issuer the store recorded for one of the deployment's serials. */
  async function issuerOf(serial: SerialHex): Promise<IssuerId> {
    const [record] = await server.est.server.runtime.store.certificates.findBySerial(serial);
    assert.ok(record, `serial ${serial} is recorded`);
    return record.issuerId;
  }
});
