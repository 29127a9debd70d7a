import { ApolloProvider } from '@apollo/client';
import { lazy, useEffect, useMemo, type ReactNode } from 'react';
import { Link, Navigate, Route, Routes } from 'react-router-dom';
import { createApolloClient } from './apollo';
import { useAuth } from './auth/AuthProvider';
import { MeProvider, useMe } from './auth/me';
import { RolePage } from './RolePage';
import { AREA_ROLES, homeOf, type Area } from './roles';
import { Layout } from './ui/Layout';
import { Deferred } from './ui/Deferred';

// each area is its own chunk: a patient never downloads the billing workspace
const CareArea = lazy(() => import('./care/CareArea'));
const BillingArea = lazy(() => import('./billing/BillingArea'));
const PortalArea = lazy(() => import('./portal/PortalArea'));
const InboxArea = lazy(() => import('./inbox/InboxArea'));
// the org admin's and the compliance officer's screens share one chunk
const AccountsArea = lazy(() => import('./admin/AdminArea').then((module) => ({ default: module.AccountsArea })));
const AuditArea = lazy(() => import('./admin/AdminArea').then((module) => ({ default: module.AuditArea })));

function OnlyFor({ area, children }: { area: Area; children: ReactNode }) {
  const me = useMe();
  if (!AREA_ROLES[area].includes(me.role)) {
    return (
      <div className="page narrow" role="alert">
        <h1>Not available to your role</h1>
        <p>
          This part of caregraph is not open to your role. <Link to={homeOf(me.role)}>Go to your start page</Link>.
        </p>
      </div>
    );
  }
  return <Deferred what="the page">{children}</Deferred>;
}

function Home() {
  const me = useMe();
  return <Navigate to={homeOf(me.role)} replace />;
}

/**
 * Everything behind sign-in, as its own chunk (App.tsx loads it lazily): Apollo Client, the typed
 * operations, the layout and the role areas. One Apollo client per signed-in session: signing out
 * unmounts it, stopping its queries and dropping every cached record.
 */
export default function SignedIn() {
  const { session } = useAuth();
  const client = useMemo(() => createApolloClient(session), [session]);
  useEffect(() => () => {
    if (session.signedIn) return; // only a re-mount (React's strict mode), not a sign-out
    client.stop();
    void client.clearStore();
  }, [client, session]);
  return (
    <ApolloProvider client={client}>
      <MeProvider>
        <Layout>
          <Routes>
            <Route path="/" element={<Home />} />
            <Route path="/care/*" element={<OnlyFor area="care"><CareArea /></OnlyFor>} />
            <Route path="/billing/*" element={<OnlyFor area="billing"><BillingArea /></OnlyFor>} />
            <Route path="/portal/*" element={<OnlyFor area="portal"><PortalArea /></OnlyFor>} />
            <Route path="/inbox/*" element={<OnlyFor area="inbox"><InboxArea /></OnlyFor>} />
            <Route path="/admin/accounts/*" element={<OnlyFor area="accounts"><AccountsArea /></OnlyFor>} />
            <Route path="/admin/audit/*" element={<OnlyFor area="audit"><AuditArea /></OnlyFor>} />
            <Route path="/role" element={<RolePage />} />
            <Route path="*" element={<div className="page narrow"><h1>Page not found</h1><p><Link to="/">Go to your start page</Link></p></div>} />
          </Routes>
        </Layout>
      </MeProvider>
    </ApolloProvider>
  );
}
