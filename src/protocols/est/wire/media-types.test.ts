import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EST_MEDIA_TYPE, isPkcs10ContentType, mediaTypeEssence } from './media-types.js';

test('media types are spelled as RFC 7030 spells them', () => {
  assert.deepEqual(EST_MEDIA_TYPE, {
    pkcs10: 'application/pkcs10',
    pkcs7Mime: 'application/pkcs7-mime',
    certsOnly: 'application/pkcs7-mime; smime-type=certs-only',
    csrattrs: 'application/csrattrs',
    pkcs8: 'application/pkcs8',
    multipartMixed: 'multipart/mixed',
  });
});

test('isPkcs10ContentType compares the type case-insensitively and ignores parameters', () => {
  const cases: Array<[string | undefined, boolean]> = [
    ['application/pkcs10', true],
    ['Application/PKCS10', true],
    ['application/pkcs10; charset=us-ascii', true],
    ['  application/pkcs10  ;foo=bar', true],
    ['application/pkcs10;', true],
    ['application/x-pkcs10', false],
    ['application/pkcs7-mime', false],
    ['application/pkcs10x', false],
    ['text/plain', false],
    ['', false],
    [undefined, false],
  ];
  for (const [header, expected] of cases) assert.equal(isPkcs10ContentType(header), expected, String(header));
});

test('mediaTypeEssence drops parameters and lower-cases', () => {
  assert.equal(mediaTypeEssence(EST_MEDIA_TYPE.certsOnly), 'application/pkcs7-mime');
  assert.equal(mediaTypeEssence('Multipart/Mixed; boundary=est'), 'multipart/mixed');
  assert.equal(mediaTypeEssence(' ; x=y'), undefined);
  assert.equal(mediaTypeEssence(undefined), undefined);
});
