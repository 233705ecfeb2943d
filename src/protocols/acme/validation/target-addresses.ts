import { isIP } from 'node:net';
import { AcmeProblem } from '../wire/acme-problem.js';
import { type Deadline, untilDeadline } from './validation-deadline.js';
import type { ValidationNetwork } from './validation-network.js';

/**
 * The addresses to connect to for `host`: an IP literal is its own address (RFC 8738 §4 connects to the
 * identifier itself); a name is resolved by the network. Any lookup failure, an empty answer or a lookup that
 * outlives the deadline is RFC 8555 §6.7 `dns`.
 */
export async function targetAddresses(
  host: string,
  network: ValidationNetwork,
  deadline: Deadline,
): Promise<readonly string[]> {
  if (isIP(host) !== 0) return [host];
  let addresses: readonly string[];
  try {
    addresses = await untilDeadline(
      network.resolve(host),
      deadline,
      () => new AcmeProblem('dns', `looking up ${host} took longer than ${deadline.timeoutMs} ms`),
    );
  } catch (error) {
    if (error instanceof AcmeProblem) throw error;
    throw new AcmeProblem('dns', `could not look up ${host}${errorCodeSuffix(error)}`, { cause: error });
  }
  if (addresses.length === 0) throw new AcmeProblem('dns', `${host} has no A or AAAA records`);
  return addresses;
}

function errorCodeSuffix(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? ` (${code})` : '';
}
