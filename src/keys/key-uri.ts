import { resolve } from 'node:path';
import { PkiError } from '../core/pki-error.js';

/**
 * A key URI split into its parts, e.g.
 * `file:/var/lib/certfleet/keys/operational.key.pem?passphrase-source=env:CERTFLEET_OPERATIONAL_PASSPHRASE`.
 *
 * `file:` follows RFC 8089; the passphrase is named by reference in a query attribute modelled on RFC 7512's
 * `pin-source`, so a key URI can sit in a config file, a log line or the store without exposing a secret.
 */
export interface KeyUri {
  /** Lower-case scheme (RFC 3986 §3.1 schemes are case-insensitive): `file`, later `pkcs11`. */
  readonly scheme: string;
  /**
   * For `file`: an absolute, percent-decoded filesystem path. A relative path (`file:data/keys/ca.pem`, not
   * RFC 8089 but handy in development) is resolved against the process working directory when parsed, so
   * start certfleet from the folder the config assumes, or use absolute paths in production.
   *
   * For any other scheme: the text between `scheme:` and `?`, still percent-encoded, for that scheme's backend
   * to parse (RFC 7512 splits its path attributes on `;` before decoding them).
   */
  readonly path: string;
  /** Query attributes, percent-decoded, in order. A Map, so that a name like `__proto__` is only a name. */
  readonly params: ReadonlyMap<string, string>;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** Query attributes that would put a secret inline, and the reference attribute to use instead. */
const INLINE_SECRETS: ReadonlyMap<string, string> = new Map([
  ['passphrase', 'passphrase-source'],
  ['password', 'passphrase-source'],
  ['pin-value', 'pin-source'],
]);

/** The lower-case scheme of a key URI, without parsing the rest (which belongs to that scheme's backend). */
export function keyUriScheme(text: string): string {
  const match = SCHEME.exec(text.trim());
  if (!match?.[1]) {
    throw new PkiError(
      'CONFIG_INVALID',
      'not a key URI: it must start with a scheme, e.g. file:/path/to/key.pem?passphrase-source=env:NAME',
    );
  }
  return match[1].toLowerCase();
}

/** Parses a key URI. Refuses (CONFIG_INVALID) fragments, duplicate or malformed attributes, inline secrets. */
export function parseKeyUri(text: string): KeyUri {
  const trimmed = text.trim();
  const scheme = keyUriScheme(trimmed);
  const invalid = (why: string): PkiError =>
    new PkiError('CONFIG_INVALID', `key URI ${redactKeyUri(text)}: ${why}`);
  if (trimmed.includes('#')) throw invalid('a fragment (#…) is not allowed');
  const rest = trimmed.slice(scheme.length + 1);
  const queryAt = rest.indexOf('?');
  const hier = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const params = queryAt === -1 ? new Map<string, string>() : parseQuery(rest.slice(queryAt + 1), invalid);
  for (const name of params.keys()) {
    const reference = INLINE_SECRETS.get(name.toLowerCase());
    if (reference !== undefined) {
      throw invalid(
        `'${name}=' would put a secret inline; name it by reference instead, ` +
          `${reference}=env:VARIABLE or ${reference}=file:/path/to/secret`,
      );
    }
  }
  const path = scheme === 'file' ? filePath(hier, invalid) : hier;
  if (path.length === 0) throw invalid('the path is empty');
  return { scheme, path, params };
}

function parseQuery(query: string, invalid: (why: string) => PkiError): Map<string, string> {
  const params = new Map<string, string>();
  for (const [index, attribute] of query.split('&').entries()) {
    const equals = attribute.indexOf('=');
    // Not echoed: a lone value may be a secret pasted without its name.
    if (equals <= 0) throw invalid(`query attribute ${index + 1} is not name=value`);
    const name = decode(attribute.slice(0, equals), invalid);
    if (params.has(name)) throw invalid(`query attribute '${name}' appears twice`);
    params.set(name, decode(attribute.slice(equals + 1), invalid));
  }
  return params;
}

/** RFC 8089 §2: `file:/p`, `file:///p` and `file://localhost/p` name the local `/p`; other hosts are refused. */
function filePath(hier: string, invalid: (why: string) => PkiError): string {
  let path = hier;
  if (hier.startsWith('//')) {
    const slash = hier.indexOf('/', 2);
    const host = hier.slice(2, slash === -1 ? undefined : slash);
    if (host !== '' && host.toLowerCase() !== 'localhost') {
      throw invalid(`host '${host}' is not supported; a file: key URI names a local file`);
    }
    path = slash === -1 ? '' : hier.slice(slash);
  }
  const decoded = decode(path, invalid);
  if (decoded.includes('\0')) throw invalid('the path contains a NUL character');
  return decoded.length === 0 ? '' : resolve(decoded);
}

function decode(text: string, invalid: (why: string) => PkiError): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid('bad percent-encoding');
  }
}

/** RFC 3986 pchar less `%`, plus `/`: what a `file:` path may hold unescaped. */
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
/** The same, less `&` and `=`, which separate query attributes. */
const QUERY_SAFE = /[A-Za-z0-9\-._~!$'()*+,;:@/]/;

/** The inverse of `parseKeyUri`: `file:` paths are percent-encoded, other schemes' paths are kept as they are. */
export function formatKeyUri(uri: KeyUri): string {
  const path = uri.scheme === 'file' ? encode(uri.path, PATH_SAFE) : uri.path;
  const query = [...uri.params].map(
    ([name, value]) => `${encode(name, QUERY_SAFE)}=${encode(value, QUERY_SAFE)}`,
  );
  return `${uri.scheme}:${path}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

function encode(text: string, safe: RegExp): string {
  let out = '';
  for (const char of text) out += safe.test(char) ? char : encodeURIComponent(char);
  return out;
}

/** Attributes whose values are references or locations, never secrets, and so are kept by `redactKeyUri`. */
const SHOWN_ATTRIBUTES = new Set(['module-name', 'module-path']);

/**
 * A form of a key URI that is safe to log, whatever the input: query values other than references
 * (`*-source`) and known locations become `***`, as do userinfo and fragments. Text that is not a URI at all
 * may be a secret pasted into the wrong field, so it is not echoed. Never throws.
 */
export function redactKeyUri(text: string): string {
  const trimmed = text.trim();
  const match = SCHEME.exec(trimmed);
  if (!match?.[1]) return '(not a key URI)';
  const scheme = match[1];
  const withoutFragment = trimmed.split('#')[0] ?? '';
  const fragment = withoutFragment.length < trimmed.length ? '#***' : '';
  const rest = withoutFragment.slice(scheme.length + 1);
  const queryAt = rest.indexOf('?');
  const hier = (queryAt === -1 ? rest : rest.slice(0, queryAt)).replace(/^\/\/[^/@]*@/, '//***@');
  const query =
    queryAt === -1
      ? ''
      : '?' +
        rest
          .slice(queryAt + 1)
          .split('&')
          .map(redactAttribute)
          .join('&');
  return `${scheme}:${hier}${query}${fragment}`;
}

function redactAttribute(attribute: string): string {
  const equals = attribute.indexOf('=');
  if (equals === -1) return '***';
  const name = attribute.slice(0, equals);
  let decodedName: string;
  try {
    decodedName = decodeURIComponent(name).toLowerCase();
  } catch {
    return '***';
  }
  const shown = decodedName.endsWith('-source') || SHOWN_ATTRIBUTES.has(decodedName);
  return shown ? attribute : `${name}=***`;
}
