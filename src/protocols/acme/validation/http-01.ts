import { request } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { isDnsName } from '../../../pki/general-names.js';
import { AcmeProblem } from '../wire/acme-problem.js';
import { targetAddresses } from './target-addresses.js';
import { connectionProblem, connectTcp } from './tcp-connect.js';
import { tlsHandshake } from './tls-handshake.js';
import { type Deadline, timeoutProblem, withDeadline } from './validation-deadline.js';
import { checkValidationIdentifier, type ValidationIdentifier } from './validation-identifier.js';
import type { ValidationNetwork } from './validation-network.js';

/** RFC 8555 §8.3: the well-known path the key authorization is served under, followed by the token. */
export const HTTP01_PATH_PREFIX = '/.well-known/acme-challenge/';

/** A key authorization is ~87 characters; anything past this is not one, and is not read further. */
export const HTTP01_MAX_BODY_BYTES = 8 * 1024;

/** Let's Encrypt's documented bound, which deployed redirect chains are built to. */
export const HTTP01_MAX_REDIRECTS = 10;

/** RFC 8555 §8.3: a token holds base64url characters only, so it is safe in a path as it stands. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** RFC 8555 §8.3 (and RFC 8738 §4 for `ip`): may trail the body and is not part of the key authorization. */
const TRAILING_WHITESPACE = /[\t\n\v\f\r ]+$/;

/**
 * RFC 8555 §8.3 http-01: GET `http://<identifier>/.well-known/acme-challenge/<token>` on the network's HTTP port
 * and require the body, less trailing whitespace, to equal `keyAuthorization`. Resolves when it does; otherwise
 * throws an AcmeProblem whose type says what went wrong:
 * - `dns`: the name (or a redirect target's name) does not resolve;
 * - `connection`: nothing accepts the connection, the deadline passes, the response is not HTTP, or a redirect
 *   leaves the allowed scheme/port pairs or exceeds {@link HTTP01_MAX_REDIRECTS} (as Boulder reports them);
 * - `tls`: the handshake after a redirect to https fails (the certificate itself is never checked);
 * - `unauthorized`: the final answer is not 200 — as Boulder and Pebble report it, since the client did not
 *   show control of the resource at all;
 * - `incorrectResponse`: a 200 whose body is not the key authorization, or is over
 *   {@link HTTP01_MAX_BODY_BYTES} (RFC 8555 §6.7: the response did not meet the challenge's requirements).
 * - `malformed` / `rejectedIdentifier`: a token or identifier no request should be made for.
 */
export async function validateHttp01(
  identifier: ValidationIdentifier,
  token: string,
  keyAuthorization: string,
  network: ValidationNetwork,
): Promise<void> {
  checkValidationIdentifier(identifier);
  if (!TOKEN.test(token)) throw new AcmeProblem('malformed', 'the challenge token is not base64url');
  await withDeadline(network.timeoutMs, (deadline) =>
    fetchAndCompare(identifier, token, keyAuthorization, network, deadline),
  );
}

async function fetchAndCompare(
  identifier: ValidationIdentifier,
  token: string,
  keyAuthorization: string,
  network: ValidationNetwork,
  deadline: Deadline,
): Promise<void> {
  let url = challengeUrl(identifier, token, network);
  for (let redirects = 0; ; redirects++) {
    const answer = await fetchOnce(url, network, deadline);
    if (answer.status !== 200) {
      const location = REDIRECT_STATUSES.has(answer.status) ? answer.location : undefined;
      if (location === undefined || location === '')
        throw new AcmeProblem('unauthorized', `${describe(url)} answered HTTP ${answer.status}, not 200`);
      if (redirects === HTTP01_MAX_REDIRECTS)
        throw new AcmeProblem(
          'connection',
          `more than ${HTTP01_MAX_REDIRECTS} redirects from ${describe(url)}`,
        );
      url = redirectTarget(url, location, network);
      continue;
    }
    const body = Buffer.from(answer.body).toString('utf8').replace(TRAILING_WHITESPACE, '');
    if (body !== keyAuthorization) {
      // The body is not echoed: a redirect can point anywhere, and its content is not the client's to read.
      throw new AcmeProblem(
        'incorrectResponse',
        `${describe(url)} served ${answer.body.length} bytes that are not the key authorization for this challenge`,
      );
    }
    return;
  }
}

function challengeUrl(identifier: ValidationIdentifier, token: string, network: ValidationNetwork): URL {
  const host =
    identifier.type === 'ip' && isIP(identifier.value) === 6 ? `[${identifier.value}]` : identifier.value;
  return new URL(`http://${host}:${network.httpPort}${HTTP01_PATH_PREFIX}${token}`);
}

/** Scheme, host and port only: the path carries the token, which adds nothing for the client. */
function describe(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** `hostname` without the brackets a URL keeps around an IPv6 address. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Where a redirect may lead: http on the network's HTTP port or https on its TLS port (80 and 443 in
 * production), to a DNS name or an IP literal. An IP literal is no wider than a name, since whoever answers
 * the challenge controls where their name resolves.
 */
function redirectTarget(from: URL, location: string, network: ValidationNetwork): URL {
  let target: URL;
  try {
    target = new URL(location, from);
  } catch (error) {
    throw new AcmeProblem('connection', `${describe(from)} redirected to an unparsable Location`, {
      cause: error,
    });
  }
  const port = portOf(target);
  const allowed =
    (target.protocol === 'http:' && port === network.httpPort) ||
    (target.protocol === 'https:' && port === network.tlsPort);
  if (!allowed) {
    throw new AcmeProblem(
      'connection',
      `redirect to ${target.protocol}//…:${port} refused: only http on port ${network.httpPort} and https on ` +
        `port ${network.tlsPort} are followed`,
    );
  }
  const host = hostOf(target);
  if (isIP(host) === 0 && !isDnsName(host, false))
    throw new AcmeProblem('connection', `redirect to '${host}' refused: not a DNS name or IP address`);
  return target;
}

interface HttpAnswer {
  readonly status: number;
  readonly location: string | undefined;
  /** Read only for a 200; empty otherwise. */
  readonly body: Uint8Array;
}

async function fetchOnce(url: URL, network: ValidationNetwork, deadline: Deadline): Promise<HttpAnswer> {
  const host = hostOf(url);
  const addresses = await targetAddresses(host, network, deadline);
  const tcp = await connectTcp(addresses, portOf(url), deadline);
  const transport =
    url.protocol === 'https:'
      ? await tlsHandshake(
          tcp,
          { serverName: isIP(host) === 0 ? host : undefined, alpnProtocols: ['http/1.1'] },
          deadline,
          describe(url),
        )
      : tcp;
  return getOver(transport, url, deadline);
}

/** One GET over an already open connection, which it closes; the response is read within the deadline. */
function getOver(socket: Socket, url: URL, deadline: Deadline): Promise<HttpAnswer> {
  const what = describe(url);
  return new Promise<HttpAnswer>((resolve, reject) => {
    const fail = (error: unknown) => reject(connectionProblem(error, what, deadline));
    const req = request({
      createConnection: () => socket,
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      headers: {
        host: url.host,
        accept: '*/*',
        'user-agent': 'certfleet-acme-validation',
        connection: 'close',
      },
    });
    const abort = () => req.destroy(new Error('deadline passed'));
    if (deadline.signal.aborted) abort();
    else deadline.signal.addEventListener('abort', abort, { once: true });
    req.on('close', () => deadline.signal.removeEventListener('abort', abort));
    req.on('error', fail);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status !== 200) {
        res.destroy();
        resolve({ status, location, body: new Uint8Array(0) });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > HTTP01_MAX_BODY_BYTES) {
          res.destroy();
          reject(
            new AcmeProblem('incorrectResponse', `${what} served more than ${HTTP01_MAX_BODY_BYTES} bytes`),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status, location, body: new Uint8Array(Buffer.concat(chunks)) }));
      res.on('error', fail);
      res.on('close', () => {
        if (res.complete) return;
        reject(
          deadline.signal.aborted
            ? timeoutProblem(what, deadline)
            : new AcmeProblem('connection', `${what}: the connection closed before the body ended`),
        );
      });
    });
    req.end();
  }).finally(() => socket.destroy());
}
