import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLinkHeaders } from './http-link.js';

const BASE = 'https://acme.example/acme/chall/1';

test('RFC 8288 links: separate headers, comma-joined values, relative targets, several rel types', () => {
  assert.deepEqual(
    parseLinkHeaders(
      [
        '<https://acme.example/directory>;rel="index"',
        '</acme/authz/1>; rel=up, <https://acme.example/cert/1/alt,1>;rel="alternate"',
        '<https://acme.example/x>; title="no rel"',
        '<https://acme.example/y>; rel="Next Alternate"',
      ],
      BASE,
    ),
    [
      { url: 'https://acme.example/directory', rel: 'index' },
      { url: 'https://acme.example/acme/authz/1', rel: 'up' },
      { url: 'https://acme.example/cert/1/alt,1', rel: 'alternate' },
      { url: 'https://acme.example/y', rel: 'next' },
      { url: 'https://acme.example/y', rel: 'alternate' },
    ],
  );
  assert.deepEqual(parseLinkHeaders(['no link here', '<http://[bad>;rel=up'], BASE), []);
});
