import { isPkiError, PkiError } from '../core/pki-error.js';

/**
 * Errors raised by Fastify itself before a handler runs (the body's media type, size or JSON) as the matching
 * PkiError; anything that is neither those nor a PkiError is INTERNAL, and only logged.
 */
export function asApiError(error: unknown, maxBodyBytes: number): PkiError {
  if (isPkiError(error)) return error;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || statusCode === 415) {
    return new PkiError(
      'UNSUPPORTED_MEDIA_TYPE',
      'request bodies are JSON: send Content-Type: application/json',
    );
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) {
    return new PkiError('PAYLOAD_TOO_LARGE', `the request body exceeds ${maxBodyBytes} bytes`);
  }
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new PkiError('MALFORMED_INPUT', 'the body is empty; send a JSON object or no Content-Type');
  }
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return new PkiError('MALFORMED_INPUT', 'the body is not valid JSON', { cause: error });
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new PkiError('MALFORMED_INPUT', 'the request could not be read', { cause: error });
  }
  return new PkiError('INTERNAL', 'internal error', { cause: error });
}
