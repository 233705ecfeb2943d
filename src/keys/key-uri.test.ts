import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { isPkiError } from '../core/pki-error.js';
import { formatKeyUri, keyUriScheme, parseKeyUri, redactKeyUri } from './key-uri.js';

test('parses key URIs into scheme, path and attributes', () => {
  const cases: Array<[string, string, string, Array<[string, string]>]> = [
    [
      'file:/var/lib/certfleet/keys/operational.key.pem?passphrase-source=file:/var/lib/certfleet/secrets/op.pass',
      'file',
      '/var/lib/certfleet/keys/operational.key.pem',
      [['passphrase-source', 'file:/var/lib/certfleet/secrets/op.pass']],
    ],
    [
      'file:/k.pem?passphrase-source=env:CERTFLEET_OPERATIONAL_PASSPHRASE',
      'file',
      '/k.pem',
      [['passphrase-source', 'env:CERTFLEET_OPERATIONAL_PASSPHRASE']],
    ],
    ['file:///var/k.pem', 'file', '/var/k.pem', []],
    ['file://localhost/var/k.pem', 'file', '/var/k.pem', []],
    ['FILE://LOCALHOST/var/k.pem', 'file', '/var/k.pem', []],
    ['  file:/var/k.pem\n', 'file', '/var/k.pem', []],
    ['file:/var/my%20keys/k%3F.pem', 'file', '/var/my keys/k?.pem', []],
    ['file:/var/a/../b/./k.pem', 'file', '/var/b/k.pem', []],
    ['file:data/keys/x.pem', 'file', resolve(process.cwd(), 'data/keys/x.pem'), []],
    ['file:/k.pem?passphrase-source=file:/a%26b', 'file', '/k.pem', [['passphrase-source', 'file:/a&b']]],
    [
      'pkcs11:token=CA;object=root%20key?pin-source=file:/etc/pin&module-name=softhsm2',
      'pkcs11',
      'token=CA;object=root%20key',
      [
        ['pin-source', 'file:/etc/pin'],
        ['module-name', 'softhsm2'],
      ],
    ],
  ];
  for (const [text, scheme, path, params] of cases) {
    const uri = parseKeyUri(text);
    assert.equal(uri.scheme, scheme, text);
    assert.equal(uri.path, path, text);
    assert.deepEqual([...uri.params], params, text);
  }
});

test('refuses malformed key URIs with CONFIG_INVALID', () => {
  const cases = [
    '',
    'no scheme here',
    '/var/k.pem',
    'file:',
    'file://',
    'file://keyserver.example/k.pem',
    'file:/k.pem#fragment',
    'file:/k.pem?a=1&a=2',
    'file:/k.pem?novalue',
    'file:/k.pem?=value',
    'file:/k.pem?a=1&&b=2',
    'file:/k%ZZ.pem',
    'file:/k%00.pem',
  ];
  for (const text of cases) {
    assert.throws(
      () => parseKeyUri(text),
      (e) => isPkiError(e, 'CONFIG_INVALID'),
      JSON.stringify(text),
    );
  }
});

test('refuses inline secrets, pointing at the reference attribute, without echoing the secret', () => {
  const cases: Array<[string, string]> = [
    ['file:/k.pem?passphrase=hunter2-inline', 'passphrase-source'],
    ['file:/k.pem?passphrase-source=env:X&password=hunter2-inline', 'passphrase-source'],
    ['pkcs11:token=CA?pin-value=hunter2-inline', 'pin-source'],
    ['file:/k.pem?PassPhrase=hunter2-inline', 'passphrase-source'],
  ];
  for (const [text, reference] of cases) {
    assert.throws(
      () => parseKeyUri(text),
      (e) => {
        assert.ok(isPkiError(e, 'CONFIG_INVALID'));
        assert.match(e.message, new RegExp(`${reference}=env:`));
        assert.doesNotMatch(e.message, /hunter2/);
        return true;
      },
      text,
    );
  }
});

test('a lone query value is not echoed in the error', () => {
  assert.throws(
    () => parseKeyUri('file:/k.pem?hunter2-alone'),
    (e) => isPkiError(e, 'CONFIG_INVALID') && !e.message.includes('hunter2'),
  );
});

test('formats file paths percent-encoded and round-trips', () => {
  const cases: Array<[string, string]> = [
    ['file:///var/k.pem?passphrase-source=env:X', 'file:/var/k.pem?passphrase-source=env:X'],
    ['file:/var/my%20keys/k%3F%23.pem', 'file:/var/my%20keys/k%3F%23.pem'],
    ['file:/k.pem?passphrase-source=file:/a%26b%3Dc', 'file:/k.pem?passphrase-source=file:/a%26b%3Dc'],
    ['file:/caf%C3%A9/k.pem', 'file:/caf%C3%A9/k.pem'],
    ['pkcs11:token=CA;object=a%20b?pin-source=env:PIN', 'pkcs11:token=CA;object=a%20b?pin-source=env:PIN'],
  ];
  for (const [text, formatted] of cases) {
    const uri = parseKeyUri(text);
    assert.equal(formatKeyUri(uri), formatted, text);
    assert.deepEqual(parseKeyUri(formatKeyUri(uri)), uri, text);
  }
});

test('keyUriScheme reads only the scheme, lower-cased', () => {
  assert.equal(keyUriScheme('PKCS11:token=x;anything goes here'), 'pkcs11');
  assert.equal(keyUriScheme('file:/k'), 'file');
  assert.throws(
    () => keyUriScheme('hunter2 secret'),
    (e) => isPkiError(e, 'CONFIG_INVALID') && !e.message.includes('hunter2'),
  );
});

test('redacts everything but references and locations, never throws', () => {
  const cases: Array<[string, string]> = [
    ['file:/k.pem?passphrase-source=env:X', 'file:/k.pem?passphrase-source=env:X'],
    ['file:/k.pem?passphrase=hunter2', 'file:/k.pem?passphrase=***'],
    [
      'file:/k.pem?PASSPHRASE=hunter2&passphrase-source=env:X',
      'file:/k.pem?PASSPHRASE=***&passphrase-source=env:X',
    ],
    [
      'pkcs11:token=CA?pin-value=1234&module-path=/usr/lib/softhsm/libsofthsm2.so',
      'pkcs11:token=CA?pin-value=***&module-path=/usr/lib/softhsm/libsofthsm2.so',
    ],
    ['file://user:hunter2@localhost/k.pem', 'file://***@localhost/k.pem'],
    ['file:/k.pem#hunter2', 'file:/k.pem#***'],
    ['file:/k.pem?hunter2', 'file:/k.pem?***'],
    ['file:/k.pem?%ZZ=hunter2', 'file:/k.pem?***'],
    ['hunter2', '(not a key URI)'],
    ['', '(not a key URI)'],
  ];
  for (const [text, redacted] of cases) assert.equal(redactKeyUri(text), redacted, text);
});
