import { BlockList, isIPv6 } from 'node:net';
import { PkiError } from '../core/pki-error.js';

/** Which names ACME accounts may obtain certificates for (config `acme.policy`). */
export interface AcmeIdentifierRules {
  /** `*` (any), `*.example.com` (names below it), or an exact name; compared case-insensitively. */
  readonly dnsNames: readonly string[];
  /** CIDR ranges, e.g. `10.0.0.0/8`, `fd00::/8`. */
  readonly ipRanges: readonly string[];
}

/**
 * The RA's rule on ACME identifiers, applied when an order is placed (RFC 8555 §7.4 rejectedIdentifier), before any
 * validation work is spent on a name the deployment would never certify. A private PKI names its own domains here.
 */
export class AcmeIdentifierPolicy {
  private readonly any: boolean;
  private readonly exact: ReadonlySet<string>;
  private readonly suffixes: readonly string[];
  private readonly ranges = new BlockList();

  constructor(rules: AcmeIdentifierRules) {
    this.any = rules.dnsNames.includes('*');
    this.exact = new Set(
      rules.dnsNames.filter((name) => !name.startsWith('*')).map((name) => name.toLowerCase()),
    );
    this.suffixes = rules.dnsNames
      .filter((name) => name.startsWith('*.'))
      .map((name) => name.slice(1).toLowerCase());
    for (const range of rules.ipRanges) {
      const [address = '', prefix = ''] = range.split('/');
      const family = isIPv6(address) ? 'ipv6' : 'ipv4';
      const bits = Number(prefix);
      if (!/^\d{1,3}$/.test(prefix) || bits > (family === 'ipv6' ? 128 : 32)) {
        throw new PkiError('CONFIG_INVALID', `acme.policy.ipRanges: '${range}' is not a CIDR range`, {
          details: { path: '/acme/policy/ipRanges' },
        });
      }
      try {
        this.ranges.addSubnet(address, bits, family);
      } catch (error) {
        throw new PkiError('CONFIG_INVALID', `acme.policy.ipRanges: '${range}' is not a CIDR range`, {
          cause: error,
          details: { path: '/acme/policy/ipRanges' },
        });
      }
    }
  }

  /** Why this DNS name or IP address may not be certified, or undefined when it may. */
  refusal(identifier: { readonly type: 'dns' | 'ip'; readonly value: string }): string | undefined {
    if (identifier.type === 'ip') {
      const family = isIPv6(identifier.value) ? 'ipv6' : 'ipv4';
      return this.ranges.check(identifier.value, family)
        ? undefined
        : `${identifier.value} is outside the address ranges this CA certifies`;
    }
    const name = identifier.value.toLowerCase();
    if (this.any || this.exact.has(name) || this.suffixes.some((suffix) => name.endsWith(suffix)))
      return undefined;
    return `${identifier.value} is outside the names this CA certifies`;
  }
}
