import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makeTestHierarchy } from '../../../../test/helpers/pki-fixtures.js';
import { isPkiError } from '../../../core/pki-error.js';
import { privateKeyToPkcs8 } from '../../../pki/algorithms/key-algorithm.js';
import { decodeCertsOnly, encodeCertsOnly } from './certs-only.js';
import { decodeMultipartMixed, decodeServerKeygenResponse, encodeServerKeygenResponse } from './multipart.js';

const { leaf } = makeTestHierarchy();
const pkcs8 = privateKeyToPkcs8(leaf.key);
const certsOnly = encodeCertsOnly([leaf.cert.der]);

test('the serverkeygen response is spelled exactly as RFC 7030 §4.4.2 and libest expect', () => {
  const { contentType, body } = encodeServerKeygenResponse(pkcs8, certsOnly, 'est-1a2b');
  assert.equal(contentType, 'multipart/mixed; boundary=est-1a2b');
  const lines = body.split('\r\n');
  assert.equal(lines.pop(), '', 'the body ends with CRLF');
  assert.ok(!lines.some((line) => line.includes('\n') || line.includes('\r')), 'CRLF line ends only');
  const keyBase64 = Buffer.from(pkcs8).toString('base64');
  const certBase64 = Buffer.from(certsOnly).toString('base64');
  const wrap = (text: string) => text.match(/.{1,64}/g) ?? [];
  assert.deepEqual(lines, [
    '--est-1a2b',
    'Content-Type: application/pkcs8',
    'Content-Transfer-Encoding: base64',
    '',
    ...wrap(keyBase64),
    '--est-1a2b',
    'Content-Type: application/pkcs7-mime; smime-type=certs-only',
    'Content-Transfer-Encoding: base64',
    '',
    ...wrap(certBase64),
    '--est-1a2b--',
  ]);
});

test('round trip: the parts decode to the key and the certificate', () => {
  const { contentType, body } = encodeServerKeygenResponse(pkcs8, certsOnly, 'certfleet-0123456789abcdef');
  const parts = decodeMultipartMixed(contentType, body);
  assert.deepEqual(
    parts.map((p) => p.headers),
    [
      { 'content-type': 'application/pkcs8', 'content-transfer-encoding': 'base64' },
      {
        'content-type': 'application/pkcs7-mime; smime-type=certs-only',
        'content-transfer-encoding': 'base64',
      },
    ],
  );
  const decoded = decodeServerKeygenResponse(contentType, body);
  assert.deepEqual(decoded.privateKeyPkcs8Der, pkcs8);
  assert.deepEqual(decodeCertsOnly(decoded.certsOnlyDer), [leaf.cert.der]);
});

test('decodeMultipartMixed is liberal: LF, header case, folding, quoted boundary, preamble, epilogue', () => {
  const body = [
    'This is the preamble.',
    '--"odd"  ', // not the boundary: quotes belong to the parameter syntax only
    '--odd:b ',
    'CONTENT-type: application/pkcs8',
    'X-Note: first',
    '  second',
    '',
    'AAAA',
    'BBBB',
    '--odd:b',
    'content-type: application/pkcs7-mime',
    '',
    '',
    '--odd:b--  ',
    'epilogue',
  ].join('\n');
  const parts = decodeMultipartMixed('Multipart/Mixed; charset=x; BOUNDARY="odd:b"', body);
  assert.deepEqual(parts, [
    { headers: { 'content-type': 'application/pkcs8', 'x-note': 'first second' }, body: 'AAAA\nBBBB' },
    { headers: { 'content-type': 'application/pkcs7-mime' }, body: '' },
  ]);
});

test('a libest-era server that omits smime-type is still read; an encrypted key is refused clearly', () => {
  const base64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
  const response = (keyType: string) =>
    [
      '--b',
      `Content-Type: ${keyType}`,
      '',
      base64(pkcs8),
      '--b',
      'Content-Type: application/pkcs7-mime',
      '',
      base64(certsOnly),
      '--b--',
      '',
    ].join('\r\n');
  assert.deepEqual(
    decodeServerKeygenResponse('multipart/mixed; boundary=b', response('application/pkcs8'))
      .privateKeyPkcs8Der,
    pkcs8,
  );
  assert.throws(
    () =>
      decodeServerKeygenResponse(
        'multipart/mixed; boundary=b',
        response('application/pkcs7-mime; smime-type=server-generated-key'),
      ),
    (e) => isPkiError(e, 'MALFORMED_INPUT') && /key is encrypted/.test(e.message),
  );
});

test('malformed multipart bodies are MALFORMED_INPUT with the reason', () => {
  const ok = encodeServerKeygenResponse(pkcs8, certsOnly, 'b');
  const cases: Array<[string, string, string, RegExp]> = [
    ['not multipart', 'application/pkcs8', ok.body, /is not multipart\/mixed/],
    ['no boundary parameter', 'multipart/mixed', ok.body, /no boundary parameter/],
    ['boundary absent from the body', 'multipart/mixed; boundary=zz', ok.body, /boundary never appears/],
    ['no closing delimiter', ok.contentType, ok.body.replace('--b--', ''), /no closing boundary/],
    [
      'no blank line after headers',
      ok.contentType,
      '--b\r\nContent-Type: x\r\n--b--\r\n',
      /part 1 has no blank line/,
    ],
    [
      'header without a colon',
      ok.contentType,
      '--b\r\nContent-Type x\r\n\r\n\r\n--b--',
      /malformed header line/,
    ],
    [
      'repeated header',
      ok.contentType,
      '--b\r\nContent-Type: a\r\ncontent-type: b\r\n\r\n\r\n--b--',
      /repeats header content-type/,
    ],
    [
      'no key part',
      ok.contentType,
      '--b\r\nContent-Type: application/pkcs7-mime\r\n\r\nMAA=\r\n--b--',
      /no application\/pkcs8 part/,
    ],
    [
      'no certificate part',
      ok.contentType,
      '--b\r\nContent-Type: application/pkcs8\r\n\r\nMAA=\r\n--b--',
      /no application\/pkcs7-mime part/,
    ],
    [
      'a part that is not base64',
      ok.contentType,
      ok.body.replace(
        /(Content-Type: application\/pkcs8\r\nContent-Transfer-Encoding: base64\r\n\r\n)/,
        '$1#',
      ),
      /private key: character '#' is not base64/,
    ],
  ];
  for (const [name, contentType, body, reason] of cases) {
    assert.throws(
      () => decodeServerKeygenResponse(contentType, body),
      (e) => isPkiError(e, 'MALFORMED_INPUT') && reason.test(e.message),
      name,
    );
  }
});

test('boundaries that would need quoting or break RFC 2046 are refused (INTERNAL: the caller chooses them)', () => {
  for (const boundary of ['', 'a b', 'a;b', 'a"b', 'x'.repeat(71), 'a\r\nb']) {
    assert.throws(
      () => encodeServerKeygenResponse(pkcs8, certsOnly, boundary),
      (e) => isPkiError(e, 'INTERNAL') && /boundary/.test(e.message),
      JSON.stringify(boundary),
    );
  }
});

test('fuzz: decodeMultipartMixed only ever throws PkiError, and in linear time', () => {
  const { contentType, body } = encodeServerKeygenResponse(pkcs8, certsOnly, 'b');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: fc.constantFrom('-', 'b', '\r', '\n', ' ', '\t', ':', 'x'), maxLength: 200 }),
        fc.nat(body.length).chain((n) => fc.constant(body.slice(0, n))),
      ),
      (text) => {
        try {
          decodeServerKeygenResponse(contentType, text);
        } catch (error) {
          assert.ok(isPkiError(error), String(error));
        }
      },
    ),
    { numRuns: 2000 },
  );
  const started = performance.now();
  for (const hostile of [
    `--b${' '.repeat(200_000)}x`,
    `--b\r\n${'a:'.repeat(100_000)}`,
    '\n'.repeat(200_000),
  ]) {
    assert.throws(() => decodeMultipartMixed(contentType, hostile), isPkiError);
  }
  assert.ok(performance.now() - started < 1000, 'hostile inputs are handled in linear time');
});
