import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PkiError } from '../core/pki-error.js';

/** RFC 4180 §3. */
export const CSV_MEDIA_TYPE = 'text/csv';

/**
 * Makes `app` (a plugin's own instance: one route, usually) take `text/csv` bodies only, of at most `maxBytes`,
 * instead of the API's JSON; the body is the text (UTF-8, RFC 4180 §3's default charset we require; a byte
 * order mark is dropped). Anything else is UNSUPPORTED_MEDIA_TYPE saying what to send, a body over the bound
 * PAYLOAD_TOO_LARGE naming it (the announced Content-Length is refused before a byte is read, a chunked body
 * as soon as it passes the bound), and bytes that are not UTF-8 MALFORMED_INPUT.
 */
export function acceptCsvBodies(app: FastifyInstance, maxBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(CSV_MEDIA_TYPE, (_request: FastifyRequest, payload: IncomingMessage) =>
    readBody(payload, maxBytes).then(utf8Text),
  );
  // Fastify's catch-all: any other media type, or a body without one.
  app.addContentTypeParser('*', () =>
    Promise.reject(
      new PkiError('UNSUPPORTED_MEDIA_TYPE', `this takes a CSV file: send Content-Type: ${CSV_MEDIA_TYPE}`),
    ),
  );
}

function readBody(payload: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new PkiError('PAYLOAD_TOO_LARGE', `the CSV file exceeds ${maxBytes} bytes; import it in parts`);
  return new Promise((resolve, reject) => {
    if (Number(payload.headers['content-length']) > maxBytes) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    // Listeners rather than an async iterator, whose early return would destroy the socket the answer needs.
    const detach = () => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        detach();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      detach();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      detach();
      reject(new PkiError('MALFORMED_INPUT', 'the request body could not be read', { cause: error }));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
  });
}

function utf8Text(bytes: Buffer): string {
  try {
    // Strips a byte order mark (ignoreBOM: false); fatal: refuses bytes that are not UTF-8.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new PkiError('MALFORMED_INPUT', 'the CSV file is not UTF-8 text', { cause: error });
  }
}
