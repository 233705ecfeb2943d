import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IssuerId, SerialHex } from '../../core/ids.js';
import type { IssuedWithoutDeviceQuery } from '../../store/certificate-reader.js';
import type { CertificateRecord, IssuerRecord } from '../../store/records.js';
import { makeTestHierarchy } from '../../../test/helpers/pki-fixtures.js';
import { MAX_WATCHED_PER_PROFILE, watchedCertificate, WatchedCertificates } from './watched-certificates.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const { root, intermediate, leaf } = makeTestHierarchy();

function issuer(
  overrides: Partial<IssuerRecord> & Pick<IssuerRecord, 'id' | 'certificateDer'>,
): IssuerRecord {
  return {
    role: 'intermediate',
    parentId: null,
    subject: 'CN=x',
    keyUri: null,
    keyAlgorithm: 'ec-p256',
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2045-01-01T00:00:00Z'),
    subjectKeyIdHex: '00',
    fingerprintSha256: overrides.id,
    status: 'active',
    createdAt: new Date('2025-01-01T00:00:00Z'),
    ...overrides,
  };
}

function codeSigning(serial: string, notAfter: string): CertificateRecord {
  return {
    issuerId: 'operational' as IssuerId,
    serial: serial as SerialHex,
    profile: 'code-signing',
    subject: `CN=Firmware signer ${serial},O=Acme`,
    sans: [],
    deviceId: null,
    notBefore: new Date('2029-01-01T00:00:00Z'),
    notAfter: new Date(notAfter),
    keyAlgorithm: 'ec-p384',
    spkiSha256: '00',
    requestedVia: 'cli',
    status: 'issued',
    der: null,
    fingerprintSha256: null,
    preparedAt: new Date('2029-01-01T00:00:00Z'),
    issuedAt: new Date('2029-01-01T00:00:00Z'),
    revokedAt: null,
    revocationReason: null,
    invalidityDate: null,
    supersededBy: null,
  };
}

describe('WatchedCertificates', () => {
  test('active issuers, the fixed certificates and unexpired code-signing ones; never device certificates', async () => {
    const queries: IssuedWithoutDeviceQuery[] = [];
    const tls = watchedCertificate(leaf.cert, 'tls-server', 'operational');
    let listed = 0;
    const watched = new WatchedCertificates({
      issuers: {
        list: () => {
          listed += 1;
          return Promise.resolve([
            issuer({
              id: 'root' as IssuerId,
              role: 'root',
              subject: 'CN=Test Root',
              certificateDer: root.cert.der,
              notAfter: root.cert.notAfter,
            }),
            issuer({
              id: 'operational' as IssuerId,
              parentId: 'root' as IssuerId,
              subject: 'CN=Test Issuing CA',
              certificateDer: intermediate.cert.der,
              notAfter: intermediate.cert.notAfter,
            }),
            issuer({ id: 'old' as IssuerId, status: 'retired', certificateDer: new Uint8Array([1]) }),
          ]);
        },
      },
      certificates: {
        listIssuedWithoutDevice: (query) => {
          queries.push(query);
          return Promise.resolve([codeSigning('0a', '2030-06-01T00:00:00Z')]);
        },
      },
      fixed: [tls],
    });
    const list = await watched.list(NOW);
    assert.deepEqual(list, [
      {
        issuer: 'root',
        serial: root.cert.serial,
        profile: 'root-ca',
        subject: 'CN=Test Root',
        notAfter: root.cert.notAfter,
      },
      {
        issuer: 'root',
        serial: intermediate.cert.serial,
        profile: 'intermediate-ca',
        subject: 'CN=Test Issuing CA',
        notAfter: intermediate.cert.notAfter,
      },
      {
        issuer: 'operational',
        serial: leaf.cert.serial,
        profile: 'tls-server',
        subject: 'CN=device-1',
        notAfter: leaf.cert.notAfter,
      },
      {
        issuer: 'operational',
        serial: '0a',
        profile: 'code-signing',
        subject: 'CN=Firmware signer 0a,O=Acme',
        notAfter: new Date('2030-06-01T00:00:00Z'),
      },
    ]);
    assert.deepEqual(queries, [{ profile: 'code-signing', validAt: NOW, limit: MAX_WATCHED_PER_PROFILE }]);
    // The issuers are listed at every refresh (the retired one's unparsable DER is never read).
    assert.equal((await watched.list(NOW)).length, 4);
    assert.equal(listed, 2);
  });

  test('a store failure fails the list (the metrics then report it)', async () => {
    const watched = new WatchedCertificates({
      issuers: { list: () => Promise.reject(new Error('store down')) },
      certificates: { listIssuedWithoutDevice: () => Promise.resolve([]) },
      fixed: [],
    });
    await assert.rejects(watched.list(NOW), /store down/);
  });
});
