/** RFC 9457 problem details as the admin API writes them (src/api/problem-details.ts). */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly code?: string;
  readonly errors?: readonly { readonly in?: string; readonly pointer?: string; readonly detail?: string }[];
  readonly rule?: string;
}

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const { title, detail } = value as Record<string, unknown>;
  return typeof title === 'string' || typeof detail === 'string';
}

/**
 * A sentence an operator can read: the title, then the detail when it says more ("Conflict: endpoint name
 * 'x' is taken"), then the fields the problem names. Without a problem body, the HTTP status alone.
 */
export function problemMessage(status: number, problem: Problem | undefined): string {
  if (problem === undefined) return `The server answered ${status}${statusText(status)}.`;
  const title = problem.title?.trim() ?? '';
  const detail = problem.detail?.trim() ?? '';
  let message = title;
  if (detail !== '' && detail !== title) message = title === '' ? detail : `${title}: ${detail}`;
  if (message === '') message = `The server answered ${status}${statusText(status)}`;
  const fieldDetails = (problem.errors ?? [])
    .map((e) => e.detail?.trim() ?? '')
    .filter((text) => text !== '' && !message.includes(text));
  if (fieldDetails.length > 0) message = `${message} (${fieldDetails.join('; ')})`;
  return /[.!?]$/.test(message) ? message : `${message}.`;
}

/** The problem's field errors by JSON pointer (`/host`), for messages next to form fields. */
export function fieldErrors(problem: Problem | undefined): ReadonlyMap<string, string> {
  const byPointer = new Map<string, string>();
  for (const error of problem?.errors ?? []) {
    if (error.pointer !== undefined && error.detail !== undefined && !byPointer.has(error.pointer)) {
      byPointer.set(error.pointer, error.detail);
    }
  }
  return byPointer;
}

const STATUS_TEXTS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function statusText(status: number): string {
  const text = STATUS_TEXTS[status];
  return text === undefined ? '' : ` (${text})`;
}
