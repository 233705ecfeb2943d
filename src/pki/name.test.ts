import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPkiError } from '../core/pki-error.js';
import {
  buildName,
  decodeName,
  encodeName,
  formatName,
  nameAttributes,
  nameValue,
  parseDistinguishedName,
} from './name.js';
import { OID } from './oids.js';

test('RFC 4514 strings parse and format back, least significant RDN first', () => {
  const cases = [
    'CN=Sensor 12,O=Acme,C=DE',
    'CN=a\\,b,O=x\\+y',
    'serialNumber=SN-0001,CN=dev',
    'CN=gateway+serialNumber=42,O=Acme',
    'matterPID=8000,matterVID=FFF1,CN=Matter Test DAC',
    'DC=example,DC=com',
  ];
  for (const text of cases) assert.equal(formatName(parseDistinguishedName(text)), text, text);
});

test('countryName and serialNumber are PrintableString, others UTF8String', () => {
  const der = encodeName(
    buildName([
      { type: 'C', value: 'DE' },
      { type: 'serialNumber', value: 'A1' },
      { type: 'CN', value: 'Grüße' },
    ]),
  );
  const name = decodeName(der);
  const [c, sn, cn] = name.map((rdn) => rdn[0]?.value);
  assert.equal(c?.printableString, 'DE');
  assert.equal(sn?.printableString, 'A1');
  assert.equal(cn?.utf8String, 'Grüße');
  assert.equal(nameValue(name, OID.commonName), 'Grüße');
  assert.deepEqual(
    nameAttributes(name).map((a) => a.type),
    ['C', 'serialNumber', 'CN'],
  );
});

test('invalid names are refused with a reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['C=Germany', /C must be 2 characters/],
    ['serialNumber=a_b', /PrintableString/],
    ['CN=' + 'x'.repeat(65), /CN must be 1–64/],
    ['foo=bar', /unknown name attribute 'foo'/],
    ['CN', /not type=value/],
    ['', /empty/],
    ['matterVID=FFF', /matterVID must be 4/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseDistinguishedName(text),
      (e) => isPkiError(e, 'MALFORMED_INPUT') && message.test(e.message),
      text,
    );
  }
});

test('attributes by dotted OID are accepted', () => {
  assert.equal(formatName(parseDistinguishedName('1.2.3.4=hello,CN=x')), '1.2.3.4=hello,CN=x');
});
