import { acmeClientErrorOf } from './acme-client-error.js';
import { jsonBody } from './acme-http-response.js';
import type { AcmeHttpTransport } from './acme-http-transport.js';
import { type AcmeDirectory, readDirectory } from './acme-resources.js';

/** What an unauthenticated fetch needs of a transport: one request, one answer. */
export type AcmeHttpSender = Pick<AcmeHttpTransport, 'send'>;

/**
 * RFC 8555 §7.1.1: the directory, by an unauthenticated GET. Any status but 200 is the server's refusal
 * (AcmeClientError); a directory without the URLs a client relies on is MALFORMED_INPUT.
 */
export async function fetchAcmeDirectory(
  transport: AcmeHttpSender,
  directoryUrl: string,
  now: () => Date,
): Promise<AcmeDirectory> {
  const response = await transport.send({ method: 'GET', url: directoryUrl, accept: 'application/json' });
  if (response.status !== 200) throw acmeClientErrorOf(response, now());
  return readDirectory(jsonBody(response, 'directory'));
}
