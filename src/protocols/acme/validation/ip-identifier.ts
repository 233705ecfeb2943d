import { isIP } from 'node:net';

/**
 * The 4 or 16 octets of an IPv4 or IPv6 address in text form, as an iPAddress subjectAltName holds them
 * (RFC 5280 §4.2.1.6); undefined for anything else, zone-scoped IPv6 included. Comparing octets rather than text
 * makes `::1`, `0:0::1` and `0000::0001` the same address.
 */
export function ipAddressBytes(text: string): Uint8Array | undefined {
  const family = isIP(text);
  if (family === 4) return Uint8Array.from(text.split('.').map(Number));
  if (family !== 6 || text.includes('%')) return undefined;
  const groups = ipv6Groups(withEmbeddedIpv4AsGroups(text));
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    const value = Number.parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** `::ffff:192.0.2.1` → `::ffff:c000:201`, so every group is hexadecimal. */
function withEmbeddedIpv4AsGroups(text: string): string {
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (!tail.includes('.')) return text;
  const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
  return `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** The eight groups of an IPv6 address already checked by `isIP`, with `::` expanded to zeros. */
function ipv6Groups(text: string): string[] {
  const [left = '', right] = text.split('::');
  const head = left === '' ? [] : left.split(':');
  if (right === undefined) return head;
  const tail = right === '' ? [] : right.split(':');
  return [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
}

/**
 * RFC 8738 §6: TLS SNI cannot carry an IP address (RFC 6066 §3), so tls-alpn-01 for an `ip` identifier names the
 * address by its reverse-mapping domain: `in-addr.arpa` (RFC 1034 §5.2.1) or nibble-wise `ip6.arpa` (RFC 3596
 * §2.5), without the trailing dot SNI forbids.
 */
export function reverseDnsName(ipAddress: string): string {
  const bytes = ipAddressBytes(ipAddress);
  if (bytes === undefined) throw new TypeError(`'${ipAddress}' is not an IP address`);
  if (bytes.length === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles = [...bytes].flatMap((byte) => [(byte >> 4).toString(16), (byte & 0x0f).toString(16)]);
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
