import { useState, type FormEvent } from 'react';
import { useAuth } from './AuthProvider';
import { SignInError } from './session';

const ENDED: Record<string, string> = {
  idle: 'You were signed out after a period without activity.',
  expired: 'Your session ended. Sign in again to continue.',
  user: 'You are signed out.',
};

/** Demo accounts `npm start` creates (README "Sign in"); all share one password. */
const DEMO_ACCOUNTS = [
  ['physician@bayview-regional-hospital.demo', 'Physician, Bayview'],
  ['physician@northfield-university-hospital.demo', 'Physician, Northfield'],
  ['nurse@bayview-regional-hospital.demo', 'Nurse, Bayview'],
  ['billing@bayview-regional-hospital.demo', 'Billing, Bayview'],
  ['patient1@patients.demo', 'Patient 1'],
  ['patient2@patients.demo', 'Patient 2'],
  ['compliance@bayview-regional-hospital.demo', 'Compliance, Bayview'],
] as const;

export function SignInPage() {
  const { session, endedBecause } = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needsTotp, setNeedsTotp] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await session.signIn(email.trim(), password, needsTotp ? totp : undefined);
    } catch (failure) {
      if (failure instanceof SignInError && failure.reason === 'mfa_required') setNeedsTotp(true);
      setError(failure instanceof Error ? failure.message : 'Sign-in failed.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <h1>caregraph</h1>
      <p className="lead">One patient record, shared across every hospital and practice that treats the patient.</p>
      {endedBecause ? (
        <p className="notice" role="status">
          {ENDED[endedBecause]}
        </p>
      ) : null}
      <form onSubmit={submit} className="card form" aria-describedby={error ? 'sign-in-error' : undefined}>
        <h2>Sign in</h2>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {needsTotp ? (
          <label>
            Authenticator code
            <input name="totp" inputMode="numeric" pattern="\d{6}" autoComplete="one-time-code" required value={totp} onChange={(e) => setTotp(e.target.value)} />
          </label>
        ) : null}
        {error ? (
          <p id="sign-in-error" className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <details className="card demo-accounts">
        <summary>Demo accounts</summary>
        <p>
          Password for all: <code>caregraph-demo-2026</code>. Choose one to fill the form.
        </p>
        <ul>
          {DEMO_ACCOUNTS.map(([address, label]) => (
            <li key={address}>
              <button type="button" className="link" onClick={() => { setEmail(address); setPassword('caregraph-demo-2026'); }}>
                {label}
              </button>{' '}
              <code>{address}</code>
            </li>
          ))}
        </ul>
      </details>
    </main>
  );
}
