import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import type { IssuerId } from '../core/ids.js';
import { IssuerDependents } from './issuer-dependents.js';

const OPERATIONAL = 'operational' as IssuerId;

/** A catalog that counts how often it is asked, answering `n` certificates for the operational issuer. */
function countingCatalog() {
  const catalog = {
    calls: [] as Date[],
    n: 1,
    fail: false,
    countInForceByIssuer(now: Date) {
      catalog.calls.push(now);
      if (catalog.fail) return Promise.reject(new Error('store away'));
      return Promise.resolve(new Map([[OPERATIONAL, catalog.n]]));
    },
  };
  return catalog;
}

test('counts once, serves the count for a minute, then counts again', async () => {
  const clock = new ManualClock('2030-01-01T00:00:00Z');
  const catalog = countingCatalog();
  const dependents = new IssuerDependents({ catalog, clock });
  assert.equal((await dependents.certificatesByIssuer()).get(OPERATIONAL), 1);
  catalog.n = 2;
  clock.advanceSeconds(59);
  assert.equal((await dependents.certificatesByIssuer()).get(OPERATIONAL), 1);
  assert.equal(catalog.calls.length, 1);
  clock.advanceSeconds(1);
  assert.equal((await dependents.certificatesByIssuer()).get(OPERATIONAL), 2);
  assert.deepEqual(catalog.calls, [new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:01:00Z')]);
});

test('requests during a count share it', async () => {
  const catalog = countingCatalog();
  const dependents = new IssuerDependents({ catalog, clock: new ManualClock(0) });
  const answers = await Promise.all([1, 2, 3].map(() => dependents.certificatesByIssuer()));
  assert.equal(catalog.calls.length, 1);
  assert.ok(answers.every((answer) => answer === answers[0]));
});

test('a clock set back counts again; a failed count is not kept', async () => {
  const clock = new ManualClock(60_000);
  const catalog = countingCatalog();
  const dependents = new IssuerDependents({ catalog, clock, refreshSeconds: 10 });
  await dependents.certificatesByIssuer();
  clock.set(0);
  await dependents.certificatesByIssuer();
  assert.equal(catalog.calls.length, 2);

  catalog.fail = true;
  clock.advanceSeconds(10);
  await assert.rejects(dependents.certificatesByIssuer(), /store away/);
  catalog.fail = false;
  catalog.n = 7;
  assert.equal((await dependents.certificatesByIssuer()).get(OPERATIONAL), 7);
  assert.equal(catalog.calls.length, 4);
});
