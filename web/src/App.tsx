import { lazy, useEffect } from 'react';
import { BrowserRouter } from 'react-router-dom';
import { AuthProvider, useAuth } from './auth/AuthProvider';
import { SignInPage } from './auth/SignInPage';
import { Deferred } from './ui/Deferred';
import { Loading } from './ui/states';

/*
 * The entry chunk holds only what signing in needs (React, the router, the session and the sign-in
 * page). Everything behind sign-in (Apollo Client, the typed operations, the layout) is its own
 * chunk, fetched in the background once the first screen is up; each role area is split again.
 */
const loadSignedIn = () => import('./SignedIn');
const SignedIn = lazy(loadSignedIn);

function Shell() {
  const { status } = useAuth();
  useEffect(() => {
    // while the user types their password (or the session is restored), fetch what comes next
    const prefetch = window.setTimeout(() => void loadSignedIn(), 0);
    return () => window.clearTimeout(prefetch);
  }, []);
  if (status === 'restoring') return <Loading what="your session" />;
  if (status === 'signed-out') return <SignInPage />;
  return (
    <Deferred what="caregraph">
      <SignedIn />
    </Deferred>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <AuthProvider>
        <Shell />
      </AuthProvider>
    </BrowserRouter>
  );
}
