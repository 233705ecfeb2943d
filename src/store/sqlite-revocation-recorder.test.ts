import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IssuerId, SerialHex } from '../core/ids.js';
import type { RevocationRequest } from './certificate-lifecycle.js';
import { openStore } from './open-store.js';
import type { AuditEvent } from './records.js';

/**
 * The contract suites open SQLite files, which revoke on the writer thread; an in-memory store revokes on its
 * own connection, through the same SqliteRevocationRecorder.
 */
const T0 = new Date('2030-01-01T00:00:00.000Z');
const ISSUER = 'ca-memory' as IssuerId;

function request(serial: string): RevocationRequest {
  return { issuerId: ISSUER, serial: serial as SerialHex, reason: 'keyCompromise', invalidityDate: null };
}

function audit(r: RevocationRequest): AuditEvent {
  return {
    at: T0,
    event: 'cert.revoked',
    actor: 'test',
    subject: `cert:${r.issuerId}/${r.serial}`,
    data: {},
  };
}

test('an in-memory SQLite store revokes on its own connection, in order, with audit events', async () => {
  const store = await openStore('sqlite::memory:');
  try {
    await store.issuers.add({
      id: ISSUER,
      role: 'intermediate',
      parentId: null,
      subject: 'CN=Memory CA',
      certificateDer: new Uint8Array([0x30, 0x00]),
      keyUri: null,
      keyAlgorithm: 'ecdsa-p256',
      notBefore: T0,
      notAfter: new Date(T0.getTime() + 86_400_000),
      subjectKeyIdHex: '01',
      fingerprintSha256: '02',
      status: 'active',
      createdAt: T0,
    });
    await store.ledger.recordPrepared(
      ['0a', '0b'].map((serial) => ({
        issuerId: ISSUER,
        serial: serial as SerialHex,
        profile: 'ldevid',
        subject: 'CN=device',
        sans: [],
        deviceId: null,
        notBefore: T0,
        notAfter: new Date(T0.getTime() + 3_600_000),
        keyAlgorithm: 'ecdsa-p256',
        spkiSha256: serial,
        requestedVia: 'test',
      })),
      T0,
    );
    const results = await store.lifecycle.revoke(
      [request('0a'), request('0c'), request('0a'), request('0b')],
      T0,
      audit,
    );
    assert.deepEqual(results, ['revoked', 'not-found', 'already-revoked', 'revoked']);
    const revoked = await store.certificates.listRevoked(ISSUER, { notAfterFrom: T0 });
    assert.deepEqual(
      revoked.map((r) => r.serial),
      ['0a', '0b'],
    );
    const events = await store.audit.list({ event: 'cert.revoked' });
    assert.deepEqual(
      events.map((e) => e.subject),
      [`cert:${ISSUER}/0a`, `cert:${ISSUER}/0b`],
    );
    assert.deepEqual(await store.audit.verifyChain(), { ok: true, checked: 2 });
  } finally {
    await store.close();
  }
});
