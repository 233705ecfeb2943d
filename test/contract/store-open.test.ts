import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { isPkiError } from '../../src/core/pki-error.js';
import { storeMigrations } from '../../src/store/migrate-to-latest.js';
import { openStore } from '../../src/store/open-store.js';
import type { Database } from '../../src/store/schema.js';
import type { Store } from '../../src/store/store.js';
import { postgresTestServer, postgresTestUrl } from '../helpers/postgres.js';
import { storeEngines, useStore } from '../helpers/store-engines.js';
import {
  at,
  crlRecord,
  issuerRecord,
  newCmpTransaction,
  newEnrollmentToken,
  newPendingEnrollment,
  preparedCertificate,
  randomSerial,
  revocationRequest,
  revokedAudit,
  uniqueDeviceId,
} from './store-records.js';

/** What each migration after 0001 created, undone, as a database before it looked. */
const UNDO: Record<string, (raw: Kysely<Database>) => Promise<void>> = {
  '0002-enrollment': async (raw) => {
    await raw.schema.dropTable('enrollment_tokens').execute();
    await raw.schema.dropTable('pending_enrollments').execute();
  },
  '0003-revocation': async (raw) => {
    await raw.schema.dropTable('crls').execute();
    await raw.schema.dropIndex('certificates_issuer_id_not_after_revoked_idx').execute();
  },
  '0004-fleet': async (raw) => {
    for (const index of [
      'devices_in_use_not_after_idx',
      'devices_ldevid_renew_at_idx',
      'devices_consecutive_failures_idx',
    ]) {
      await raw.schema.dropIndex(index).execute();
    }
    for (const column of [
      'ldevid_renew_at',
      'presented_profile',
      'presented_issuer_id',
      'presented_serial',
      'presented_not_after',
      'presented_at',
      'in_use_serial',
      'in_use_not_after',
      'consecutive_failures',
    ]) {
      await raw.schema.alterTable('devices').dropColumn(column).execute();
    }
  },
  '0005-monitor': async (raw) => {
    await raw.schema.dropTable('endpoint_observations').execute();
    await raw.schema.dropTable('monitored_endpoints').execute();
  },
  '0006-alerts': async (raw) => {
    for (const table of ['alert_delivery_attempts', 'alert_deliveries', 'alert_states', 'alert_rules'])
      await raw.schema.dropTable(table).execute();
  },
  '0007-api-tokens': async (raw) => {
    await raw.schema.dropTable('api_tokens').execute();
    await raw.schema.dropIndex('enrollment_tokens_created_at_id_idx').execute();
  },
  '0008-undeployed-renewals': async (raw) => {
    await raw.schema.alterTable('devices').dropColumn('issued_since_presented').execute();
  },
  '0009-cmp-transactions': async (raw) => {
    await raw.schema.dropTable('cmp_transactions').execute();
  },
  '0010-acme': async (raw) => {
    for (const table of [
      'acme_order_authorizations',
      'acme_challenges',
      'acme_authorizations',
      'acme_orders',
      'acme_accounts',
      'acme_external_account_keys',
      'acme_nonces',
      'renewal_windows',
    ]) {
      await raw.schema.dropTable(table).execute();
    }
  },
};

/** Undoes every migration after `last`, newest first, and forgets them, as a database left at `last` looks. */
async function windBackTo(raw: Kysely<Database>, engine: Store['engine'], last: string): Promise<void> {
  const later = Object.keys(storeMigrations(engine)).filter((name) => name > last);
  for (const name of later.reverse()) {
    const undo = UNDO[name];
    assert.ok(undo, `store-open.test.ts: say how to undo migration ${name}`);
    await undo(raw);
  }
  await raw
    .deleteFrom('kysely_migration' as never)
    .where('name' as never, '>', last as never)
    .execute();
}

for (const engine of storeEngines) {
  describe(`opening a store (${engine.name})`, () => {
    const current = useStore(engine);

    test('reports its engine', () => {
      assert.equal(current().store.engine, engine.name);
    });

    test('migrations are idempotent: opening the database again keeps its rows', async () => {
      const { store, openAnother, raw } = current();
      const issuer = issuerRecord();
      await store.issuers.add(issuer);
      const again = await openAnother();
      try {
        assert.deepEqual(await again.issuers.get(issuer.id), issuer);
      } finally {
        await again.close();
      }
      const applied = await raw
        .selectFrom('kysely_migration' as never)
        .selectAll()
        .execute();
      assert.deepEqual(
        applied.map((row) => (row as { name: string }).name),
        Object.keys(storeMigrations(engine.name)),
      );
      assert.deepEqual(
        Object.keys(UNDO),
        Object.keys(storeMigrations(engine.name)).slice(1),
        'the wind-back tests know how to undo every migration',
      );
    });

    // The wind-back tests change the schema under the store's connections: each takes a store of its own.
    test('a database at 0001 is brought up to date, keeping its rows', async (t) => {
      const own = await engine.create();
      t.after(() => own.dispose());
      const { store, openAnother, raw } = own;
      const issuer = issuerRecord();
      await store.issuers.add(issuer);
      await windBackTo(raw, engine.name, '0001-initial');

      const upgraded = await openAnother();
      try {
        assert.deepEqual(await upgraded.issuers.get(issuer.id), issuer);
        const token = newEnrollmentToken();
        await upgraded.tokens.create(token, at(1));
        assert.equal((await upgraded.tokens.consume(token.secretSha256, at(2)))?.id, token.id);
        const request = await upgraded.pendingEnrollments.findOrCreate(newPendingEnrollment(), at(1));
        assert.equal(request.status, 'pending');
        const crl = crlRecord(issuer.id);
        await upgraded.crls.add(crl);
        assert.deepEqual(await upgraded.crls.latest(issuer.id, 'full'), crl);
        const certificate = preparedCertificate(issuer.id);
        await upgraded.ledger.recordPrepared([certificate], at(1));
        await upgraded.lifecycle.revoke([revocationRequest(certificate)], at(2), revokedAudit(at(2)));
        assert.equal((await upgraded.certificates.listRevoked(issuer.id, { notAfterFrom: at(2) })).length, 1);
        const transaction = newCmpTransaction();
        await upgraded.cmpTransactions.begin(transaction, at(1));
        assert.equal(
          (await upgraded.cmpTransactions.get(transaction.transactionId))?.label,
          transaction.label,
        );
      } finally {
        await upgraded.close();
      }
    });

    test('0004 gives the devices onboarded before it their certificate in use and renewal point', async (t) => {
      const own = await engine.create();
      t.after(() => own.dispose());
      const { store, openAnother, raw } = own;
      const issuer = issuerRecord();
      await store.issuers.add(issuer);
      const deviceId = uniqueDeviceId();
      const ldevid = preparedCertificate(issuer.id, { deviceId, notBefore: at(0), notAfter: at(3000) });
      await store.ledger.recordPrepared([ldevid], at(0));
      await store.devices.recordLdevid(
        deviceId,
        { issuerId: issuer.id, serial: ldevid.serial, notAfter: ldevid.notAfter },
        at(0),
      );
      await store.devices.recordIdevid(
        uniqueDeviceId(),
        { issuerId: issuer.id, serial: randomSerial(), productLine: null },
        at(0),
      );
      await windBackTo(raw, engine.name, '0003-revocation');

      const upgraded = await openAnother();
      try {
        const device = await upgraded.devices.get(deviceId);
        assert.deepEqual(device?.ldevidRenewAt, at(2000), 'two thirds of its lifetime');
        assert.equal(device?.consecutiveFailures, 0);
        // This SQLite connection prepares against the schema it last read; reading the table's columns refreshes it.
        if (engine.name === 'sqlite') await sql`pragma table_info(devices)`.execute(raw);
        const counter = await raw
          .selectFrom('devices')
          .select('issued_since_presented')
          .where('id', '=', deviceId)
          .executeTakeFirst();
        assert.equal(Number(counter?.issued_since_presented), 1, '0008: one LDevID since what it presented');
        const query = { marginSeconds: 1500, failureThreshold: 3 };
        assert.deepEqual(
          (await upgraded.fleet.atRisk({ now: at(2001), ...query })).map((d) => [
            d.deviceId,
            d.inUse?.serial,
          ]),
          [[deviceId, ldevid.serial]],
        );
        assert.equal((await upgraded.fleet.countByState({ now: at(2001), ...query })).provisioned, 1);
      } finally {
        await upgraded.close();
      }
    });

    test('several stores opening a fresh database at once all migrate it', async () => {
      const location = await engine.reserve();
      try {
        const stores = await Promise.all([1, 2, 3].map(() => openStore(location.url)));
        const issuer = issuerRecord();
        await stores[0]?.issuers.add(issuer);
        assert.deepEqual(await stores[2]?.issuers.get(issuer.id), issuer);
        await Promise.all(stores.map((s) => s.close()));
      } finally {
        await location.release();
      }
    });

    test('close is idempotent', async () => {
      const another = await current().openAnother();
      await another.close();
      await another.close();
    });
  });
}

describe('store URLs', () => {
  test('malformed or unsupported URLs are CONFIG_INVALID', async () => {
    const urls = [
      '',
      './certfleet.db',
      'mysql://127.0.0.1/certfleet',
      'sqlite:',
      'sqlite://host/certfleet.db',
      'sqlite:/var/lib/certfleet/',
      'postgres://127.0.0.1/test?schema=Not-A-Name',
      'postgres://127.0.0.1/test?schema=a&schema=b',
      'postgres://[bad/test',
    ];
    for (const url of urls) {
      await assert.rejects(openStore(url), (e) => isPkiError(e, 'CONFIG_INVALID'), url);
    }
  });

  test('an unreachable PostgreSQL is UNAVAILABLE, naming the server but not the password', async () => {
    const server = postgresTestServer();
    const url = `postgres://${server.user}:s3cret@127.0.0.1:1/${server.database}`;
    await assert.rejects(openStore(url), (e) => {
      assert.ok(isPkiError(e, 'UNAVAILABLE'));
      assert.match(e.message, /127\.0\.0\.1:1\//);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
  });

  test('a missing PostgreSQL database is CONFIG_INVALID', async () => {
    const server = postgresTestServer();
    const url = postgresTestUrl(undefined, { ...server, database: 'certfleet_no_such_database' });
    await assert.rejects(openStore(url), (e) => isPkiError(e, 'CONFIG_INVALID'));
  });

  test('sqlite: creates the missing folder and a database file readable by its owner only', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'certfleet-open-'));
    try {
      const path = join(folder, 'nested', 'deeper', 'certfleet.db');
      const store = await openStore(`sqlite:${path}`);
      await store.close();
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal((await stat(join(folder, 'nested', 'deeper'))).mode & 0o777, 0o700);
      const viaUrlForm = await openStore(`sqlite://${path}`);
      await viaUrlForm.close();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('sqlite::memory: opens a private in-memory store', async () => {
    const first = await openStore('sqlite::memory:');
    const second = await openStore('sqlite::memory:');
    try {
      const issuer = issuerRecord();
      await first.issuers.add(issuer);
      assert.equal(await second.issuers.get(issuer.id), undefined);
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('an unopenable SQLite path is UNAVAILABLE', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'certfleet-open-'));
    try {
      const file = join(folder, 'a-file');
      await writeFile(file, '');
      await assert.rejects(openStore(`sqlite:${file}/certfleet.db`), (e) => isPkiError(e, 'UNAVAILABLE'));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
