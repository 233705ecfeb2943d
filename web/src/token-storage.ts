/**
 * The operator's API token, kept in sessionStorage: it lives as long as the tab, is not sent anywhere by the
 * browser on its own (no cookie, so no CSRF), and is gone when the tab closes. Storage can be unavailable
 * (a locked-down browser); the dashboard then works until a reload.
 */
const KEY = 'certfleet.apiToken';

export function loadToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // No storage: the token stays in memory only, and a reload asks for it again.
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was stored.
  }
}
