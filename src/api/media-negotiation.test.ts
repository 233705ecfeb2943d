import assert from 'node:assert/strict';
import { test } from 'node:test';
import { negotiate } from './media-negotiation.js';

const OFFERED = ['application/json', 'application/pkix-cert', 'application/x-pem-file'] as const;

test('picks the offered type the Accept header rates highest, JSON when it names none', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['*/*', 'application/json'],
    ['application/pkix-cert', 'application/pkix-cert'],
    ['Application/X-PEM-File', 'application/x-pem-file'],
    ['application/x-pem-file, application/json;q=0.5', 'application/x-pem-file'],
    ['application/json;q=0.2, application/pkix-cert;q=0.9', 'application/pkix-cert'],
    ['application/*', 'application/json'],
    ['application/*;q=0.1, application/pkix-cert', 'application/pkix-cert'],
    ['text/html', 'application/json'],
    ['application/pkix-cert;q=0', 'application/json'],
    ['application/pkix-cert;q=bogus', 'application/json'],
    ['*/*;q=0.1, application/x-pem-file;q=0.2', 'application/x-pem-file'],
  ];
  for (const [accept, expected] of cases) assert.equal(negotiate(accept, OFFERED), expected, String(accept));
});
