import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExpiringSubject } from './alert-facts.js';
import { globToRegExp, matchesSubject } from './subject-filter.js';

describe('subject filters', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*.example.com:*', 'mqtt.example.com:8883', true],
    ['*.example.com:*', 'mqtt.example.org:8883', false],
    ['*.example.com:*', 'mqtt.exampleXcom:8883', false],
    ['mqtt-?.example.com:443', 'mqtt-1.example.com:443', true],
    ['mqtt-?.example.com:443', 'mqtt-10.example.com:443', false],
    ['issuer (root)*', 'issuer (root) CN=Root', true],
    ['a+b', 'aab', false],
    ['a+b', 'a+b', true],
    ['*', '', true],
    ['Mqtt*', 'mqtt.example.com', false],
  ];
  for (const [pattern, label, expected] of cases) {
    test(`'${pattern}' ${expected ? 'matches' : 'does not match'} '${label}'`, () => {
      assert.equal(globToRegExp(pattern).test(label), expected);
    });
  }

  test('kind and pattern both apply', () => {
    const subject: ExpiringSubject = {
      subjectKey: 'endpoint:1',
      label: 'a.example.com:443',
      kind: 'endpoint',
    };
    assert.equal(matchesSubject({}, subject), true);
    assert.equal(matchesSubject({ kind: 'endpoint' }, subject), true);
    assert.equal(matchesSubject({ kind: 'certificate' }, subject), false);
    assert.equal(matchesSubject({ kind: 'endpoint', labelPattern: '*.example.com:443' }, subject), true);
    assert.equal(matchesSubject({ kind: 'endpoint', labelPattern: '*.example.org:443' }, subject), false);
  });
});
