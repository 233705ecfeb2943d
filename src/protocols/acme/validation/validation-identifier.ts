import { isDnsName } from '../../../pki/general-names.js';
import { AcmeProblem } from '../wire/acme-problem.js';
import { ipAddressBytes } from './ip-identifier.js';

/** What http-01 and tls-alpn-01 prove control of: a DNS name (RFC 8555 §9.7.7) or an IP address (RFC 8738 §3). */
export interface ValidationIdentifier {
  readonly type: 'dns' | 'ip';
  readonly value: string;
}

/**
 * Refuses an identifier no connection should be made for: a wildcard, which RFC 8555 §7.1.3 lets only dns-01
 * prove (`rejectedIdentifier`), or a value that is not a DNS name or IP address at all (`malformed`).
 */
export function checkValidationIdentifier(identifier: ValidationIdentifier): void {
  if (identifier.type === 'ip') {
    if (ipAddressBytes(identifier.value) === undefined)
      throw new AcmeProblem('malformed', `'${identifier.value}' is not an IP address`);
    return;
  }
  if (identifier.value.startsWith('*.'))
    throw new AcmeProblem('rejectedIdentifier', 'a wildcard name can be validated only with dns-01');
  if (!isDnsName(identifier.value, false))
    throw new AcmeProblem('malformed', `'${identifier.value}' is not a DNS name`);
}
