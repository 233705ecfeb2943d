import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { ManualClock } from '../../core/clock.js';
import { parsePrometheusText } from '../../../test/helpers/prometheus-text.js';
import { CertificateExpiryMetrics } from './certificate-expiry-metrics.js';
import type { WatchedCertificate } from './watched-certificates.js';

const ROOT: WatchedCertificate = {
  issuer: 'root',
  serial: '01ab',
  profile: 'root-ca',
  subject: 'CN=Root,O=Acme "Devices"',
  notAfter: new Date('2045-01-01T00:00:00Z'),
};
const SIGNER: WatchedCertificate = {
  issuer: 'operational',
  serial: '0c',
  profile: 'code-signing',
  subject: 'CN=Firmware signer',
  notAfter: new Date('2030-02-01T12:00:00Z'),
};

function setUp(list: (now: Date) => Promise<readonly WatchedCertificate[]>) {
  const registry = new Registry();
  const clock = new ManualClock('2030-01-01T00:00:00Z');
  const asked: Date[] = [];
  const failures: unknown[] = [];
  new CertificateExpiryMetrics(registry, {
    certificates: {
      list: (now) => {
        asked.push(now);
        return list(now);
      },
    },
    clock,
    refreshSeconds: 60,
    onRefreshFailure: (e) => failures.push(e),
  });
  return { clock, asked, failures, scrape: async () => parsePrometheusText(await registry.metrics()) };
}

describe('CertificateExpiryMetrics', () => {
  test('one series per watched certificate: its notAfter in Unix seconds, labelled issuer, serial, profile, subject', async () => {
    const { scrape } = setUp(() => Promise.resolve([ROOT, SIGNER]));
    const metrics = await scrape();
    assert.equal(metrics.types.get('certfleet_certificate_expiry_timestamp_seconds'), 'gauge');
    assert.equal(metrics.find('certfleet_certificate_expiry_timestamp_seconds').length, 2);
    for (const c of [ROOT, SIGNER]) {
      const labels = { issuer: c.issuer, serial: c.serial, profile: c.profile, subject: c.subject };
      assert.equal(
        metrics.value('certfleet_certificate_expiry_timestamp_seconds', labels),
        c.notAfter.getTime() / 1000,
      );
    }
    // The quotes in the subject survive the text format's escaping.
    assert.equal(
      metrics.find('certfleet_certificate_expiry_timestamp_seconds', { issuer: 'root' })[0]?.labels[
        'subject'
      ],
      'CN=Root,O=Acme "Devices"',
    );
  });

  test('a certificate no longer watched (expired, revoked) disappears at the next refresh; refreshes are throttled', async () => {
    let current: readonly WatchedCertificate[] = [ROOT, SIGNER];
    const { clock, asked, scrape } = setUp(() => Promise.resolve(current));
    await scrape();
    current = [ROOT];
    clock.advanceSeconds(59);
    assert.equal((await scrape()).find('certfleet_certificate_expiry_timestamp_seconds').length, 2);
    clock.advanceSeconds(1);
    const metrics = await scrape();
    assert.equal(metrics.find('certfleet_certificate_expiry_timestamp_seconds').length, 1);
    assert.equal(asked.length, 2);
  });

  test('when the store cannot be read: no samples, the failure reported', async () => {
    const { failures, scrape } = setUp(() => Promise.reject(new Error('store down')));
    assert.deepEqual((await scrape()).find('certfleet_certificate_expiry_timestamp_seconds'), []);
    assert.equal(failures.length, 1);
  });
});
