import Type, { type Static } from 'typebox';
import { DEFAULT_DEVICE_URI_PREFIX } from '../pki/device-identity.js';

const IssuerIdText = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const SECRET_REFERENCE = '^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$';

/**
 * The configuration file (`certfleet.json`) and its defaults. Every leaf can be overridden by an environment
 * variable named after its path: `store.url` → `CERTFLEET_STORE_URL`, `server.port` → `CERTFLEET_SERVER_PORT`.
 * Relative paths are resolved against the folder of the configuration file.
 */
export const ConfigSchema = Type.Object(
  {
    /** Where the server keeps its database, online keys and secrets. */
    dataDir: Type.String({ minLength: 1, default: './data' }),
    store: Type.Object(
      {
        /** `sqlite:<path>` (default, relative to dataDir's parent like every path) or `postgres://…`. */
        url: Type.String({ minLength: 1, default: 'sqlite:./data/certfleet.db' }),
      },
      { additionalProperties: false, default: {} },
    ),
    pki: Type.Object(
      {
        /**
         * The offline root's folder, used only by `ca init` and the development PKI on first run. The server never
         * reads it; on a real deployment it lives on an air-gapped machine.
         */
        offlineRootDir: Type.String({ minLength: 1, default: './offline-root' }),
        /** notBefore backdating for device clock skew. */
        backdateSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 300 }),
        /** Prefix of the device identity URI in LDevIDs (RFC 9039 `urn:dev:org:<PEN>-`). */
        deviceUriPrefix: Type.String({
          pattern: '^[A-Za-z][A-Za-z0-9+.-]*:\\S*$',
          default: DEFAULT_DEVICE_URI_PREFIX,
        }),
        /** Base URL (http) where CRLs, OCSP and CA certificates are published; written into issued certificates. */
        publicBaseUrl: Type.Optional(Type.String({ pattern: '^https?://\\S+[^/]$' })),
        defaultIssuers: Type.Object(
          {
            idevid: IssuerIdText,
            ldevid: IssuerIdText,
            'tls-server': IssuerIdText,
            'code-signing': IssuerIdText,
          },
          {
            additionalProperties: false,
            default: {
              idevid: 'factory',
              ldevid: 'operational',
              'tls-server': 'operational',
              'code-signing': 'operational',
            },
          },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    server: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8443 }),
        tls: Type.Object(
          {
            certFile: Type.String({ minLength: 1, default: './data/tls/server.cert.pem' }),
            keyFile: Type.String({ minLength: 1, default: './data/tls/server.key.pem' }),
            /** Reference to the passphrase of the encrypted key file. */
            passphraseSource: Type.String({
              pattern: SECRET_REFERENCE,
              default: 'file:./data/secrets/server-tls.pass',
            }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          [
            Type.Literal('fatal'),
            Type.Literal('error'),
            Type.Literal('warn'),
            Type.Literal('info'),
            Type.Literal('debug'),
            Type.Literal('trace'),
            Type.Literal('silent'),
          ],
          { default: 'info' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
