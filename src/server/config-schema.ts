import Type, { type Static } from 'typebox';
import { AlertsConfigSchema } from '../alerts/alerts-config-schema.js';
import { DEFAULT_DEVICE_URI_PREFIX } from '../pki/device-identity.js';

const IssuerIdText = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const SECRET_REFERENCE = '^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$';

/** An EST or CMP label: a URL path segment. */
const LABEL_PATTERN = '^[A-Za-z0-9][A-Za-z0-9-]{0,62}$';
const LabelName = Type.String({ pattern: LABEL_PATTERN });
/** What every enrollment label (EST, CMP) says: the profile and issuer it enrolls for, and who may enroll there. */
const ENROLLMENT_LABEL = {
  profile: Type.Union([Type.Literal('idevid'), Type.Literal('ldevid'), Type.Literal('tls-server')]),
  issuer: Type.Optional(IssuerIdText),
  credentials: Type.Array(
    Type.Union([
      Type.Literal('idevid'),
      Type.Literal('station-certificate'),
      Type.Literal('enrollment-token'),
    ]),
    { minItems: 1, uniqueItems: true },
  ),
};

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
        /**
         * Default lifetime in seconds per profile, within the profile's bounds (checked at start-up); what the CA
         * issues when a request names none, and what csrattrs announces. E.g. `{ "ldevid": 604800 }`.
         */
        lifetimes: Type.Object(
          {
            idevid: Type.Optional(Type.Integer({ minimum: 1 })),
            ldevid: Type.Optional(Type.Integer({ minimum: 1 })),
            'tls-server': Type.Optional(Type.Integer({ minimum: 1 })),
            'code-signing': Type.Optional(Type.Integer({ minimum: 1 })),
            'factory-station': Type.Optional(Type.Integer({ minimum: 1 })),
          },
          { additionalProperties: false, default: {} },
        ),
        /**
         * Lowers every online profile's minimum lifetime to 60 s (a fleet renewing every minute or two). For
         * simulations and tests only: the server logs a warning at start when it is on.
         */
        allowShortLifetimes: Type.Boolean({ default: false }),
        /** Prefix of the device identity URI in LDevIDs (RFC 9039 `urn:dev:org:<PEN>-`). */
        deviceUriPrefix: Type.String({
          pattern: '^[A-Za-z][A-Za-z0-9+.-]*:\\S*$',
          default: DEFAULT_DEVICE_URI_PREFIX,
        }),
        /** Base URL (http) where CRLs, OCSP and CA certificates are published; written into issued certificates. */
        publicBaseUrl: Type.String({ pattern: '^https?://\\S+[^/]$', default: 'http://localhost:8080' }),
        defaultIssuers: Type.Object(
          {
            idevid: IssuerIdText,
            ldevid: IssuerIdText,
            'tls-server': IssuerIdText,
            'code-signing': IssuerIdText,
            'factory-station': IssuerIdText,
          },
          {
            propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,62}$' },
            default: {
              idevid: 'factory',
              ldevid: 'operational',
              'tls-server': 'operational',
              'code-signing': 'operational',
              'factory-station': 'factory',
            },
          },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    est: Type.Object(
      {
        /**
         * EST labels (`/.well-known/est/<label>/…`); `default` serves `/.well-known/est/…`. Each picks the profile
         * and issuer, which credentials may enroll, and whether an operator must approve.
         */
        labels: Type.Record(
          LabelName,
          Type.Object(
            {
              ...ENROLLMENT_LABEL,
              /** Hold enrollments for an operator (answered 202 with Retry-After until approved); default false. */
              manualApproval: Type.Optional(Type.Boolean()),
              /** Offer serverkeygen (the server generates the device key); default false. */
              serverKeyGeneration: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          {
            propertyNames: { pattern: LABEL_PATTERN },
            default: {
              default: {
                profile: 'ldevid',
                credentials: ['idevid', 'enrollment-token'],
                manualApproval: false,
                serverKeyGeneration: true,
              },
              factory: {
                profile: 'idevid',
                credentials: ['station-certificate'],
                manualApproval: false,
                serverKeyGeneration: false,
              },
            },
          },
        ),
        /** Issuers whose certificates anchor IDevID chains (ours, or imported third-party manufacturer anchors). */
        manufacturerAnchors: Type.Array(IssuerIdText, { default: ['factory'] }),
        /** Whether a renewal may keep its key (RFC 7030 calls a new key "rekey"; certfleet requires one by default). */
        allowKeyReuse: Type.Boolean({ default: false }),
        /** Seconds a client waits before repeating a request held for approval (Retry-After). */
        approvalRetryAfterSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
        /** Largest request body accepted. */
        maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 65_536 }),
        rateLimit: Type.Object(
          {
            perMinute: Type.Number({ exclusiveMinimum: 0, default: 30 }),
            burst: Type.Integer({ minimum: 1, default: 10 }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    cmp: Type.Object(
      {
        /**
         * CMP labels (`/.well-known/cmp/p/<label>`); `default` serves `/.well-known/cmp`. Each picks the profile and
         * issuer, which credentials may open an ir/cr/p10cr (kur always takes the certificate being updated), whether
         * an operator must approve, and whether a client's implicitConfirm is granted.
         */
        labels: Type.Record(
          LabelName,
          Type.Object(
            {
              ...ENROLLMENT_LABEL,
              manualApproval: Type.Optional(Type.Boolean()),
              /** Grant implicitConfirm when a client asks (RFC 9483 §4.1.1); default true. */
              implicitConfirm: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          {
            propertyNames: { pattern: LABEL_PATTERN },
            default: {
              default: { profile: 'ldevid', credentials: ['idevid', 'enrollment-token'] },
              factory: { profile: 'idevid', credentials: ['station-certificate'] },
            },
          },
        ),
        /** How far a request's messageTime may be from the server's (badTime beyond); also bounds replays. */
        messageTimeToleranceSeconds: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
        /** How long an issued certificate waits for certConf; unconfirmed, it is revoked. */
        confirmWaitSeconds: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
        /** How long a request held for approval waits for the client's pollReq. */
        heldRequestSeconds: Type.Integer({ minimum: 60, maximum: 2_592_000, default: 604_800 }),
        /** Highest PasswordBasedMac / PBKDF2 iteration count a client may make the server compute. */
        maxMacIterations: Type.Integer({ minimum: 100, maximum: 10_000_000, default: 100_000 }),
        /** Largest request body accepted. */
        maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 65_536 }),
        /** Lifetime of each node's CMP protection certificate (profile cmp-ra); renewed at two thirds. */
        signingValiditySeconds: Type.Integer({ minimum: 3600, maximum: 2_592_000, default: 604_800 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** The ACME server (RFC 8555) at /acme: docs/acme.md. */
    acme: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /**
         * The HTTPS base URL clients reach this server at (every ACME URL and the JWS `url` check derive from it,
         * never from the Host header); default `https://localhost:<server.port>`.
         */
        baseUrl: Type.Optional(Type.String({ pattern: '^https://\\S+[^/]$' })),
        /** Directory meta (RFC 8555 §7.1.1): terms to agree to at registration, and a web page. */
        termsOfService: Type.Optional(Type.String({ pattern: '^https?://\\S+$' })),
        website: Type.Optional(Type.String({ pattern: '^https?://\\S+$' })),
        /** Register only accounts bound to an operator-made external account key (RFC 8555 §7.3.4). */
        externalAccountRequired: Type.Boolean({ default: false }),
        /**
         * ACME profiles offered to DNS/IP orders (the first is the default): each a certificate profile and an
         * optional lifetime within its bounds. Device orders (device-attest-01) always get an LDevID.
         */
        profiles: Type.Record(
          Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }),
          Type.Object(
            {
              profile: Type.Literal('tls-server'),
              description: Type.String({ minLength: 1, maxLength: 200 }),
              validitySeconds: Type.Optional(Type.Integer({ minimum: 60 })),
            },
            { additionalProperties: false },
          ),
          {
            minProperties: 1,
            default: {
              'tls-server': { profile: 'tls-server', description: 'TLS server certificate (serverAuth)' },
            },
          },
        ),
        /** Which names accounts may obtain: `*`, `*.example.com` or exact names; IP ranges in CIDR. */
        policy: Type.Object(
          {
            dnsNames: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { default: ['*'] }),
            ipRanges: Type.Array(Type.String({ minLength: 3 }), { default: ['0.0.0.0/0', '::/0'] }),
          },
          { additionalProperties: false, default: {} },
        ),
        orderLifetimeSeconds: Type.Integer({ minimum: 60, maximum: 2_592_000, default: 604_800 }),
        authorizationLifetimeSeconds: Type.Integer({ minimum: 60, maximum: 2_592_000, default: 86_400 }),
        nonceLifetimeSeconds: Type.Integer({ minimum: 10, maximum: 86_400, default: 3600 }),
        /** RFC 9773 §4.2 Retry-After of renewalInfo answers: how often clients ask again. */
        renewalInfoRetryAfterSeconds: Type.Integer({ minimum: 60, maximum: 604_800, default: 21_600 }),
        rateLimits: Type.Object(
          {
            /** New orders per account. */
            ordersPerAccount: Type.Object(
              {
                perMinute: Type.Number({ exclusiveMinimum: 0, default: 60 }),
                burst: Type.Integer({ minimum: 1, default: 300 }),
              },
              { additionalProperties: false, default: {} },
            ),
            /** Certificates per identifier (name or address). */
            certificatesPerIdentifier: Type.Object(
              {
                perMinute: Type.Number({ exclusiveMinimum: 0, default: 5 }),
                burst: Type.Integer({ minimum: 1, default: 50 }),
              },
              { additionalProperties: false, default: {} },
            ),
          },
          { additionalProperties: false, default: {} },
        ),
        validation: Type.Object(
          {
            /** The whole of one http-01 or tls-alpn-01 check. */
            timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
            /**
             * TESTS ONLY: every name resolves to 127.0.0.1 and checks go to these ports (as Pebble's VA). Refused
             * at start unless the environment also sets CERTFLEET_ACME_TEST_VALIDATION=loopback.
             */
            loopbackForTests: Type.Optional(
              Type.Object(
                {
                  httpPort: Type.Integer({ minimum: 1, maximum: 65_535 }),
                  tlsPort: Type.Integer({ minimum: 1, maximum: 65_535 }),
                },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false, default: {} },
        ),
        maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 65_536 }),
      },
      { additionalProperties: false, default: {} },
    ),
    revocation: Type.Object(
      {
        /** CRL lifetime (thisUpdate → nextUpdate). */
        crlValiditySeconds: Type.Integer({ minimum: 300, maximum: 31_536_000, default: 86_400 }),
        /** A CRL is republished this long before its nextUpdate (and at once after every revocation). */
        crlRepublishBeforeSeconds: Type.Integer({ minimum: 60, default: 43_200 }),
        /** How often nodes look for CRLs due for republication. */
        crlCheckIntervalSeconds: Type.Integer({ minimum: 1, default: 300 }),
        /** OCSP response lifetime (thisUpdate → nextUpdate): how long a relying party may cache a good answer. */
        ocspValiditySeconds: Type.Integer({ minimum: 60, maximum: 604_800, default: 3600 }),
        /** How long a node reuses a signed OCSP response for requests without a nonce (0: sign every response). */
        ocspCacheSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 300 }),
        /** Lifetime of each node's delegated OCSP responder certificate; renewed at two thirds. */
        ocspResponderValiditySeconds: Type.Integer({ minimum: 3600, maximum: 2_592_000, default: 604_800 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** The external TLS monitor (docs/monitor.md): probe schedule, bounds, sampling and trust. */
    monitor: Type.Object(
      {
        /** Whether `serve` runs the probe schedule (`certfleet monitor probe` works either way). */
        enabled: Type.Boolean({ default: true }),
        /** A round of probes starts this often; an endpoint is due when not probed in the last half interval. */
        intervalSeconds: Type.Integer({ minimum: 10, maximum: 604_800, default: 3600 }),
        /** Probes in flight at most. */
        concurrency: Type.Integer({ minimum: 1, maximum: 1024, default: 16 }),
        connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
        /** The whole probe: connection, STARTTLS, handshake and the protocol's answer. */
        probeTimeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
        /** Bytes a peer may send before the handshake completes; more is `chain-too-large` or `protocol-error`. */
        maxHandshakeBytes: Type.Integer({ minimum: 4096, maximum: 16_777_216, default: 262_144 }),
        /** The share of due `device` endpoints probed each round (0 to 1). */
        sampleShare: Type.Number({ minimum: 0, maximum: 1, default: 0.05 }),
        /** PEM files of anchors trusted besides our own roots (a partner's CA). */
        extraTrustAnchorFiles: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
        /** Observations older than this are pruned (each endpoint's latest is kept). */
        keepObservationsDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
        /** Client certificates to present to servers that demand one, by name (endpoints name one). */
        clientCredentials: Type.Record(
          Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' }),
          Type.Object(
            {
              certFile: Type.String({ minLength: 1 }),
              keyFile: Type.String({ minLength: 1 }),
              /** Reference to the passphrase of an encrypted key file. */
              passphraseSource: Type.Optional(Type.String({ pattern: SECRET_REFERENCE })),
            },
            { additionalProperties: false },
          ),
          { propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' }, default: {} },
        ),
        /** The client credential presented to endpoints that name none. */
        defaultClientCredential: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' })),
      },
      { additionalProperties: false, default: {} },
    ),
    server: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8443 }),
        /**
         * The plain-HTTP listener for what relying parties fetch without TLS (RFC 5280 §4.2.1.13 and RFC 6960
         * appendix A): CRLs, OCSP and CA certificates. Its public address is pki.publicBaseUrl.
         */
        publicHttp: Type.Object(
          {
            host: Type.String({ minLength: 1, default: '127.0.0.1' }),
            port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080 }),
          },
          { additionalProperties: false, default: {} },
        ),
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
    /** Alert rules' evaluation, channels and retries (docs/alerts.md). */
    alerts: AlertsConfigSchema,
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
    /**
     * The Prometheus listener (`GET /metrics`, plain HTTP), apart from the HTTPS one so a scraper needs no
     * client certificate or admin token. Loopback by default; any other host needs a bearer token.
     */
    metrics: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65_535, default: 9464 }),
        /** Reference to the token scrapers send as `Authorization: Bearer …`; required off loopback. */
        bearerTokenSource: Type.Optional(Type.String({ pattern: SECRET_REFERENCE })),
        /** The store-backed series (fleet counts, certificates, probes) are recomputed at most this often. */
        refreshSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 15 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
