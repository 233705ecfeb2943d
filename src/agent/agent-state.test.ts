import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentState } from './agent-state.js';

const kept = {
  serial: '0a1b',
  start: '2030-01-05T00:00:00.000Z',
  end: '2030-01-07T00:00:00.000Z',
  nextCheckAt: '2030-01-01T06:00:00.000Z',
  explanationUrl: 'https://pki.example/why',
};
const parsed = (renewalInfo: unknown) =>
  parseAgentState(JSON.stringify({ consecutiveFailures: 0, renewalInfo })).renewalInfo;

describe('agent state: the kept renewalInfo answer', () => {
  test('reads back as written', () => {
    assert.deepEqual(parsed(kept), kept);
    const { explanationUrl: _, ...withoutExplanation } = kept;
    assert.deepEqual(parsed(withoutExplanation), withoutExplanation);
  });

  test('an explanationUrl that is no URL is dropped, the window kept', () => {
    const { explanationUrl: _, ...rest } = kept;
    assert.deepEqual(parsed({ ...kept, explanationUrl: 'not a url' }), rest);
    assert.deepEqual(parsed({ ...kept, explanationUrl: 7 }), rest);
  });

  const bad: Array<[string, unknown]> = [
    ['not an object', 'soon'],
    ['an array', [kept]],
    ['no serial', { ...kept, serial: undefined }],
    ['an empty serial', { ...kept, serial: '' }],
    ['a numeric serial', { ...kept, serial: 10 }],
    ['a start that is no time', { ...kept, start: 'monday' }],
    ['an end that is no time', { ...kept, end: 12 }],
    ['an end before its start', { ...kept, start: kept.end, end: kept.start }],
    ['an empty window', { ...kept, end: kept.start }],
    ['no next check', { ...kept, nextCheckAt: undefined }],
    ['a next check that is no time', { ...kept, nextCheckAt: 'later' }],
  ];
  for (const [name, value] of bad) {
    test(`${name}: dropped (asked again), the rest of the state kept`, () => {
      const state = parseAgentState(
        JSON.stringify({ consecutiveFailures: 2, clockOffsetMs: 5, renewalInfo: value }),
      );
      assert.equal(state.renewalInfo, undefined);
      assert.equal(state.consecutiveFailures, 2);
      assert.equal(state.clockOffsetMs, 5);
    });
  }
});
