import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PKI_ERROR_CODES, PkiError } from '../core/pki-error.js';
import { invalidInput } from './invalid-input.js';
import { API_PROBLEMS, problemDetails, problemType } from './problem-details.js';

test('every code has a status and a type URI under certfleet.dev/problems', () => {
  for (const code of PKI_ERROR_CODES) {
    assert.ok(API_PROBLEMS[code].status >= 400, code);
    assert.match(problemType(code), /^https:\/\/certfleet\.dev\/problems\/[a-z-]+$/);
  }
  assert.equal(
    problemType('UNSUPPORTED_MEDIA_TYPE'),
    'https://certfleet.dev/problems/unsupported-media-type',
  );
});

test('the exact JSON of a problem, with the bad field for malformed input', () => {
  const error = invalidInput('body', '/reason', 'must be one of the allowed values');
  assert.equal(
    JSON.stringify(problemDetails(error, '/api/v1/certificates/0a/revoke')),
    '{"type":"https://certfleet.dev/problems/malformed-input","title":"Malformed request","status":400,' +
      '"detail":"body reason: must be one of the allowed values","instance":"/api/v1/certificates/0a/revoke",' +
      '"code":"MALFORMED_INPUT","errors":[{"in":"body","pointer":"/reason",' +
      '"detail":"body reason: must be one of the allowed values"}]}',
  );
});

test('internal errors say nothing of what happened; a policy violation names its rule', () => {
  const internal = problemDetails(new PkiError('INTERNAL', 'disk /var/lib/x is full'), '/api/v1/devices');
  assert.equal(internal.status, 500);
  assert.ok(!JSON.stringify(internal).includes('/var/lib'));
  const config = problemDetails(new PkiError('CONFIG_INVALID', '/store/url: secret path'), '/x');
  assert.ok(!JSON.stringify(config).includes('secret path'));
  const policy = problemDetails(
    new PkiError('POLICY_VIOLATION', 'no', { details: { rule: 'revocation.reason' } }),
    '/x',
  );
  assert.equal(policy.status, 422);
  assert.equal(policy.rule, 'revocation.reason');
});
