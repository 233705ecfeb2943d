import pino, { type Logger } from 'pino';

/**
 * Structured logs on stderr. Redaction is a second line of defence: nothing should log keys, passphrases,
 * PINs or tokens in the first place.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'certfleet' },
      redact: {
        paths: [
          '*.passphrase',
          '*.pin',
          '*.password',
          '*.token',
          '*.privateKey',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
