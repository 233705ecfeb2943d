import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffSeconds,
  MIN_RETRY_SECONDS,
  renewalTime,
  renewalWindow,
  retryDelaySeconds,
} from './renewal-schedule.js';

const DAY_MS = 86_400_000;
const notBefore = new Date('2030-01-01T00:00:00Z');
const at = (days: number) => new Date(notBefore.getTime() + days * DAY_MS);
const thirtyDays = { notBefore, notAfter: at(30) };
const defaults = { renewalFraction: 2 / 3, jitterFraction: 0.25 };

describe('renewal window', () => {
  test('without a policy it opens after renewalFraction of the lifetime', () => {
    const window = renewalWindow(thirtyDays, defaults);
    assert.equal(window.windowStart.toISOString(), at(20).toISOString());
    // A quarter of the 10 days left.
    assert.equal(window.spreadEnd.toISOString(), at(22.5).toISOString());
  });

  test('an announced policy counts from issuedAt = max(notBefore, notAfter − lifetime): backdating is ignored', () => {
    const backdated = { notBefore: new Date(notBefore.getTime() - 300_000), notAfter: at(30) };
    const policy = { lifetimeSeconds: 30 * 86_400, renewAfterSeconds: 10 * 86_400 };
    const window = renewalWindow(backdated, { ...defaults, policy });
    assert.equal(window.windowStart.toISOString(), at(10).toISOString());
    assert.equal(window.spreadEnd.toISOString(), at(15).toISOString());
  });

  test('a certificate cut short by its issuer counts from notBefore', () => {
    const short = { notBefore, notAfter: at(12) };
    const policy = { lifetimeSeconds: 30 * 86_400, renewAfterSeconds: 10 * 86_400 };
    assert.equal(
      renewalWindow(short, { ...defaults, policy }).windowStart.toISOString(),
      at(10).toISOString(),
    );
  });

  test('a policy that would open the window after expiry falls back to the fraction', () => {
    const short = { notBefore, notAfter: at(6) };
    const policy = { lifetimeSeconds: 30 * 86_400, renewAfterSeconds: 20 * 86_400 };
    assert.equal(
      renewalWindow(short, { ...defaults, policy }).windowStart.toISOString(),
      at(4).toISOString(),
    );
  });

  test('each draw lands in [windowStart, windowStart + jitterFraction × (notAfter − windowStart)]', () => {
    const window = renewalWindow(thirtyDays, defaults);
    assert.equal(renewalTime(window, 0).toISOString(), at(20).toISOString());
    assert.equal(renewalTime(window, 1).toISOString(), at(22.5).toISOString());
    assert.equal(renewalTime(window, 0.5).toISOString(), at(21.25).toISOString());
    for (let i = 0; i < 200; i++) {
      const time = renewalTime(window, Math.random()).getTime();
      assert.ok(time >= at(20).getTime() && time <= at(22.5).getTime());
    }
    // Out-of-range draws are clamped, never scheduled past the spread.
    assert.equal(renewalTime(window, 7).toISOString(), at(22.5).toISOString());
    assert.equal(renewalTime(window, -1).toISOString(), at(20).toISOString());
  });

  test('jitterFraction 0 renews everyone at windowStart', () => {
    const window = renewalWindow(thirtyDays, { ...defaults, jitterFraction: 0 });
    assert.equal(renewalTime(window, 0.9).toISOString(), at(20).toISOString());
  });
});

describe('backoff', () => {
  const backoff = { initialSeconds: 30, maxSeconds: 3600 };

  test('doubles from the initial wait and stops at the cap', () => {
    const middle = [1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 2000].map((n) => backoffSeconds(n, backoff, 0.5));
    assert.deepEqual(middle, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]);
  });

  test('is spread by ±20 %', () => {
    assert.equal(backoffSeconds(3, backoff, 0), 96);
    assert.ok(Math.abs(backoffSeconds(3, backoff, 0.999999) - 144) < 0.001);
    assert.equal(backoffSeconds(50, backoff, 0), 2880);
    for (let i = 0; i < 200; i++) {
      const delay = backoffSeconds(4, backoff, Math.random());
      assert.ok(delay >= 192 && delay <= 288, `${delay}`);
    }
  });

  test('near expiry the wait is at most a quarter of the time left, and at least 5 s', () => {
    const base = { backoff, random: 0.5 };
    assert.equal(retryDelaySeconds({ ...base, consecutiveFailures: 10, secondsLeft: 10 * 86_400 }), 3600);
    assert.equal(retryDelaySeconds({ ...base, consecutiveFailures: 10, secondsLeft: 4000 }), 1000);
    assert.equal(retryDelaySeconds({ ...base, consecutiveFailures: 10, secondsLeft: 60 }), 15);
    assert.equal(retryDelaySeconds({ ...base, consecutiveFailures: 10, secondsLeft: 8 }), MIN_RETRY_SECONDS);
    // Expired: no urgency left to honour, the ordinary backoff applies.
    assert.equal(retryDelaySeconds({ ...base, consecutiveFailures: 2, secondsLeft: -50 }), 60);
    // Retries get more frequent as expiry nears.
    const waits = [40_000, 20_000, 4000, 400].map((secondsLeft) =>
      retryDelaySeconds({ ...base, consecutiveFailures: 12, secondsLeft }),
    );
    assert.deepEqual(waits, [3600, 3600, 1000, 100]);
  });

  test("the server's Retry-After replaces the backoff, within the same limits", () => {
    const base = { backoff, random: 0.5, consecutiveFailures: 1 };
    assert.equal(retryDelaySeconds({ ...base, retryAfterSeconds: 600 }), 600);
    assert.equal(retryDelaySeconds({ ...base, retryAfterSeconds: 600, secondsLeft: 800 }), 200);
    assert.equal(retryDelaySeconds({ ...base, retryAfterSeconds: 0 }), MIN_RETRY_SECONDS);
  });
});
