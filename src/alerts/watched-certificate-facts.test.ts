import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStore } from '../store/open-store.js';
import {
  at,
  issuedAudit,
  issuerRecord,
  preparedCertificate,
  signedCertificate,
} from '../../test/contract/store-records.js';
import { FleetAlertFacts } from './fleet-alert-facts.js';
import { WatchedCertificateFacts } from './watched-certificate-facts.js';

const DAY = 86_400;

describe('WatchedCertificateFacts', () => {
  test('active issuers and current code-signing certificates, by expiry; not retired, superseded or long expired', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const active = issuerRecord({ subject: 'CN=Operational CA', notAfter: at(400 * DAY) });
      const retired = issuerRecord({ status: 'retired' });
      await store.issuers.add(active);
      await store.issuers.add(retired);
      const current = preparedCertificate(active.id, {
        profile: 'code-signing',
        subject: 'CN=firmware signer',
        notAfter: at(20 * DAY),
      });
      const renewed = preparedCertificate(active.id, { profile: 'code-signing', notAfter: at(10 * DAY) });
      const longExpired = preparedCertificate(active.id, {
        profile: 'code-signing',
        notBefore: at(-400 * DAY),
        notAfter: at(-31 * DAY),
      });
      const recentlyExpired = preparedCertificate(active.id, {
        profile: 'code-signing',
        subject: '',
        notBefore: at(-400 * DAY),
        notAfter: at(-DAY),
      });
      const device = preparedCertificate(active.id, { profile: 'ldevid', notAfter: at(DAY) });
      const prepared = preparedCertificate(active.id, { profile: 'code-signing', notAfter: at(DAY) });
      const all = [current, renewed, longExpired, recentlyExpired, device, prepared];
      await store.ledger.recordPrepared(all, at(0));
      await store.ledger.recordSigned(
        all.filter((c) => c !== prepared).map(signedCertificate),
        at(1),
        issuedAudit(at(1)),
      );
      await store.lifecycle.markSuperseded(active.id, renewed.serial, current.serial, at(2));

      const facts = await new WatchedCertificateFacts(store.certificates, store.issuers).collect(at(0));
      assert.equal(facts.fleet, undefined);
      assert.deepEqual(
        [...facts.subjects].sort((a, b) => a.subjectKey.localeCompare(b.subjectKey)),
        [
          {
            subjectKey: `certificate:${active.id}:${current.serial}`,
            label: `code-signing CN=firmware signer (serial ${current.serial})`,
            kind: 'certificate',
            notAfter: at(20 * DAY),
          },
          {
            subjectKey: `certificate:${active.id}:${recentlyExpired.serial}`,
            label: `code-signing ${recentlyExpired.serial} (serial ${recentlyExpired.serial})`,
            kind: 'certificate',
            notAfter: at(-DAY),
          },
          {
            subjectKey: `issuer:${active.id}`,
            label: `issuer ${active.id} (CN=Operational CA)`,
            kind: 'certificate',
            notAfter: at(400 * DAY),
          },
        ].sort((a, b) => a.subjectKey.localeCompare(b.subjectKey)),
      );
    } finally {
      await store.close();
    }
  });
});

describe('FleetAlertFacts', () => {
  test('live devices and those at risk or expired', async () => {
    const counts = {
      provisioned: 1,
      healthy: 80,
      renewal_due: 5,
      at_risk: 3,
      expired: 2,
      revoked: 4,
      decommissioned: 6,
      total: 101,
    };
    const facts = await new FleetAlertFacts({ countByState: () => Promise.resolve(counts) }).collect(at(0));
    assert.deepEqual(facts, { subjects: [], fleet: { total: 91, atRisk: 5 } });
  });
});
