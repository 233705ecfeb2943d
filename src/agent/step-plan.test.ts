import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestCertificate } from '../../test/helpers/pki-fixtures.js';
import { resolveAgentConfig } from './agent-config.js';
import { assessClock } from './clock-skew.js';
import type { KeptRenewalInfo } from './credential-store.js';
import {
  dueEnrollment,
  type MutableAgentState,
  nextScheduled,
  type PlanView,
  renewalInfoCheckAt,
  renewalInfoCheckDue,
  renewAt,
} from './step-plan.js';

const DAY_MS = 86_400_000;
const notBefore = new Date('2030-01-01T00:00:00Z');
const day = (days: number) => new Date(notBefore.getTime() + days * DAY_MS);
const leaf = makeTestCertificate({ subject: 'device', notBefore, notAfter: day(30) }).cert;
const ACME = 'https://pki.example/acme/directory';

/** A plan at `now` for `leaf` (30 days, no announced policy: local window day 20 → day 22.5). */
function view(
  options: {
    now?: Date;
    state?: Partial<MutableAgentState>;
    acme?: boolean;
    random?: () => number;
    retryAt?: Date;
    offsetMs?: number;
  } = {},
): PlanView {
  const now = options.now ?? day(1);
  return {
    state: { consecutiveFailures: 0, ...options.state },
    current: leaf,
    time: assessClock(now, options.offsetMs, leaf),
    config: resolveAgentConfig({
      estUrl: 'https://pki.example/.well-known/est',
      ...(options.acme === false ? {} : { acmeDirectoryUrl: ACME }),
    }),
    random: options.random ?? (() => 0.5),
    ...(options.retryAt === undefined ? {} : { renewalInfoRetryAt: options.retryAt }),
  };
}

function window(start: Date, end: Date, extra: Partial<KeptRenewalInfo> = {}): KeptRenewalInfo {
  return {
    serial: leaf.serial,
    start: start.toISOString(),
    end: end.toISOString(),
    nextCheckAt: day(1.25).toISOString(),
    ...extra,
  };
}

describe('renewal time with and without a renewalInfo window (RFC 9773 §4.2)', () => {
  test('without a window: the local schedule, its draw kept in the state', () => {
    const plan = view();
    assert.equal(renewAt(plan).toISOString(), day(21.25).toISOString());
    assert.deepEqual(plan.state.renewal, {
      serial: leaf.serial,
      jitter: 0.5,
      renewAt: day(21.25).toISOString(),
    });
    assert.equal(dueEnrollment(plan), undefined);
  });

  test('a window earlier than the local schedule: start + draw × (end − start), due from then', () => {
    const state = { renewalInfo: window(day(5), day(7)) };
    assert.equal(renewAt(view({ state })).toISOString(), day(6).toISOString());
    assert.equal(dueEnrollment(view({ now: day(5.99), state })), undefined);
    assert.equal(dueEnrollment(view({ now: day(6), state })), 'renew');
  });

  test('a later window moves the renewal later: the server decides, not the earlier of the two', () => {
    const state = { renewalInfo: window(day(24), day(26)) };
    assert.equal(renewAt(view({ state })).toISOString(), day(25).toISOString());
    assert.equal(dueEnrollment(view({ now: day(22.5), state })), undefined);
  });

  test('the kept draw is reused in the window: a restart or a new answer does not draw again', () => {
    const state = {
      renewal: { serial: leaf.serial, jitter: 0.25, renewAt: day(20.625).toISOString() },
      renewalInfo: window(day(4), day(8)),
    };
    const plan = view({ state, random: () => assert.fail('a second draw') });
    assert.equal(renewAt(plan).toISOString(), day(5).toISOString());
    assert.deepEqual(plan.state.renewal, {
      serial: leaf.serial,
      jitter: 0.25,
      renewAt: day(5).toISOString(),
    });
  });

  test('a window already past: renew now', () => {
    const state = { renewalInfo: window(day(0.2), day(0.5)) };
    assert.equal(dueEnrollment(view({ now: day(1), state })), 'renew');
    assert.ok(renewAt(view({ state })) < day(1));
  });

  test('a window kept for another certificate is ignored', () => {
    const state = { renewalInfo: window(day(2), day(3), { serial: `${leaf.serial}00` }) };
    assert.equal(renewAt(view({ state })).toISOString(), day(21.25).toISOString());
  });

  const bad: Array<[string, Partial<KeptRenewalInfo>]> = [
    ['an end before its start', { start: day(7).toISOString(), end: day(5).toISOString() }],
    ['an empty window', { start: day(5).toISOString(), end: day(5).toISOString() }],
    ['a start that is no time', { start: 'soon' }],
    ['an end that is no time', { end: '' }],
  ];
  for (const [name, fields] of bad) {
    test(`a kept window with ${name} is ignored: the local schedule applies`, () => {
      const state = { renewalInfo: window(day(5), day(7), fields) };
      assert.equal(renewAt(view({ state })).toISOString(), day(21.25).toISOString());
    });
  }
});

describe('when renewalInfo is asked again (RFC 9773 §4.3)', () => {
  test('never without acmeDirectoryUrl', () => {
    const plan = view({ acme: false });
    assert.equal(renewalInfoCheckAt(plan), undefined);
    assert.equal(renewalInfoCheckDue(plan), false);
    assert.equal(nextScheduled(plan).toISOString(), day(21.25).toISOString());
  });

  test('at once when there is no answer about the current certificate', () => {
    assert.equal(renewalInfoCheckDue(view()), true);
    const other = { renewalInfo: window(day(5), day(7), { serial: 'ab' }) };
    assert.equal(renewalInfoCheckDue(view({ state: other })), true);
  });

  test("after the last answer's Retry-After, and the daemon wakes for it", () => {
    const state = { renewalInfo: window(day(5), day(7)) };
    assert.equal(renewalInfoCheckAt(view({ state }))?.toISOString(), day(1.25).toISOString());
    assert.equal(renewalInfoCheckDue(view({ now: day(1.2), state })), false);
    assert.equal(renewalInfoCheckDue(view({ now: day(1.25), state })), true);
    assert.equal(nextScheduled(view({ now: day(1.2), state })).toISOString(), day(1.25).toISOString());
  });

  test('not before the retry time of a failed check', () => {
    const plan = view({ retryAt: day(1.1) });
    assert.equal(renewalInfoCheckAt(plan)?.toISOString(), day(1.1).toISOString());
    assert.equal(renewalInfoCheckDue(plan), false);
    assert.equal(nextScheduled(plan).toISOString(), day(1.1).toISOString());
  });

  test('a next check further ahead than any Retry-After means the clock moved back: ask now', () => {
    const state = { renewalInfo: window(day(5), day(7), { nextCheckAt: day(3).toISOString() }) };
    assert.equal(renewalInfoCheckDue(view({ state })), true);
    const unreadable = { renewalInfo: window(day(5), day(7), { nextCheckAt: 'later' }) };
    assert.equal(renewalInfoCheckDue(view({ state: unreadable })), true);
  });

  test('not while the device clock is judged wrong, nor for an expired certificate', () => {
    assert.equal(renewalInfoCheckAt(view({ offsetMs: 3 * DAY_MS })), undefined);
    assert.equal(renewalInfoCheckAt(view({ now: day(31) })), undefined);
  });
});
