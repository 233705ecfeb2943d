import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId, SerialHex } from '../../src/core/ids.js';
import { isPkiError } from '../../src/core/pki-error.js';
import type { RevokedCertificate } from '../../src/store/certificate-reader.js';
import type { RevocationReason } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import {
  T0,
  at,
  issuedAudit,
  issuerRecord,
  preparedCertificate,
  revocationRequest,
  revokedAudit,
  signedCertificate,
} from './store-records.js';

const DAY_SECONDS = 86_400;

interface Line {
  readonly serial: string;
  readonly notAfterDays: number;
  /** Revoked at this offset in seconds from T0, or not revoked. */
  readonly revokedAtSeconds?: number;
  readonly reason?: RevocationReason;
  readonly invalidityDate?: Date;
  readonly signed?: boolean;
}

/**
 * One issuer's certificates, several revoked at different times, one of them expiring early, one prepared
 * only; and another issuer with a revoked certificate of the same serial as one of the first's.
 */
const LINES: readonly Line[] = [
  { serial: '1b', notAfterDays: 30, revokedAtSeconds: 200, reason: 'superseded' },
  { serial: '0a', notAfterDays: 10, revokedAtSeconds: 100, reason: 'keyCompromise', invalidityDate: at(50) },
  { serial: 'ff01', notAfterDays: 40, revokedAtSeconds: 300, reason: 'privilegeWithdrawn', signed: false },
  { serial: '2c', notAfterDays: 5, revokedAtSeconds: 150, reason: 'affiliationChanged' },
  { serial: '05', notAfterDays: 20, revokedAtSeconds: 300, reason: 'cessationOfOperation' },
  { serial: '3d', notAfterDays: 30 },
  { serial: '4e', notAfterDays: 30, signed: false },
];

async function revocations(store: Store): Promise<{ issuerId: IssuerId; otherIssuerId: IssuerId }> {
  const [issuer, other] = [issuerRecord(), issuerRecord()];
  await store.issuers.add(issuer);
  await store.issuers.add(other);
  const entries = LINES.map((line) =>
    preparedCertificate(issuer.id, {
      serial: line.serial as SerialHex,
      notAfter: at(line.notAfterDays * DAY_SECONDS),
    }),
  );
  const twin = preparedCertificate(other.id, { serial: '1b' as SerialHex, notAfter: at(30 * DAY_SECONDS) });
  await store.ledger.recordPrepared([...entries, twin], T0);
  const toSign = [...entries.filter((_, i) => LINES[i]?.signed !== false), twin];
  await store.ledger.recordSigned(toSign.map(signedCertificate), at(1), issuedAudit(at(1)));
  for (const [i, line] of LINES.entries()) {
    if (line.revokedAtSeconds === undefined) continue;
    const request = revocationRequest(entries[i] as (typeof entries)[number], {
      reason: line.reason ?? 'unspecified',
      invalidityDate: line.invalidityDate ?? null,
    });
    const revokedAt = at(line.revokedAtSeconds);
    assert.deepEqual(await store.lifecycle.revoke([request], revokedAt, revokedAudit(revokedAt)), [
      'revoked',
    ]);
  }
  await store.lifecycle.revoke([revocationRequest(twin)], at(400), revokedAudit(at(400)));
  return { issuerId: issuer.id, otherIssuerId: other.id };
}

function expected(serials: readonly string[]): RevokedCertificate[] {
  return serials.map((serial) => {
    const line = LINES.find((l) => l.serial === serial) as Line;
    return {
      serial: serial as SerialHex,
      revokedAt: at(line.revokedAtSeconds ?? 0),
      reason: line.reason ?? 'unspecified',
      invalidityDate: line.invalidityDate ?? null,
    };
  });
}

for (const engine of storeEngines) {
  describe(`CertificateReader.listRevoked (${engine.name})`, () => {
    const current = useStore(engine);

    test('lists the issuer revoked certificates by serial, with time, reason and invalidity date', async () => {
      const { store } = current();
      const { issuerId, otherIssuerId } = await revocations(store);
      assert.deepEqual(
        await store.certificates.listRevoked(issuerId, { notAfterFrom: T0 }),
        expected(['05', '0a', '1b', '2c', 'ff01']),
      );
      assert.deepEqual(await store.certificates.listRevoked(otherIssuerId, { notAfterFrom: T0 }), [
        { serial: '1b', revokedAt: at(400), reason: 'keyCompromise', invalidityDate: null },
      ]);
      assert.deepEqual(
        await store.certificates.listRevoked('no-such-issuer' as IssuerId, { notAfterFrom: T0 }),
        [],
      );
    });

    test('leaves out the certificates expired at notAfterFrom (a notAfter equal to it stays)', async () => {
      const { store } = current();
      const { issuerId } = await revocations(store);
      const tenDays = at(10 * DAY_SECONDS);
      assert.deepEqual(
        await store.certificates.listRevoked(issuerId, { notAfterFrom: tenDays }),
        expected(['05', '0a', '1b', 'ff01']),
      );
      assert.deepEqual(
        await store.certificates.listRevoked(issuerId, { notAfterFrom: new Date(tenDays.getTime() + 1) }),
        expected(['05', '1b', 'ff01']),
      );
      assert.deepEqual(
        await store.certificates.listRevoked(issuerId, { notAfterFrom: at(41 * DAY_SECONDS) }),
        [],
      );
    });

    test('with revokedSince, only those revoked at or after it', async () => {
      const { store } = current();
      const { issuerId } = await revocations(store);
      assert.deepEqual(
        await store.certificates.listRevoked(issuerId, { notAfterFrom: T0, revokedSince: at(200) }),
        expected(['05', '1b', 'ff01']),
      );
      assert.deepEqual(
        await store.certificates.listRevoked(issuerId, {
          notAfterFrom: at(25 * DAY_SECONDS),
          revokedSince: new Date(at(200).getTime() + 1),
        }),
        expected(['ff01']),
      );
    });

    test('an invalid time is MALFORMED_INPUT', async () => {
      const { store } = current();
      const { issuerId } = await revocations(store);
      const invalid = new Date(Number.NaN);
      await assert.rejects(store.certificates.listRevoked(issuerId, { notAfterFrom: invalid }), (e) =>
        isPkiError(e, 'MALFORMED_INPUT'),
      );
      await assert.rejects(
        store.certificates.listRevoked(issuerId, { notAfterFrom: T0, revokedSince: invalid }),
        (e) => isPkiError(e, 'MALFORMED_INPUT'),
      );
    });
  });
}
