import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPkiError } from '../../core/pki-error.js';
import { parseAltName } from '../general-names.js';
import { buildName } from '../name.js';
import { builtinProfile } from './builtin-profiles.js';
import { checkProfile } from './check-profile.js';
import { lifetimeProblems, ProfileSet, renewalPoint } from './profile-set.js';

const DAY = 86_400;
const ldevidRequest = (validitySeconds?: number) => ({
  subject: buildName([]),
  altNames: [parseAltName('uri:urn:dev:ops:acme-1')],
  keyAlgorithm: 'ec-p256' as const,
  ...(validitySeconds === undefined ? {} : { validitySeconds }),
});

test('the built-in set is the built-in profiles', () => {
  assert.deepEqual(ProfileSet.builtin().profile('ldevid'), builtinProfile('ldevid'));
});

test('a configured lifetime becomes the default; the bounds stay unless short lifetimes are allowed', () => {
  const week = ProfileSet.configured({ lifetimes: { ldevid: 7 * DAY } });
  assert.deepEqual(week.profile('ldevid').validity, {
    defaultSeconds: 7 * DAY,
    minSeconds: 3600,
    maxSeconds: 90 * DAY,
  });
  assert.equal(checkProfile(week.profile('ldevid'), ldevidRequest()).validitySeconds, 7 * DAY);
  assert.deepEqual(week.profile('tls-server'), builtinProfile('tls-server'));

  const short = ProfileSet.configured({ lifetimes: { ldevid: 90 }, allowShortLifetimes: true });
  assert.deepEqual(short.profile('ldevid').validity, {
    defaultSeconds: 90,
    minSeconds: 60,
    maxSeconds: 90 * DAY,
  });
  assert.equal(short.profile('code-signing').validity.minSeconds, 60, 'every online profile');
  assert.equal(short.profile('root-ca').validity.minSeconds, 365 * DAY, 'not the ceremonies');
  assert.equal(checkProfile(short.profile('ldevid'), ldevidRequest(60)).validitySeconds, 60);
  assert.throws(
    () => checkProfile(short.profile('ldevid'), ldevidRequest(59)),
    (e) => isPkiError(e, 'POLICY_VIOLATION') && e.details['rule'] === 'ldevid.validity.min',
  );
  assert.equal(short.byName('ldevid').validity.defaultSeconds, 90);
  assert.throws(
    () => short.byName('superuser'),
    (e) => isPkiError(e, 'POLICY_VIOLATION'),
  );
});

test('lifetimes out of bounds are refused with their path', () => {
  assert.deepEqual(lifetimeProblems({ lifetimes: { ldevid: 90 } }), [
    {
      path: '/pki/lifetimes/ldevid',
      message:
        "90s is shorter than the ldevid profile's minimum 1h (pki.allowShortLifetimes lowers it to 1m, for simulations and tests only)",
    },
  ]);
  assert.deepEqual(lifetimeProblems({ lifetimes: { ldevid: 90 }, allowShortLifetimes: true }), []);
  assert.deepEqual(
    lifetimeProblems({ lifetimes: { ldevid: 59, 'tls-server': 398 * DAY }, allowShortLifetimes: true }).map(
      (p) => `${p.path}: ${p.message}`,
    ),
    [
      "/pki/lifetimes/ldevid: 59s is shorter than the ldevid profile's minimum 1m",
      "/pki/lifetimes/tls-server: 398d exceeds the tls-server profile's maximum 397d",
    ],
  );
  assert.throws(
    () => ProfileSet.configured({ lifetimes: { idevid: DAY } }),
    (e) => isPkiError(e, 'CONFIG_INVALID') && e.message.startsWith('/pki/lifetimes/idevid: 1d is shorter'),
  );
});

test('the renewal point is the renewal window of the lifetime after issuance, not after the backdated notBefore', () => {
  const ldevid = builtinProfile('ldevid');
  const issuedAt = Date.parse('2030-01-01T00:00:00Z');
  const notBefore = new Date(issuedAt - 300_000);
  const notAfter = new Date(issuedAt + 90_000);
  assert.deepEqual(renewalPoint(ldevid, { notBefore, notAfter }, 90), new Date(issuedAt + 60_000));
  // Whole seconds, as csrattrs announces them: 100 s × 2/3 is 67 s.
  const later = new Date(issuedAt + 100_000);
  assert.deepEqual(renewalPoint(ldevid, { notBefore, notAfter: later }, 100), new Date(issuedAt + 67_000));
  // Cut short by the issuer's expiry: the lifetime is what is left after notBefore.
  assert.deepEqual(
    renewalPoint(ldevid, { notBefore, notAfter }, 3600),
    new Date(notBefore.getTime() + 260_000),
  );
  assert.equal(renewalPoint(builtinProfile('idevid'), { notBefore, notAfter }, 90), undefined);
});
