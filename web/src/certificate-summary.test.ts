import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pemToDer, summarizeDer, summarizePem } from './certificate-summary.js';

// Made with `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/C=DE/O=Example, Inc./CN=device-1"
// -set_serial 0x00ab12cd -days 3650`; openssl reads it as subject CN=device-1,O=Example\, Inc.,C=DE.
const EC_SELF_SIGNED =
  '-----BEGIN CERTIFICATE-----\n' +
  'MIIBtjCCAVugAwIBAgIEAKsSzTAKBggqhkjOPQQDAjA4MQswCQYDVQQGEwJERTEW\n' +
  'MBQGA1UECgwNRXhhbXBsZSwgSW5jLjERMA8GA1UEAwwIZGV2aWNlLTEwHhcNMjYx\n' +
  'MTI3MTkyMTE5WhcNMzYxMTI0MTkyMTE5WjA4MQswCQYDVQQGEwJERTEWMBQGA1UE\n' +
  'CgwNRXhhbXBsZSwgSW5jLjERMA8GA1UEAwwIZGV2aWNlLTEwWTATBgcqhkjOPQIB\n' +
  'BggqhkjOPQMBBwNCAATTyKfnPOSWfwoKI32dgslRkf6431+0+dRiUewSTmjer2DE\n' +
  'CSIQ7+h3AJJrCmg9/3ncAXbPNGDEY/O0XYGa4Qqjo1MwUTAdBgNVHQ4EFgQUBuA4\n' +
  'f+q31MkG3oOT1Wq4RmRemIQwHwYDVR0jBBgwFoAUBuA4f+q31MkG3oOT1Wq4RmRe\n' +
  'mIQwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAkxvAtrAmUWUx\n' +
  '65LXRyAOPo9Ig/OHVK7WldaeOsCxjkQCIQDVWl3osbUIerTkP6D2fwibbhv8zwwv\n' +
  'wVJT9mr5BI4QKA==\n' +
  '-----END CERTIFICATE-----\n';

// `openssl req -x509 -newkey rsa:2048 -subj "/CN=rsa root" -days 1`.
const RSA_SELF_SIGNED =
  '-----BEGIN CERTIFICATE-----\n' +
  'MIIDBzCCAe+gAwIBAgIUGEVxP3TxO8PGgZt/cEwqbR9DLtgwDQYJKoZIhvcNAQEL\n' +
  'BQAwEzERMA8GA1UEAwwIcnNhIHJvb3QwHhcNMjYxMTI3MTkyMTE5WhcNMjYxMTI4\n' +
  'MTkyMTE5WjATMREwDwYDVQQDDAhyc2Egcm9vdDCCASIwDQYJKoZIhvcNAQEBBQAD\n' +
  'ggEPADCCAQoCggEBALx9FCiENlKZtNNC93rN8EQk+kv2tIh459OgV2xVTSMo0Qz6\n' +
  'wnYBhixdeExAYh4aX9UfRpiU2eiENP5N60qQmMwzb3McTCaedMWeuqWV3TqcoX3X\n' +
  'g1Pd/FIZL6tEZj86BdZ81fSSXS8bbRZsxvo1bkydpr6sbT0gwJVNqgv7MXMqe/12\n' +
  'ORso8ZKikIyW32TvGEdU53hmJwKRJ3a6HAu+ElYqbtezbv8MdTCs7U9twZsjtuy6\n' +
  'csg92GqQpdDPzfIOqyZl3B917NBNz09UA8kKHwFUVr4w2QX9lN7m/qQDxjJRwVeE\n' +
  'qq/bcwdw6e2+v6fgs/94qLDKj5EZ8G4/nKpD4K8CAwEAAaNTMFEwHQYDVR0OBBYE\n' +
  'FKLdI3yBrmi4+Se/HCobW+tVNmn9MB8GA1UdIwQYMBaAFKLdI3yBrmi4+Se/HCob\n' +
  'W+tVNmn9MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBABfphpKC\n' +
  'rX2CQe+w7x93h+DuBavxvZb5nXBj7O38nFxuZYWEwxginZTdFQ0sMl7Dy9miLzI2\n' +
  'tzNN9OXGnjrcLq6ZVDt2xhfRTqiVjdW0hYmbe4yilpilepIJ9+Ezca+LKc5IPDNL\n' +
  'gLkBINNTHECosxcUOuZEyNgC2b428xaI7IcfKAp+vJQKl1NEpvbcFo4KoNjodggP\n' +
  'gE5XIStwc8XEaGmUlsquZgANnFzELdr4WMaBrGH5qWGusW78ZiNshxTFPoK7LKxI\n' +
  'cnYv/SoUNUVF2V1CmcyENU3ZcB89Byg58B2sttb8weLc7yJCpbrIqXMX8aO8nPaG\n' +
  'dCvFTGWXE4oj8l0=\n' +
  '-----END CERTIFICATE-----\n';

test('an EC certificate: names in RFC 4514 order with escapes, validity, serial without its sign byte', () => {
  assert.deepEqual(summarizePem(EC_SELF_SIGNED), {
    serialHex: 'ab12cd',
    subject: 'CN=device-1,O=Example\\, Inc.,C=DE',
    issuer: 'CN=device-1,O=Example\\, Inc.,C=DE',
    notBefore: '2026-11-27T19:21:19Z',
    notAfter: '2036-11-24T19:21:19Z',
    keyAlgorithm: 'ec-p256',
    selfIssued: true,
  });
});

test('an RSA key is named with its modulus size', () => {
  const summary = summarizePem(RSA_SELF_SIGNED);
  assert.equal(summary?.keyAlgorithm, 'rsa-2048');
  assert.equal(summary?.subject, 'CN=rsa root');
  assert.equal(summary?.serialHex, '1845713f74f13bc3c6819b7f704c2a6d1f432ed8');
  assert.equal(summary?.notAfter, '2026-11-28T19:21:19Z');
});

test('what is not a readable certificate gives undefined, never a throw', () => {
  assert.equal(summarizePem('not a pem'), undefined);
  assert.equal(summarizePem('-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----'), undefined);
  const der = pemToDer(EC_SELF_SIGNED);
  assert.ok(der !== undefined);
  for (const cut of [1, 10, 100, der.length - 1]) {
    assert.equal(summarizePem(toPem(der.subarray(0, cut))), undefined, `cut at ${cut}`);
  }
  assert.throws(() => summarizeDer(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])));
});

function toPem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${btoa(String.fromCharCode(...der))}\n-----END CERTIFICATE-----`;
}
