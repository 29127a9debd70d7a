import { Route, Routes } from 'react-router-dom';
import { AccountsPage } from './AccountsPage';
import { AuditLogPage } from './AuditLogPage';

/** The org admin's screens (SignedIn.tsx lets only org admins in). */
export function AccountsArea() {
  return (
    <Routes>
      <Route index element={<AccountsPage />} />
    </Routes>
  );
}

/** The compliance officer's screens (SignedIn.tsx lets only compliance officers in). */
export function AuditArea() {
  return (
    <Routes>
      <Route index element={<AuditLogPage />} />
    </Routes>
  );
}
