import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EnrollmentEvent } from '../../store/records.js';
import { enrollmentLabels, NO_REASON, OTHER } from './enrollment-labels.js';

function event(overrides: Partial<EnrollmentEvent>): EnrollmentEvent {
  return {
    at: new Date('2030-01-01T00:00:00Z'),
    deviceId: null,
    protocol: 'est',
    operation: 'simpleenroll',
    profile: 'ldevid',
    issuerId: null,
    outcome: 'issued',
    reasonCode: null,
    reason: null,
    requester: 'idevid:01',
    certificateSerial: null,
    ...overrides,
  };
}

describe('enrollmentLabels', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly event: Partial<EnrollmentEvent>;
    readonly labels: Partial<ReturnType<typeof enrollmentLabels>>;
  }> = [
    {
      name: 'an issued EST enrollment has no reason',
      event: {},
      labels: { protocol: 'est', operation: 'simpleenroll', outcome: 'issued', reason: NO_REASON },
    },
    {
      name: 'a refusal keeps its error code',
      event: { outcome: 'refused', reasonCode: 'UNAUTHORIZED', reason: 'no client certificate' },
      labels: { outcome: 'refused', reason: 'UNAUTHORIZED' },
    },
    {
      name: 'a refusal keeps the rule it broke',
      event: { outcome: 'refused', reasonCode: 'ldevid.validity.max', operation: 'simplereenroll' },
      labels: { operation: 'simplereenroll', reason: 'ldevid.validity.max' },
    },
    {
      name: 'renewal, approval and import rules are known areas',
      event: { outcome: 'refused', reasonCode: 'renewal.key-reuse' },
      labels: { reason: 'renewal.key-reuse' },
    },
    {
      name: 'a rule of an unknown area is other',
      event: { outcome: 'refused', reasonCode: 'made-up.rule' },
      labels: { reason: OTHER },
    },
    {
      name: 'free text in the reason code is other',
      event: { outcome: 'error', reasonCode: 'connection to db-7 reset at 12:00' },
      labels: { outcome: 'error', reason: OTHER },
    },
    {
      name: 'an operation the client chose (last URL segment of a refused EST request) is other',
      event: { operation: 'x-9f8e7d6c5b4a', outcome: 'refused', reasonCode: 'PAYLOAD_TOO_LARGE' },
      labels: { operation: OTHER, reason: 'PAYLOAD_TOO_LARGE' },
    },
    {
      name: 'CMP and internal operations are known',
      event: { protocol: 'internal', operation: 'ocsp-responder' },
      labels: { protocol: 'internal', operation: 'ocsp-responder' },
    },
    {
      name: 'a protocol that is not a short word is other',
      event: { protocol: 'EST over HTTP/1.1' },
      labels: { protocol: OTHER },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const labels = enrollmentLabels(event(c.event));
      for (const [key, value] of Object.entries(c.labels)) {
        assert.equal(labels[key as keyof typeof labels], value, key);
      }
    });
  }

  test('a thousand distinct client-chosen operations and reasons make one label value each', () => {
    const values = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const labels = enrollmentLabels(
        event({ operation: `op${i}`, outcome: 'refused', reasonCode: `reason ${i}` }),
      );
      values.add(`${labels.operation}/${labels.reason}`);
    }
    assert.deepEqual([...values], [`${OTHER}/${OTHER}`]);
  });
});
