import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessClock, describeOffset, measureOffsetMs, toDeviceTime } from './clock-skew.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const serverNow = new Date('2030-06-01T12:00:00Z');
// Issued a minute ago, backdated five minutes, thirty days.
const current = {
  notBefore: new Date(serverNow.getTime() - 6 * 60_000),
  notAfter: new Date(serverNow.getTime() + 30 * DAY_MS),
};
const device = (offsetFromServerMs: number) => new Date(serverNow.getTime() + offsetFromServerMs);

test('a 1970 clock with no server time known yet: ask the server before acting', () => {
  const time = assessClock(new Date('1970-01-01T00:00:10Z'), undefined, current);
  assert.equal(time.needsServerTime, true);
  assert.equal(time.deviceClockWrong, false);
});

test('a 1970 clock once the server told the time: schedule by server time', () => {
  const deviceNow = new Date('1970-01-01T00:00:10Z');
  const offset = measureOffsetMs(serverNow, deviceNow);
  const time = assessClock(deviceNow, offset, current);
  assert.equal(time.deviceClockWrong, true);
  assert.equal(time.needsServerTime, false);
  assert.equal(time.now.toISOString(), serverNow.toISOString());
  // A server-time instant tomorrow is, on the device clock, tomorrow in 1970.
  const tomorrow = new Date(serverNow.getTime() + DAY_MS);
  assert.equal(toDeviceTime(time, tomorrow).toISOString(), '1970-01-02T00:00:10.000Z');
  assert.match(describeOffset(offset), /^60\.\d years behind the server$/);
});

test('a 1970 clock and no certificate yet: nothing contradicts it until the server answers', () => {
  const time = assessClock(new Date('1970-01-01T00:00:10Z'), undefined, undefined);
  assert.equal(time.needsServerTime, false);
  assert.equal(time.deviceClockWrong, false);
});

test('hours off: behind the certificate is wrong, ahead within a day is tolerated', () => {
  const behind = assessClock(device(-3 * HOUR_MS), 3 * HOUR_MS, current);
  assert.equal(behind.deviceClockWrong, true, 'before notBefore');
  assert.equal(behind.now.toISOString(), serverNow.toISOString());
  const ahead = assessClock(device(3 * HOUR_MS), -3 * HOUR_MS, current);
  assert.equal(ahead.deviceClockWrong, false);
  assert.equal(ahead.now.toISOString(), device(3 * HOUR_MS).toISOString());
  assert.match(describeOffset(-3 * HOUR_MS), /^3\.0 hours ahead of the server$/);
});

test('more than a day off is wrong, whichever way', () => {
  for (const offsetMs of [2 * DAY_MS, -2 * DAY_MS]) {
    const deviceNow = device(-offsetMs);
    const time = assessClock(deviceNow, offsetMs, undefined);
    assert.equal(time.deviceClockWrong, true);
    assert.equal(time.now.toISOString(), serverNow.toISOString());
  }
});

test('a small skew is ignored: the device clock rules', () => {
  const deviceNow = device(30_000);
  const time = assessClock(deviceNow, -30_000, current);
  assert.equal(time.deviceClockWrong, false);
  assert.equal(time.offsetMs, 0);
  assert.equal(time.now.toISOString(), deviceNow.toISOString());
  assert.equal(toDeviceTime(time, serverNow).toISOString(), serverNow.toISOString());
});

test('a clock past notAfter with no server time: ask before treating the certificate as expired', () => {
  const time = assessClock(device(40 * DAY_MS), undefined, current);
  assert.equal(time.needsServerTime, true);
});

test('an offset measured before the clock reset again is stale: ask the server again', () => {
  const offset = 2 * HOUR_MS; // measured when the device was two hours behind
  const time = assessClock(new Date('1970-01-01T00:00:10Z'), offset, current);
  assert.equal(time.deviceClockWrong, true);
  assert.equal(time.needsServerTime, true);
});
