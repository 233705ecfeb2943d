import { randomBytes } from 'node:crypto';
import { ProbeFailure } from './probe-failure.js';
import type { ProtocolDialogue } from './protocol-dialogue.js';

/** MQTT 3.1.1 §3.2.2.3: the CONNACK return codes. */
const CONNACK_CODES: Readonly<Record<number, string>> = {
  0: 'accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

const CONNECT = 0x10;
const CONNACK = 0x20;
/** MQTT 3.1.1 §3.14: DISCONNECT, no payload. */
const DISCONNECT = Uint8Array.of(0xe0, 0x00);
/** Seconds; the probe leaves long before. */
const KEEP_ALIVE_SECONDS = 60;

/**
 * MQTT 3.1.1 over TLS: after the handshake, CONNECT (clean session, no credentials: a broker that admits
 * devices by their certificate reads the identity from the client certificate) and read the CONNACK within the
 * probe's deadline; its return code is the recorded answer. A broker that demands a client certificate fails
 * the handshake before this.
 */
export const mqttDialogue: ProtocolDialogue = {
  async afterHandshake(reader) {
    reader.write(connectPacket(`cfmon-${randomBytes(6).toString('hex')}`));
    const header = await reader.readBytes(2);
    if (header[0] !== CONNACK || header[1] !== 0x02) {
      throw new ProbeFailure(
        'protocol-error',
        `the broker answered CONNECT with packet type 0x${(header[0] ?? 0).toString(16)}, not a CONNACK`,
      );
    }
    const body = await reader.readBytes(2);
    const code = body[1] ?? 0;
    reader.write(DISCONNECT);
    return `CONNACK ${code} (${CONNACK_CODES[code] ?? 'unknown'})`;
  },
};

/** MQTT 3.1.1 §3.1: a CONNECT packet with the clean-session flag and a client identifier only. */
export function connectPacket(clientId: string): Uint8Array {
  const id = Buffer.from(clientId, 'utf8');
  const variableHeader = Buffer.from([
    0x00,
    0x04,
    ...Buffer.from('MQTT', 'ascii'),
    0x04, // protocol level 4: MQTT 3.1.1
    0x02, // connect flags: clean session
    KEEP_ALIVE_SECONDS >> 8,
    KEEP_ALIVE_SECONDS & 0xff,
  ]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  const remaining = variableHeader.length + payload.length;
  // One length byte suffices below 128 (§2.2.3); client identifiers of 1–23 bytes stay well under it.
  if (remaining > 127) throw new RangeError('client identifier too long for a one-byte remaining length');
  return Buffer.concat([Buffer.from([CONNECT, remaining]), variableHeader, payload]);
}
