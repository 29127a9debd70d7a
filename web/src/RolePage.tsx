import { useMe } from './auth/me';
import { ROLE_LABEL } from './roles';

const WHAT_YOU_CAN_DO: Record<string, string[]> = {
  ORG_ADMIN: [
    'Manage patients and registrations at your organization, the directory (organizations, practitioners and their roles), user accounts and partner apps.',
    'Grant or revoke a patient’s sharing consents.',
    'You do not see clinical or billing data (minimum necessary).',
  ],
  COMPLIANCE: [
    'Read your organization’s audit log (who accessed which record, when, and whether under break-glass) and patients’ access histories.',
    'You do not see clinical or billing data, and you change nothing.',
  ],
};

/** Roles without screens in this client yet: say what the role can do and where (the GraphQL API). */
export function RolePage() {
  const me = useMe();
  return (
    <div className="page narrow">
      <h1>{ROLE_LABEL[me.role]}</h1>
      <p>The web client has no screens for your role yet. Through the GraphQL API at <code>/graphql</code> you can:</p>
      <ul>
        {(WHAT_YOU_CAN_DO[me.role] ?? []).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </div>
  );
}
