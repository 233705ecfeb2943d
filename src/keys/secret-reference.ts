import { PkiError } from '../core/pki-error.js';
import { keyUriScheme, parseKeyUri } from './key-uri.js';
import { readPrivateFile } from './private-file.js';

/**
 * Secrets (key passphrases, later PKCS#11 PINs) are named by reference, after RFC 7512's `pin-source`:
 * - `env:NAME`: the environment variable NAME;
 * - `file:/path` (RFC 8089, relative paths resolve against the working directory): the file's content, less
 *   one trailing newline (`\n` or `\r\n`).
 *
 * Every failure to resolve a reference is CONFIG_INVALID, naming the reference and never the secret: a
 * reference is configuration, and `certfleet config check` reports it like any other setting. That includes a
 * secret file that other users can access. It is not UNAUTHORIZED, which means "a credential that does not
 * authenticate" and reaches clients as 401: nothing failed to authenticate, the deployment is unsafe.
 */
export const SECRET_REFERENCE_SCHEMES = ['env', 'file'] as const;

/** Where `env:` references are looked up: `process.env` unless a caller (a test) passes its own. */
export type SecretEnvironment = Readonly<Record<string, string | undefined>>;

export interface ResolveSecretOptions {
  readonly env?: SecretEnvironment;
  /** What the secret is for, to open error messages: "passphrase-source of key file:/…". */
  readonly purpose?: string;
}

/** Secrets are passphrases and PINs; anything larger is a wrong file. */
const MAX_SECRET_BYTES = 4096;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function resolveSecretReference(
  reference: string,
  options: ResolveSecretOptions = {},
): Promise<string> {
  const context = options.purpose ?? 'secret reference';
  const invalid = (why: string): PkiError => new PkiError('CONFIG_INVALID', `${context}: ${why}`);
  const scheme = schemeOf(reference);
  if (scheme === 'env') {
    const name = reference.trim().slice('env:'.length);
    // Not echoed: a shell may have expanded `env:$SECRET` into the secret itself.
    if (!ENV_NAME.test(name))
      throw invalid('env: must be followed by a variable name ([A-Za-z_][A-Za-z0-9_]*)');
    const value = (options.env ?? process.env)[name];
    if (value === undefined) throw invalid(`environment variable ${name} (env:${name}) is not set`);
    if (value.length === 0) throw invalid(`environment variable ${name} (env:${name}) is empty`);
    return value;
  }
  if (scheme === 'file') {
    const uri = parseKeyUri(reference);
    if (uri.params.size > 0) throw invalid(`a file: secret reference takes no query attributes`);
    const what = `${context} file:${uri.path}`;
    const bytes = await readPrivateFile(uri.path, {
      what,
      missing: 'CONFIG_INVALID',
      exposed: 'CONFIG_INVALID',
      invalid: 'CONFIG_INVALID',
      maxBytes: MAX_SECRET_BYTES,
    });
    const secret = bytes.toString('utf8').replace(/\r?\n$/, '');
    if (secret.length === 0) throw new PkiError('CONFIG_INVALID', `${what}: the file is empty`);
    // `openssl -passin file:` takes the first line only; refusing more keeps both tools reading the same secret.
    if (/[\r\n]/.test(secret)) {
      throw new PkiError('CONFIG_INVALID', `${what}: the file holds more than one line`);
    }
    return secret;
  }
  throw invalid(
    `a secret reference must be ${SECRET_REFERENCE_SCHEMES.map((s) => `${s}:…`).join(' or ')}` +
      ` (for example env:CERTFLEET_CA_PASSPHRASE or file:/etc/certfleet/ca.pass)`,
  );
}

/** The scheme of a reference, or undefined; a reference that is not even `scheme:…` is not echoed. */
function schemeOf(reference: string): string | undefined {
  try {
    return keyUriScheme(reference);
  } catch {
    return undefined;
  }
}
