import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectPacket } from './mqtt-dialogue.js';

test('CONNECT is an MQTT 3.1.1 packet with clean session and the client identifier only', () => {
  const packet = Buffer.from(connectPacket('cfmon-1'));
  // MQTT 3.1.1 §3.1: fixed header, "MQTT", level 4, flags 0x02, keep-alive 60, then the identifier.
  assert.equal(
    packet.toString('hex'),
    '1013' + '00044d515454' + '04' + '02' + '003c' + '0007' + Buffer.from('cfmon-1').toString('hex'),
  );
  assert.throws(() => connectPacket('x'.repeat(200)), RangeError);
});
