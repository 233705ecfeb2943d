import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldErrors, isProblem, problemMessage } from './problem-message.js';

test('title and detail make one sentence; a detail that repeats the title is said once', () => {
  assert.equal(
    problemMessage(409, { title: 'Conflict', detail: "endpoint name 'x' is taken" }),
    "Conflict: endpoint name 'x' is taken.",
  );
  assert.equal(problemMessage(404, { title: 'Not found', detail: 'Not found' }), 'Not found.');
  assert.equal(problemMessage(403, { detail: 'read tokens cannot revoke' }), 'read tokens cannot revoke.');
  assert.equal(
    problemMessage(422, { title: 'Policy violation', detail: 'too many.' }),
    'Policy violation: too many.',
  );
});

test('field errors not already in the detail are added', () => {
  assert.equal(
    problemMessage(400, {
      title: 'Malformed request',
      detail: 'body has 2 problems',
      errors: [
        { in: 'body', pointer: '/host', detail: "host 'bad host' is not a DNS name" },
        { in: 'body', pointer: '/port', detail: 'body has 2 problems' },
      ],
    }),
    "Malformed request: body has 2 problems (host 'bad host' is not a DNS name).",
  );
});

test('without a problem body, the status says what happened', () => {
  assert.equal(problemMessage(502, undefined), 'The server answered 502 (Bad Gateway).');
  assert.equal(problemMessage(418, undefined), 'The server answered 418.');
  assert.equal(problemMessage(500, {}), 'The server answered 500 (Internal Server Error).');
});

test('problem detection and field errors by pointer (first wins)', () => {
  assert.equal(isProblem({ title: 'x' }), true);
  assert.equal(isProblem({ items: [] }), false);
  assert.equal(isProblem(null), false);
  assert.equal(isProblem('x'), false);
  const errors = fieldErrors({
    errors: [
      { pointer: '/host', detail: 'first' },
      { pointer: '/host', detail: 'second' },
      { pointer: '/port' },
    ],
  });
  assert.deepEqual([...errors], [['/host', 'first']]);
  assert.equal(fieldErrors(undefined).size, 0);
});
