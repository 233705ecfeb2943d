import Type, { type Static } from 'typebox';

/** Same as config-schema.ts's: `env:NAME` or `file:/path` (keys/secret-reference.ts). */
const SECRET_REFERENCE = '^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$';
const TIME_OF_DAY = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
/** Channel names, as rules list them. */
export const CHANNEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$';

const SlackChannelSchema = Type.Object(
  {
    type: Type.Literal('slack'),
    /** Reference to the incoming webhook URL, which is itself a credential. */
    webhookUrlSource: Type.String({ pattern: SECRET_REFERENCE }),
  },
  { additionalProperties: false },
);

const EmailChannelSchema = Type.Object(
  {
    type: Type.Literal('email'),
    host: Type.String({ minLength: 1 }),
    /** Default 587 (submission with STARTTLS); 465 with `secure`. */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
    /** False (default): STARTTLS, required. True: TLS from the start (port 465). Never plain text. */
    secure: Type.Optional(Type.Boolean()),
    user: Type.Optional(Type.String({ minLength: 1 })),
    passwordSource: Type.Optional(Type.String({ pattern: SECRET_REFERENCE })),
    from: Type.String({ minLength: 3 }),
    to: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
    /** PEM file of the CA(s) that issued the SMTP server's certificate, when not a public one. */
    caFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const WebhookChannelSchema = Type.Object(
  {
    type: Type.Literal('webhook'),
    url: Type.String({ pattern: '^https?://\\S+$' }),
    /** Reference to the shared HMAC secret. */
    secretSource: Type.String({ pattern: SECRET_REFERENCE }),
  },
  { additionalProperties: false },
);

export const AlertChannelConfigSchema = Type.Union([
  SlackChannelSchema,
  EmailChannelSchema,
  WebhookChannelSchema,
]);

export const QuietHoursSchema = Type.Object(
  {
    start: Type.String({ pattern: TIME_OF_DAY }),
    end: Type.String({ pattern: TIME_OF_DAY }),
    /** IANA name, e.g. Europe/Berlin; checked at start. */
    timeZone: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

/** The `alerts` section of the configuration (docs/configuration.md, docs/alerts.md). */
export const AlertsConfigSchema = Type.Object(
  {
    /** Evaluate rules and send notices on this node. */
    enabled: Type.Boolean({ default: true }),
    /** How often the rules are evaluated. */
    intervalSeconds: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
    /** How often due deliveries are looked for. */
    dispatchIntervalSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 5 }),
    /** Create the default rules at start when the store holds no rule at all. */
    defaultRules: Type.Boolean({ default: true }),
    /** Each HTTP request or SMTP step gives up after this. */
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 300, default: 10 }),
    channels: Type.Record(Type.String({ pattern: CHANNEL_NAME_PATTERN }), AlertChannelConfigSchema, {
      propertyNames: { pattern: CHANNEL_NAME_PATTERN },
      default: {},
    }),
    retry: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
        initialBackoffSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 30 }),
        maxBackoffSeconds: Type.Integer({ minimum: 1, maximum: 604_800, default: 3600 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Default quiet hours for rules without their own; none if absent. */
    quietHours: Type.Optional(QuietHoursSchema),
  },
  { additionalProperties: false, default: {} },
);

export type AlertsConfig = Static<typeof AlertsConfigSchema>;
export type AlertChannelConfig = Static<typeof AlertChannelConfigSchema>;
