import { useEffect, useState } from 'preact/hooks';
import { ApiError, onUnauthorized, query, session } from './api';
import { CallerContext, type Caller } from './caller';
import { toApiError } from './hooks';
import { ApplicationPage } from './pages/application';
import { Overview } from './pages/overview';
import { ProjectPage } from './pages/project';
import { match, useLocation } from './router';
import { ErrorText } from './ui';

/** Pages by path; the first match wins. */
const routes: [string, (params: Record<string, string>) => preact.JSX.Element][] = [
  ['/', () => <Overview />],
  ['/project/:projectId', (p) => <ProjectPage projectId={p.projectId} />],
  ['/application/:applicationId/:tab?', (p) => <ApplicationPage applicationId={p.applicationId} tab={p.tab} />],
];

export function App() {
  const [caller, setCaller] = useState<Caller>();
  const [error, setError] = useState<ApiError>();
  const [checking, setChecking] = useState(!!session.token());

  const signIn = async (token: string) => {
    session.signIn(token);
    setChecking(true);
    try {
      const me = await query('user.get');
      setCaller({ name: me.user?.name ?? '', role: me.role });
      setError(undefined);
    } catch (err) {
      session.signOut();
      const e = toApiError(err);
      setError(e.status === 401 ? new ApiError(401, e.code, 'That token was refused: check it and try again.') : e);
    } finally {
      setChecking(false);
    }
  };
  const signOut = () => {
    session.signOut();
    setCaller(undefined);
  };

  useEffect(() => {
    const token = session.token();
    if (token) void signIn(token);
    return onUnauthorized(() => {
      signOut();
      setError(new ApiError(401, 'UNAUTHORIZED', 'The server no longer accepts this token: sign in again.'));
    });
  }, []);

  if (!caller) return <SignIn onSubmit={signIn} error={error} busy={checking} />;
  return (
    <CallerContext.Provider value={caller}>
      <Shell caller={caller} onSignOut={signOut} />
    </CallerContext.Provider>
  );
}

function SignIn({ onSubmit, error, busy }: { onSubmit(token: string): void; error?: ApiError; busy: boolean }) {
  const [token, setToken] = useState('');
  return (
    <main class="signin">
      <h1>Berth</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onSubmit(token.trim());
        }}
      >
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required autofocus />
        <p class="muted">Kept in this tab only (session storage) and sent as the x-api-key header.</p>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <ErrorText error={error} />
      </form>
    </main>
  );
}

function Shell({ caller, onSignOut }: { caller: Caller; onSignOut(): void }) {
  const { path } = useLocation();
  let page: preact.JSX.Element | undefined;
  for (const [pattern, render] of routes) {
    const params = match(pattern, path);
    if (params) {
      page = render(params);
      break;
    }
  }
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a href="/" class="brand">
          Berth
        </a>
        <nav aria-label="Main">
          <a href="/" aria-current={path === '/' ? 'page' : undefined}>
            Overview
          </a>
        </nav>
        <span class="who" title={`Signed in as ${caller.name}`}>
          {caller.name} <span class="role">{caller.role}</span>
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page ?? (
          <section>
            <h1>Not found</h1>
            <p>
              No page at {path}. <a href="/">Back to the overview</a>
            </p>
          </section>
        )}
      </main>
    </>
  );
}
