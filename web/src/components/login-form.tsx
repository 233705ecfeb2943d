import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, checkToken, errorMessage } from '../api.js';
import type { Session } from '../api-types.js';

/**
 * The operator signs in with an API token (`certfleet api-token create`), checked with `GET /session`.
 * Nothing is kept until the server has accepted it.
 */
export function LoginForm({
  notice,
  onSignedIn,
}: {
  notice: string | undefined;
  onSignedIn: (token: string, session: Session) => void;
}) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const inputId = useId();
  const errorId = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  // The form is the whole page: start in the field (`autofocus` is ignored on elements added after load).
  useEffect(() => {
    input.current?.focus();
  }, []);

  const submit = async () => {
    const value = token.trim();
    if (value === '') {
      setError('Enter an API token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const session = await checkToken<Session>(value);
      onSignedIn(value, session);
    } catch (e) {
      setBusy(false);
      setError(
        e instanceof ApiError && e.status === 401
          ? 'The server does not accept this API token: it is unknown, revoked or expired.'
          : errorMessage(e),
      );
    }
  };

  return (
    <main id="main" class="login" tabIndex={-1}>
      <h1>Sign in to certfleet</h1>
      {notice === undefined ? null : (
        <p class="message info" role="status">
          {notice}
        </p>
      )}
      <form
        class="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) void submit();
        }}
      >
        <div class="field">
          <label for={inputId}>API token</label>
          <input
            id={inputId}
            type="password"
            autoComplete="current-password"
            spellcheck={false}
            ref={input}
            value={token}
            aria-invalid={error === undefined ? undefined : true}
            aria-describedby={error === undefined ? hintId : `${errorId} ${hintId}`}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
          <p id={hintId} class="hint">
            A token made with <code>certfleet api-token create</code> (it starts with <code>cft_</code>). It
            is kept in this tab only, until you sign out or close it.
          </p>
          {error === undefined ? null : (
            <p id={errorId} class="message error" role="alert">
              {error}
            </p>
          )}
        </div>
        <button type="submit" class="primary" aria-disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
