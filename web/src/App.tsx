import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Link, Navigate, Route, Routes } from 'react-router-dom';
import { AuthProvider, useAuth } from './auth/AuthProvider';
import { MeProvider, useMe } from './auth/me';
import { SignInPage } from './auth/SignInPage';
import { RolePage } from './RolePage';
import { AREA_ROLES, homeOf, type Area } from './roles';
import { Layout } from './ui/Layout';
import { Loading } from './ui/states';

// each area is its own chunk: a patient never downloads the billing workspace
const CareArea = lazy(() => import('./care/CareArea'));
const BillingArea = lazy(() => import('./billing/BillingArea'));
const PortalArea = lazy(() => import('./portal/PortalArea'));

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
  return <Suspense fallback={<Loading what="the page" />}>{children}</Suspense>;
}

function Home() {
  const me = useMe();
  return <Navigate to={homeOf(me.role)} replace />;
}

function Shell() {
  const { status } = useAuth();
  if (status === 'restoring') return <Loading what="your session" />;
  if (status === 'signed-out') return <SignInPage />;
  return (
    <MeProvider>
      <Layout>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/care/*" element={<OnlyFor area="care"><CareArea /></OnlyFor>} />
          <Route path="/billing/*" element={<OnlyFor area="billing"><BillingArea /></OnlyFor>} />
          <Route path="/portal/*" element={<OnlyFor area="portal"><PortalArea /></OnlyFor>} />
          <Route path="/role" element={<RolePage />} />
          <Route path="*" element={<div className="page narrow"><h1>Page not found</h1><p><Link to="/">Go to your start page</Link></p></div>} />
        </Routes>
      </Layout>
    </MeProvider>
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
