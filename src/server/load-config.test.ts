import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPkiError } from '../core/pki-error.js';
import { validateConfig } from './load-config.js';

const DAY = 86_400;

function refusal(input: unknown): { message: string; path: unknown } {
  try {
    validateConfig(input, 'test configuration');
  } catch (error) {
    assert.ok(isPkiError(error, 'CONFIG_INVALID'), String(error));
    return { message: error.message, path: error.details['path'] };
  }
  assert.fail('the configuration was accepted');
}

test('pki.lifetimes and pki.allowShortLifetimes default to none and off', () => {
  const config = validateConfig({}, 'test configuration');
  assert.deepEqual(config.pki.lifetimes, {});
  assert.equal(config.pki.allowShortLifetimes, false);
  assert.deepEqual(
    validateConfig({ pki: { lifetimes: { ldevid: 7 * DAY, 'tls-server': 30 * DAY } } }, 'x').pki.lifetimes,
    { ldevid: 7 * DAY, 'tls-server': 30 * DAY },
  );
});

test('a lifetime outside its profile bounds is refused with its JSON path', () => {
  const short = refusal({ pki: { lifetimes: { ldevid: 90 } } });
  assert.equal(short.path, '/pki/lifetimes/ldevid');
  assert.match(
    short.message,
    /\/pki\/lifetimes\/ldevid: 90s is shorter than the ldevid profile's minimum 1h/,
  );
  assert.match(short.message, /pki\.allowShortLifetimes/);

  const long = refusal({ pki: { lifetimes: { ldevid: 100 * DAY } } });
  assert.equal(long.path, '/pki/lifetimes/ldevid');
  assert.match(long.message, /100d exceeds the ldevid profile's maximum 90d/);

  assert.equal(refusal({ pki: { lifetimes: { 'root-ca': DAY } } }).path, '/pki/lifetimes');
  assert.equal(refusal({ pki: { lifetimes: { ldevid: 1.5 } } }).path, '/pki/lifetimes/ldevid');
});

test('short lifetimes only with the flag, and never under a minute', () => {
  const config = validateConfig(
    { pki: { allowShortLifetimes: true, lifetimes: { ldevid: 90 } } },
    'test configuration',
  );
  assert.equal(config.pki.lifetimes.ldevid, 90);
  const tooShort = refusal({ pki: { allowShortLifetimes: true, lifetimes: { ldevid: 59 } } });
  assert.equal(tooShort.path, '/pki/lifetimes/ldevid');
  assert.match(tooShort.message, /59s is shorter than the ldevid profile's minimum 1m$/m);
});
