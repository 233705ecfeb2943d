import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPkiError } from '../core/pki-error.js';
import { readExtensions, subjectAltNameExtension } from './extensions.js';
import { formatAltName, isIpAddress, parseAltName } from './general-names.js';

test('text forms parse, format back and survive a DER round-trip', () => {
  const texts = [
    'dns:gw1.example',
    'dns:*.devices.example',
    'ip:10.0.0.7',
    'ip:2001:db8::1',
    'uri:urn:dev:ops:acme-gw-7',
    'email:ops@example.com',
    'permanentIdentifier:SN-0001',
    'permanentIdentifier:SN-0001;assigner=1.3.6.1.4.1.99999',
    'hardwareModuleName:1.3.6.1.4.1.99999.1:00a1b2',
  ];
  const names = texts.map(parseAltName);
  assert.deepEqual(names.map(formatAltName), texts);
  const view = readExtensions([subjectAltNameExtension(names, false)], 'test');
  assert.deepEqual(view.subjectAltNames?.names, names);
});

test('bad alternative names are refused', () => {
  for (const text of [
    'dns:-bad.example',
    'dns:a..b',
    'dns:*',
    'ip:300.1.1.1',
    'ip:1.2.3',
    'ip:1::2::3',
    'uri:relative/path',
    'uri:urn:ünïcode',
    'email:not-an-email',
    'hardwareModuleName:1.2.3:zz',
    'x400:foo',
    'nocolon',
  ]) {
    assert.throws(
      () => parseAltName(text),
      (e) => isPkiError(e, 'MALFORMED_INPUT'),
      text,
    );
  }
});

test('IP address syntax', () => {
  for (const ok of ['0.0.0.0', '255.255.255.255', '::1', '::', 'fe80::1:2', '1:2:3:4:5:6:7:8'])
    assert.ok(isIpAddress(ok), ok);
  for (const bad of ['256.0.0.1', '01.2.3.4', '1:2:3:4:5:6:7:8:9', ':::', 'g::1', ''])
    assert.ok(!isIpAddress(bad), bad);
});
