/** What an ACME handler answers; the plugin adds Replay-Nonce, the directory link and caching headers. */
export interface AcmeResponse {
  readonly status: number;
  /** JSON, or text for the PEM certificate chain. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly location?: string;
  /** RFC 8288 links besides `index`: `up` for challenges, `alternate` for chains. */
  readonly links?: readonly { readonly url: string; readonly rel: string }[];
  readonly retryAfterSeconds?: number;
}

export function json(
  status: number,
  body: unknown,
  extra: Omit<AcmeResponse, 'status' | 'body'> = {},
): AcmeResponse {
  return { status, body, ...extra };
}
