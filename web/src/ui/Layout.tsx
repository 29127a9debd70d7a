import type { ReactNode } from 'react';
import { NavLink } from 'react-router-dom';
import { useAuth } from '../auth/AuthProvider';
import { useMe } from '../auth/me';
import { InboxNavLink } from '../inbox/InboxNavLink';
import { KeepInboxLive } from '../inbox/use-live-inbox';
import { ROLE_LABEL, ROLE_NAV } from '../roles';

export function Layout({ children }: { children: ReactNode }) {
  const me = useMe();
  const { signOut, idleWarning } = useAuth();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">caregraph</span>
        <nav aria-label="Main">
          <ul>
            {ROLE_NAV[me.role].map((item) => (
              <li key={item.to}>
                {item.unread === 'inbox' ? (
                  <>
                    <InboxNavLink to={item.to} label={item.label} />
                    <KeepInboxLive />
                  </>
                ) : (
                  <NavLink to={item.to} end>
                    {item.label}
                  </NavLink>
                )}
              </li>
            ))}
          </ul>
        </nav>
        <div className="who" aria-label="Signed in as">
          <span className="who-name">{me.displayName}</span>
          <span className="who-role">
            {ROLE_LABEL[me.role]}
            {me.organizationName ? `, ${me.organizationName}` : ''}
          </span>
        </div>
        <button type="button" onClick={() => void signOut('user')}>
          Sign out
        </button>
      </header>
      {idleWarning ? (
        <p className="idle-warning" role="alert">
          You will be signed out in a minute for inactivity. Press any key or click to stay signed in.
        </p>
      ) : null}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
