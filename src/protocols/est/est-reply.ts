import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * Sends an EST response with header names in their usual spelling and an explicit Content-Length. Strict embedded
 * clients (libest) compare `Content-Type` and `Content-Length` case-sensitively and cannot read chunked bodies,
 * while Fastify writes header names in lower case; so EST responses are written on the raw response.
 */
export function sendEst(
  reply: FastifyReply,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string | Uint8Array,
): void {
  const payload =
    typeof body === 'string'
      ? Buffer.from(body, 'latin1')
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const raw: ServerResponse = reply.raw;
  reply.hijack();
  raw.writeHead(status, { ...headers, 'Content-Length': String(payload.length) });
  raw.end(payload);
}

/** A one-line text/plain refusal (RFC 8951 §3 allows a human-readable body). */
export function sendEstText(
  reply: FastifyReply,
  status: number,
  message: string,
  extra: Readonly<Record<string, string>> = {},
): void {
  sendEst(
    reply,
    status,
    { 'Content-Type': 'text/plain; charset=utf-8', ...extra },
    `${message.replace(/[\r\n]+/g, ' ')}\n`,
  );
}
