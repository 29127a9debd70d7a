import { useMe } from './auth/me';
import { ROLE_LABEL } from './roles';

const WHAT_YOU_CAN_DO: Record<string, string[]> = {
  ORG_ADMIN: [
    'Manage patients and registrations at your organization, the directory (organizations, practitioners and their roles), patient accounts, and partner apps (the Accounts screen lists them read-only).',
    'Grant or revoke a patient’s sharing consents.',
    'You do not see clinical or billing data (minimum necessary).',
  ],
  COMPLIANCE: [
    'Read a patient’s access history (every organization’s accesses to their record), and list your organization’s accounts.',
    'You do not see clinical or billing data, and you change nothing.',
  ],
};

/** What org admins and compliance officers can do beyond this client's screens, and where (the GraphQL API). */
export function RolePage() {
  const me = useMe();
  return (
    <div className="page narrow">
      <h1>{ROLE_LABEL[me.role]}</h1>
      <p>Beyond the screens of this client, through the GraphQL API at <code>/graphql</code> you can:</p>
      <ul>
        {(WHAT_YOU_CAN_DO[me.role] ?? []).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </div>
  );
}
