import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient, ApiError, checkToken, errorMessage } from './api.js';
import type { Session } from './api-types.js';
import { AppShell } from './components/app-shell.js';
import { LoginForm } from './components/login-form.js';
import { pageIdentity } from './hash-route.js';
import { type Operator, OperatorContext } from './operator-context.js';
import { PageView } from './page-view.js';
import { forgetToken, loadToken, saveToken } from './token-storage.js';
import { useRoute } from './use-route.js';

type Auth =
  | { readonly kind: 'checking'; readonly token: string }
  | { readonly kind: 'signed-out'; readonly notice: string | undefined }
  | {
      readonly kind: 'signed-in';
      readonly token: string;
      readonly session: Session;
      readonly fresh: boolean;
    };

function initialAuth(): Auth {
  const token = loadToken();
  return token === undefined ? { kind: 'signed-out', notice: undefined } : { kind: 'checking', token };
}

/**
 * The dashboard: the login form until a token is accepted, then the page the fragment names. A token kept
 * from earlier in this tab is checked again first (it may have been revoked since); any 401 later sends the
 * operator back here with a note saying why.
 */
export function App() {
  const [auth, setAuth] = useState<Auth>(initialAuth);
  const route = useRoute();

  useEffect(() => {
    if (auth.kind !== 'checking') return;
    let current = true;
    void checkToken<Session>(auth.token).then(
      (session) => {
        if (current) setAuth({ kind: 'signed-in', token: auth.token, session, fresh: false });
      },
      (error: unknown) => {
        if (!current) return;
        if (error instanceof ApiError && error.status === 401) forgetToken();
        setAuth({
          kind: 'signed-out',
          notice:
            error instanceof ApiError && error.status === 401
              ? 'Your API token is no longer accepted: sign in again.'
              : `Could not check your session: ${errorMessage(error)}`,
        });
      },
    );
    return () => {
      current = false;
    };
  }, [auth]);

  const token = auth.kind === 'signed-in' ? auth.token : undefined;
  const session = auth.kind === 'signed-in' ? auth.session : undefined;
  const operator = useMemo((): Operator | undefined => {
    if (token === undefined || session === undefined) return undefined;
    const api = new ApiClient(token, () => {
      forgetToken();
      setAuth({ kind: 'signed-out', notice: 'Your API token is no longer accepted: sign in again.' });
    });
    return { api, session };
  }, [token, session]);

  if (auth.kind === 'checking') {
    return (
      <main id="main" class="login" tabIndex={-1}>
        <h1>certfleet</h1>
        <p role="status">Checking your session…</p>
      </main>
    );
  }
  if (auth.kind === 'signed-out' || operator === undefined) {
    return (
      <LoginForm
        notice={auth.kind === 'signed-out' ? auth.notice : undefined}
        onSignedIn={(newToken, newSession) => {
          saveToken(newToken);
          setAuth({ kind: 'signed-in', token: newToken, session: newSession, fresh: true });
        }}
      />
    );
  }
  return (
    <OperatorContext.Provider value={operator}>
      <AppShell
        route={route}
        session={operator.session}
        focusOnStart={auth.fresh}
        onSignOut={() => {
          forgetToken();
          setAuth({ kind: 'signed-out', notice: 'You are signed out.' });
        }}
      >
        <PageView key={pageIdentity(route)} route={route} />
      </AppShell>
    </OperatorContext.Provider>
  );
}
