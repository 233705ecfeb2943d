import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipAddressBytes, reverseDnsName } from './ip-identifier.js';

test('reverseDnsName: in-addr.arpa for IPv4, nibbles under ip6.arpa for IPv6 (RFC 8738 §6 example)', () => {
  assert.equal(reverseDnsName('127.0.0.1'), '1.0.0.127.in-addr.arpa');
  assert.equal(reverseDnsName('192.0.2.10'), '10.2.0.192.in-addr.arpa');
  assert.equal(
    reverseDnsName('2001:db8::1'),
    '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
  );
  assert.throws(() => reverseDnsName('device.example'), TypeError);
});

test('ipAddressBytes: every spelling of an address gives the same octets', () => {
  const loopback6 = Uint8Array.from([...new Array<number>(15).fill(0), 1]);
  for (const spelling of ['::1', '0:0:0:0:0:0:0:1', '0000::0001', '::0.0.0.1'])
    assert.deepEqual(ipAddressBytes(spelling), loopback6, spelling);
  assert.deepEqual(ipAddressBytes('10.1.2.3'), Uint8Array.of(10, 1, 2, 3));
  assert.deepEqual(
    ipAddressBytes('::ffff:192.0.2.1'),
    Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1),
  );
  assert.deepEqual(
    ipAddressBytes('2001:db8:0:0:1::'),
    Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
  );
});

test('ipAddressBytes: anything but a plain address is undefined', () => {
  for (const text of ['', 'device.example', '256.0.0.1', '1.2.3', 'fe80::1%eth0', '1::2::3', '[::1]'])
    assert.equal(ipAddressBytes(text), undefined, text);
});
