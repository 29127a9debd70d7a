import { lazy } from 'react';
import { Route, Routes } from 'react-router-dom';
import { ClaimDetailPage } from './ClaimDetailPage';
import { ClaimsPage } from './ClaimsPage';

// the dashboard's charts (recharts) load only when the dashboard opens
const DashboardPage = lazy(() => import('./DashboardPage').then((module) => ({ default: module.DashboardPage })));

export default function BillingArea() {
  return (
    <Routes>
      <Route index element={<ClaimsPage />} />
      <Route path="dashboard" element={<DashboardPage />} />
      <Route path="claims/:claimId" element={<ClaimDetailPage />} />
    </Routes>
  );
}
