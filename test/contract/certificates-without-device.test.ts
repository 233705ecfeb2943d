import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SerialHex } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { PreparedCertificate } from '../../src/store/records.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import type { StoreUnderTest } from '../helpers/store-engines.js';
import {
  T0,
  at,
  issuedAudit,
  issuerRecord,
  preparedCertificate,
  revocationRequest,
  revokedAudit,
  signedCertificate,
  uniqueDeviceId,
} from './store-records.js';

const DAY_SECONDS = 86_400;

/**
 * Certificates of two issuers around T0 in every situation listIssuedWithoutDevice must tell apart: the
 * profile asked for is unique to the test, as the suite shares one store.
 */
async function certificates(t: StoreUnderTest, profile: string) {
  const [a, b] = [issuerRecord(), issuerRecord()];
  await t.store.issuers.add(a);
  await t.store.issuers.add(b);
  const make = (
    issuer: typeof a,
    serial: string,
    notAfterSeconds: number,
    overrides: Partial<PreparedCertificate> = {},
  ) =>
    preparedCertificate(issuer.id, {
      serial: serial as SerialHex,
      profile,
      notAfter: at(notAfterSeconds),
      ...overrides,
    });
  const listed = [
    make(a, '0a', 10 * DAY_SECONDS),
    make(a, '0b', 5 * DAY_SECONDS),
    make(b, '0b', 5 * DAY_SECONDS),
    make(a, '0c', 0), // expires at T0 itself: still valid at it
  ];
  const notListed = {
    expired: make(a, '1a', -1),
    prepared: make(a, '1b', 20 * DAY_SECONDS),
    revoked: make(a, '1c', 20 * DAY_SECONDS),
    device: make(a, '1d', 20 * DAY_SECONDS, { deviceId: uniqueDeviceId() }),
    otherProfile: make(a, '1e', 20 * DAY_SECONDS, { profile: `${profile}-other` }),
  };
  const all = [...listed, ...Object.values(notListed)];
  await t.store.ledger.recordPrepared(all, at(-30 * DAY_SECONDS));
  const signed = all.filter((c) => c !== notListed.prepared);
  await t.store.ledger.recordSigned(
    signed.map(signedCertificate),
    at(-30 * DAY_SECONDS),
    issuedAudit(at(-30 * DAY_SECONDS)),
  );
  await t.store.lifecycle.revoke(
    [revocationRequest(notListed.revoked)],
    at(-DAY_SECONDS),
    revokedAudit(at(-DAY_SECONDS)),
  );
  return { a, b };
}

function keys(list: readonly { issuerId: string; serial: string }[]): string[] {
  return list.map((c) => `${c.issuerId}/${c.serial}`);
}

for (const engine of storeEngines) {
  describe(`CertificateReader.listIssuedWithoutDevice (${engine.name})`, () => {
    const current = useStore(engine);

    test('issued, unexpired certificates of the profile that belong to no device, by notAfter then serial', async () => {
      const { store } = current();
      const { a, b } = await certificates(current(), 'code-signing-1');
      const list = await store.certificates.listIssuedWithoutDevice({
        profile: 'code-signing-1',
        validAt: T0,
      });
      assert.deepEqual(keys(list), [`${a.id}/0c`, ...[`${a.id}/0b`, `${b.id}/0b`].sort(), `${a.id}/0a`]);
      const first = list[0];
      assert.equal(first?.status, 'issued');
      assert.equal(first?.profile, 'code-signing-1');
      assert.equal(first?.deviceId, null);
      assert.equal(first?.notAfter.getTime(), T0.getTime());
      assert.ok(first?.der instanceof Uint8Array);
      // A moment later the one expiring at T0 has expired.
      assert.deepEqual(
        keys(await store.certificates.listIssuedWithoutDevice({ profile: 'code-signing-1', validAt: at(1) })),
        keys(list).slice(1),
      );
      // The other profile is asked for by its name.
      assert.equal(
        (await store.certificates.listIssuedWithoutDevice({ profile: 'code-signing-1-other', validAt: T0 }))
          .length,
        1,
      );
      assert.deepEqual(
        await store.certificates.listIssuedWithoutDevice({ profile: 'no-such-profile', validAt: T0 }),
        [],
      );
    });

    test('at most limit (100 unless told), the earliest to expire first', async () => {
      const { store } = current();
      await certificates(current(), 'code-signing-2');
      const two = await store.certificates.listIssuedWithoutDevice({
        profile: 'code-signing-2',
        validAt: T0,
        limit: 2,
      });
      assert.deepEqual(
        two.map((c) => c.serial),
        ['0c', '0b'],
      );
      const issuer = issuerRecord();
      await store.issuers.add(issuer);
      const many = Array.from({ length: 120 }, () =>
        preparedCertificate(issuer.id, { profile: 'code-signing-3', notAfter: at(DAY_SECONDS) }),
      );
      await store.ledger.recordPrepared(many, T0);
      await store.ledger.recordSigned(many.map(signedCertificate), T0, issuedAudit(T0));
      assert.equal(
        (await store.certificates.listIssuedWithoutDevice({ profile: 'code-signing-3', validAt: T0 })).length,
        100,
      );
    });

    test('a bad time or limit is MALFORMED_INPUT, and changes nothing', async () => {
      const { store } = current();
      await certificates(current(), 'code-signing-4');
      const before = await store.certificates.listIssuedWithoutDevice({
        profile: 'code-signing-4',
        validAt: T0,
      });
      const bad = [
        { profile: 'code-signing-4', validAt: new Date(Number.NaN) },
        { profile: 'code-signing-4', validAt: T0, limit: 0 },
        { profile: 'code-signing-4', validAt: T0, limit: 2.5 },
      ];
      for (const query of bad) {
        await assert.rejects(
          store.certificates.listIssuedWithoutDevice(query),
          (e: unknown) => isPkiError(e, 'MALFORMED_INPUT') && /validAt|limit/.test(e.message),
          JSON.stringify(query),
        );
      }
      assert.deepEqual(
        keys(await store.certificates.listIssuedWithoutDevice({ profile: 'code-signing-4', validAt: T0 })),
        keys(before),
      );
    });
  });
}
