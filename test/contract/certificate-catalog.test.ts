import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SerialHex } from '../../src/core/ids.js';
import type { CertificateKey } from '../../src/store/certificate-catalog.js';
import type { CertificateRecord } from '../../src/store/records.js';
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

const DAY = 86_400;

/** Two issuers; ties on notAfter (30 days) and one serial under both issuers, to check the full sort key. */
async function catalog(t: StoreUnderTest) {
  const [first, second] = [issuerRecord(), issuerRecord()];
  await t.store.issuers.add(first);
  await t.store.issuers.add(second);
  const device = uniqueDeviceId();
  const make = (issuer: typeof first, serial: string, days: number, profile = 'ldevid') =>
    preparedCertificate(issuer.id, {
      serial: serial as SerialHex,
      notAfter: at(days * DAY),
      profile,
      deviceId: profile === 'ldevid' ? device : null,
    });
  const certificates = [
    make(first, '40', 40),
    make(first, '10', 10),
    make(first, '30', 30),
    make(second, '30', 30),
    make(first, '2f', 30, 'tls-server'),
    make(second, '50', 50),
  ];
  await t.store.ledger.recordPrepared(certificates, T0);
  await t.store.ledger.recordSigned(
    certificates.filter((c) => c.serial !== '50').map(signedCertificate),
    at(1),
    issuedAudit(at(1)),
  );
  return { first: first.id, second: second.id, device };
}

const keyOf = (c: CertificateRecord): CertificateKey => ({
  notAfter: c.notAfter,
  serial: c.serial,
  issuerId: c.issuerId,
});
const names = (list: readonly CertificateRecord[]) => list.map((c) => `${c.serial}@${c.issuerId}`);

for (const engine of storeEngines) {
  describe(`CertificateCatalog (${engine.name})`, () => {
    const current = useStore(engine);

    test("a device's certificates by notAfter, serial, issuer, page by page from the key", async () => {
      const { store } = current();
      const { first, second, device } = await catalog(current());
      const all = await store.certificateCatalog.page({ deviceId: device });
      // Serial 30 under both issuers, with the same notAfter: the issuer id decides.
      const [low, high] = [first, second].sort();
      assert.deepEqual(names(all), [`10@${first}`, `30@${low}`, `30@${high}`, `40@${first}`, `50@${second}`]);
      const pages: CertificateRecord[] = [];
      let after: CertificateKey | undefined;
      for (;;) {
        const page = await store.certificateCatalog.page({
          deviceId: device,
          limit: 2,
          ...(after === undefined ? {} : { after }),
        });
        pages.push(...page);
        if (page.length < 2) break;
        after = keyOf(page[page.length - 1]!);
      }
      assert.deepEqual(names(pages), names(all), 'each certificate once, ties on notAfter included');
    });

    test('filters by issuer, profile and status', async () => {
      const { store } = current();
      const { first, second } = await catalog(current());
      assert.deepEqual(names(await store.certificateCatalog.page({ issuerId: second })), [
        `30@${second}`,
        `50@${second}`,
      ]);
      assert.deepEqual(
        names(await store.certificateCatalog.page({ issuerId: first, profile: 'tls-server' })),
        [`2f@${first}`],
      );
      assert.deepEqual(names(await store.certificateCatalog.page({ issuerId: second, status: 'prepared' })), [
        `50@${second}`,
      ]);
    });

    test('a certificate inserted behind the key does not shift the next page', async () => {
      const { store } = current();
      const { first, device } = await catalog(current());
      const [head] = await store.certificateCatalog.page({ deviceId: device, limit: 1 });
      assert.ok(head);
      // Sorts before everything listed so far: an offset would now repeat the first page's last row.
      await store.ledger.recordPrepared(
        [preparedCertificate(first, { serial: '01' as SerialHex, notAfter: at(DAY), deviceId: device })],
        T0,
      );
      const next = await store.certificateCatalog.page({ deviceId: device, after: keyOf(head), limit: 1 });
      assert.equal(next[0]?.serial, '30');
    });
  });
}
