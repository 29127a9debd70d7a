import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { watchIdle } from './idle';
import { Session, type SignOutReason } from './session';

/** Signs out after this many minutes without activity (the server's own idle limit is 15). */
export const IDLE_MINUTES = Number(import.meta.env.VITE_IDLE_MINUTES ?? 15);
const WARN_BEFORE_MS = 60_000;

interface AuthContextValue {
  session: Session;
  status: 'restoring' | 'signed-in' | 'signed-out';
  endedBecause: SignOutReason | undefined;
  idleWarning: boolean;
  signOut(reason?: SignOutReason): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | undefined>(undefined);

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

export function AuthProvider({ children, session: given }: { children: ReactNode; session?: Session }) {
  const session = useMemo(() => given ?? new Session(window.sessionStorage), [given]);
  const [restoring, setRestoring] = useState(true);
  const [idleWarning, setIdleWarning] = useState(false);
  const signedIn = useSyncExternalStore((listener) => session.subscribe(listener), () => session.signedIn);

  useEffect(() => {
    void session.restore().finally(() => setRestoring(false));
  }, [session]);

  useEffect(() => {
    // signing out unmounts the signed-in shell and its Apollo client (SignedIn.tsx): no record stays in memory
    if (!signedIn) setIdleWarning(false);
  }, [signedIn]);

  useEffect(() => {
    if (!signedIn) return undefined;
    return watchIdle({
      timeoutMs: IDLE_MINUTES * 60_000,
      warnBeforeMs: Math.min(WARN_BEFORE_MS, (IDLE_MINUTES * 60_000) / 2),
      onWarn: () => setIdleWarning(true),
      onActive: () => setIdleWarning(false),
      onIdle: () => void session.signOut('idle'),
    });
  }, [signedIn, session]);

  const value: AuthContextValue = {
    session,
    status: restoring && !signedIn ? 'restoring' : signedIn ? 'signed-in' : 'signed-out',
    endedBecause: session.endedBecause,
    idleWarning,
    signOut: (reason) => session.signOut(reason),
  };
  return (
    <AuthContext.Provider value={value}>
      {children}
    </AuthContext.Provider>
  );
}
