import { Route, Routes } from 'react-router-dom';
import { ClaimDetailPage } from './ClaimDetailPage';
import { ClaimsPage } from './ClaimsPage';
import { DashboardPage } from './DashboardPage';

export default function BillingArea() {
  return (
    <Routes>
      <Route index element={<ClaimsPage />} />
      <Route path="dashboard" element={<DashboardPage />} />
      <Route path="claims/:claimId" element={<ClaimDetailPage />} />
    </Routes>
  );
}
