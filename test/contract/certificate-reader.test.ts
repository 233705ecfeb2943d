import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId, SerialHex } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { CertificateQuery } from '../../src/store/certificate-reader.js';
import type { PreparedCertificate } from '../../src/store/records.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import type { StoreUnderTest } from '../helpers/store-engines.js';
import {
  T0,
  at,
  issuedAudit,
  issuerRecord,
  preparedCertificate,
  signedCertificate,
  uniqueDeviceId,
} from './store-records.js';

const DAY_SECONDS = 86_400;

/**
 * One issuer's certificates: expiring in 10, 20, 30, 40 and 50 days; two profiles; two devices; the 20- and
 * 40-day ones signed, the others only prepared. Serials are chosen so that ties on notAfter sort by serial.
 */
async function fleet(t: StoreUnderTest) {
  const issuer = issuerRecord();
  await t.store.issuers.add(issuer);
  const [deviceA, deviceB] = [uniqueDeviceId(), uniqueDeviceId()];
  const make = (serial: string, days: number, profile: string, deviceId: typeof deviceA | null) =>
    preparedCertificate(issuer.id, {
      serial: serial as SerialHex,
      notAfter: at(days * DAY_SECONDS),
      profile,
      deviceId,
    });
  const certificates = [
    make('50', 50, 'ldevid', deviceA),
    make('10', 10, 'ldevid', deviceA),
    make('3a', 30, 'idevid', deviceB),
    make('20', 20, 'ldevid', deviceB),
    make('40', 40, 'ldevid', null),
    make('30', 30, 'ldevid', deviceA),
  ];
  await t.store.ledger.recordPrepared(certificates, T0);
  const toSign = certificates.filter((c) => c.serial === '20' || c.serial === '40');
  await t.store.ledger.recordSigned(toSign.map(signedCertificate), at(1), issuedAudit(at(1)));
  return { issuerId: issuer.id, deviceA, deviceB, certificates };
}

function serials(list: readonly PreparedCertificate[]): string[] {
  return list.map((c) => c.serial);
}

for (const engine of storeEngines) {
  describe(`CertificateReader (${engine.name})`, () => {
    const current = useStore(engine);

    test('get and findBySerial; unknown certificates are absent', async () => {
      const { store } = current();
      const { issuerId, certificates } = await fleet(current());
      const first = certificates[0] as PreparedCertificate;
      assert.equal(
        (await store.certificates.get(issuerId, first.serial))?.notAfter.getTime(),
        first.notAfter.getTime(),
      );
      assert.equal(await store.certificates.get(issuerId, '7e7e' as SerialHex), undefined);
      assert.deepEqual(await store.certificates.status(issuerId, first.serial), {
        status: 'prepared',
        revokedAt: null,
        revocationReason: null,
      });
      assert.deepEqual(await store.certificates.status(issuerId, '20' as SerialHex), {
        status: 'issued',
        revokedAt: null,
        revocationReason: null,
      });
      assert.equal(await store.certificates.status(issuerId, '7e7e' as SerialHex), undefined);
      assert.equal(await store.certificates.get('no-such-issuer' as IssuerId, first.serial), undefined);
      assert.deepEqual(await store.certificates.findBySerial('7e7e' as SerialHex), []);
    });

    test('lists by notAfter then serial', async () => {
      const { store } = current();
      const { issuerId } = await fleet(current());
      assert.deepEqual(serials(await store.certificates.list({ issuerId })), [
        '10',
        '20',
        '30',
        '3a',
        '40',
        '50',
      ]);
    });

    test('filters by expiry window, profile, device and status, and counts the same', async () => {
      const { store } = current();
      const { issuerId, deviceA, deviceB } = await fleet(current());
      const cases: Array<[Omit<CertificateQuery, 'issuerId'>, string[]]> = [
        // Expiring within 30 days of T0 (notAfter before T0+30d is exclusive).
        [{ notAfterBefore: at(30 * DAY_SECONDS) }, ['10', '20']],
        // Not yet expired at T0+30d (inclusive), expiring before T0+45d.
        [{ notAfterFrom: at(30 * DAY_SECONDS), notAfterBefore: at(45 * DAY_SECONDS) }, ['30', '3a', '40']],
        [{ profile: 'idevid' }, ['3a']],
        [{ deviceId: deviceA }, ['10', '30', '50']],
        [{ deviceId: deviceB, profile: 'ldevid' }, ['20']],
        [{ status: 'issued' }, ['20', '40']],
        [{ status: 'prepared', notAfterFrom: at(25 * DAY_SECONDS) }, ['30', '3a', '50']],
        [{ status: 'revoked' }, []],
      ];
      for (const [filter, expected] of cases) {
        const query = { issuerId, ...filter };
        assert.deepEqual(serials(await store.certificates.list(query)), expected, JSON.stringify(filter));
        assert.equal(await store.certificates.count(query), expected.length, JSON.stringify(filter));
      }
    });

    test('pages with limit and offset', async () => {
      const { store } = current();
      const { issuerId } = await fleet(current());
      assert.deepEqual(serials(await store.certificates.list({ issuerId, limit: 2 })), ['10', '20']);
      assert.deepEqual(serials(await store.certificates.list({ issuerId, limit: 2, offset: 2 })), [
        '30',
        '3a',
      ]);
      assert.deepEqual(serials(await store.certificates.list({ issuerId, limit: 50_000, offset: 5 })), [
        '50',
      ]);
      for (const bad of [{ limit: 0 }, { limit: 1.5 }, { offset: -1 }]) {
        await assert.rejects(store.certificates.list({ issuerId, ...bad }), (e) =>
          isPkiError(e, 'MALFORMED_INPUT'),
        );
      }
    });

    test('lists at most 100 by default', async () => {
      const { store } = current();
      const issuer = issuerRecord();
      await store.issuers.add(issuer);
      await store.ledger.recordPrepared(
        Array.from({ length: 120 }, () => preparedCertificate(issuer.id)),
        T0,
      );
      assert.equal((await store.certificates.list({ issuerId: issuer.id })).length, 100);
      assert.equal(await store.certificates.count({ issuerId: issuer.id }), 120);
    });
  });
}
