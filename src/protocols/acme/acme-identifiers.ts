import { isIPv6, SocketAddress } from 'node:net';
import { isDnsName, isIpAddress } from '../../pki/general-names.js';
import type { AcmeStoredIdentifier } from '../../store/acme-state.js';
import { parseHardwareModule, parsePermanentIdentifier } from './validation/device-identifier.js';
import { AcmeProblem, type AcmeSubproblem } from './wire/acme-problem.js';

/** Identifiers one order may name; a certificate with more names is a configuration smell, not an IoT need. */
export const MAX_ORDER_IDENTIFIERS = 100;

export type NetworkIdentifier = { readonly type: 'dns' | 'ip'; readonly value: string };

/** The challenge types offered for each identifier type this server certifies. */
export const CHALLENGES_FOR: Readonly<Record<string, readonly string[]>> = {
  dns: ['http-01', 'tls-alpn-01'],
  ip: ['http-01', 'tls-alpn-01'],
  'permanent-identifier': ['device-attest-01'],
  'hardware-module': ['device-attest-01'],
};

export function isDeviceIdentifier(identifier: AcmeStoredIdentifier): boolean {
  return identifier.type === 'permanent-identifier' || identifier.type === 'hardware-module';
}

/**
 * RFC 8555 §7.4 / RFC 8738 / draft-ietf-acme-device-attest: reads a newOrder's `identifiers`, normalised (DNS
 * lower-case, IPv6 compressed) and deduplicated. Unknown types are `unsupportedIdentifier`, bad values `malformed`
 * or `rejectedIdentifier`, each reported per identifier as a subproblem.
 */
export function parseOrderIdentifiers(value: unknown): AcmeStoredIdentifier[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new AcmeProblem('malformed', 'identifiers must be a non-empty array');
  }
  if (value.length > MAX_ORDER_IDENTIFIERS) {
    throw new AcmeProblem(
      'rejectedIdentifier',
      `an order names at most ${MAX_ORDER_IDENTIFIERS} identifiers`,
    );
  }
  const identifiers = new Map<string, AcmeStoredIdentifier>();
  const problems: AcmeSubproblem[] = [];
  for (const entry of value as unknown[]) {
    const { type, value: text } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    if (typeof type !== 'string' || typeof text !== 'string') {
      throw new AcmeProblem('malformed', 'each identifier needs a string "type" and "value"');
    }
    const identifier = { type, value: text };
    try {
      const normalised = normaliseIdentifier(identifier);
      identifiers.set(`${normalised.type}:${normalised.value}`, normalised);
    } catch (error) {
      if (!(error instanceof AcmeProblem)) throw error;
      problems.push({ type: error.type, detail: error.detail, identifier: printableIdentifier(identifier) });
    }
  }
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new AcmeProblem(problems.length === 1 ? first.type : 'compound', first.detail, {
      subproblems: problems,
    });
  }
  const list = [...identifiers.values()];
  if (list.some(isDeviceIdentifier) && list.length > 1) {
    throw new AcmeProblem(
      'rejectedIdentifier',
      'a device identifier must be the only identifier of its order',
    );
  }
  return list;
}

function normaliseIdentifier(identifier: { type: string; value: string }): AcmeStoredIdentifier {
  switch (identifier.type) {
    case 'dns': {
      const name = identifier.value.toLowerCase();
      if (name.startsWith('*.')) {
        throw new AcmeProblem(
          'rejectedIdentifier',
          'wildcard names need dns-01, which this server does not offer',
        );
      }
      if (!isDnsName(name, false) || !name.includes('.')) {
        throw new AcmeProblem('rejectedIdentifier', 'not a fully qualified DNS name');
      }
      return { type: 'dns', value: name };
    }
    case 'ip':
      if (!isIpAddress(identifier.value))
        throw new AcmeProblem('malformed', 'not an IP address (RFC 8738 §3)');
      return { type: 'ip', value: canonicalIp(identifier.value) };
    case 'permanent-identifier':
      parsePermanentIdentifier(identifier.value);
      return { type: identifier.type, value: identifier.value };
    case 'hardware-module':
      parseHardwareModule(identifier.value);
      return { type: identifier.type, value: identifier.value };
    default:
      throw new AcmeProblem(
        'unsupportedIdentifier',
        'this server certifies dns, ip, permanent-identifier and hardware-module identifiers',
      );
  }
}

export function canonicalIp(text: string): string {
  return isIPv6(text) ? new SocketAddress({ address: text, family: 'ipv6' }).address : text;
}

function printableIdentifier(identifier: { type: string; value: string }): { type: string; value: string } {
  return { type: identifier.type.slice(0, 40), value: identifier.value.slice(0, 255) };
}
