import { isProblem, type Problem, problemMessage } from './problem-message.js';

/** Where the admin API lives: same origin as the dashboard, so no CORS and no cookies. */
export const API_BASE = '/api/v1';

/**
 * A failed request: the problem+json the API sent (RFC 9457), or the network's failure (status 0). The
 * message is written for the operator: the problem's title and detail, never a stack.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problem: Problem | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** A human sentence for anything a request may throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** A JSON body; with `csv`, text sent as text/csv. */
  readonly json?: unknown;
  readonly csv?: string;
  readonly signal?: AbortSignal;
}

/**
 * The admin API with one operator's bearer token (RFC 6750). A 401 means the token is no longer good
 * (revoked, expired): the client says so once through `onUnauthorized`, which sends the operator back to the
 * login form, and the call still fails so the page stops what it was doing.
 */
export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: (message: string) => void = () => {},
  ) {}

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>(path, signal === undefined ? {} : { signal });
  }

  post<T>(path: string, json?: unknown): Promise<T> {
    return this.request<T>(path, json === undefined ? { method: 'POST' } : { method: 'POST', json });
  }

  postCsv<T>(path: string, csv: string): Promise<T> {
    return this.request<T>(path, { method: 'POST', csv });
  }

  patch<T>(path: string, json: unknown): Promise<T> {
    return this.request<T>(path, { method: 'PATCH', json });
  }

  delete(path: string): Promise<void> {
    return this.request<void>(path, { method: 'DELETE' });
  }

  private async request<T>(path: string, options: RequestOptions): Promise<T> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.token}`,
      Accept: 'application/json, application/problem+json',
    };
    let body: string | undefined;
    if (options.csv !== undefined) {
      headers['Content-Type'] = 'text/csv; charset=utf-8';
      body = options.csv;
    } else if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await fetch(`${API_BASE}${path}`, {
        method: options.method ?? 'GET',
        headers,
        cache: 'no-store',
        credentials: 'omit',
        ...(body === undefined ? {} : { body }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(
        0,
        'The server could not be reached. Check the connection and try again.',
        undefined,
      );
    }
    if (response.status === 204) return undefined as T;
    const payload = await readJson(response);
    if (response.ok) return payload as T;
    const problem = isProblem(payload) ? payload : undefined;
    const message = problemMessage(response.status, problem);
    if (response.status === 401) this.onUnauthorized(message);
    throw new ApiError(response.status, message, problem);
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Checks a token with `GET /session` without the session's 401 handling (the login form shows the error). */
export async function checkToken<T>(token: string): Promise<T> {
  return new ApiClient(token).get<T>('/session');
}
