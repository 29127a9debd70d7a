import { useMutation, useQuery } from '@apollo/client';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useMe } from '../auth/me';
import type { AccountPartsFragment, PartnerAppsQuery, UserRole } from '../gql/graphql';
import { ROLE_LABEL } from '../roles';
import { PagedTable, useKeysetPages, type Column } from '../ui/DataTable';
import { describeProblem, fieldProblems } from '../ui/errors';
import { formatDate, formatDateTime } from '../ui/format';
import { Section } from '../ui/states';
import { Field, FormError, isClinician, RoleSelect, STAFF_ROLES } from './fields';
import { CREATE_ACCOUNT, DEACTIVATE_ACCOUNT, ORG_ACCOUNTS, PARTNER_APPS, UPDATE_ACCOUNT } from './queries';

const PAGE_SIZE = 25;

type Account = AccountPartsFragment;
type PartnerApp = PartnerAppsQuery['apiClients']['edges'][number]['node'];

/** A mutation's outcome for its form: errors by field, and the rest as one message. */
function useFormErrors() {
  const [failure, setFailure] = useState<Error>();
  const fields = fieldProblems(failure);
  const general = failure && !Object.keys(fields).length ? describeProblem(failure).message : undefined;
  return { fields, general, setFailure };
}

function CreateAccountForm({ onCreated }: { onCreated(account: Account): void }) {
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<UserRole>('PHYSICIAN');
  const [password, setPassword] = useState('');
  const [practitionerId, setPractitionerId] = useState('');
  const errors = useFormErrors();
  const [create, { loading }] = useMutation(CREATE_ACCOUNT, { refetchQueries: [ORG_ACCOUNTS], awaitRefetchQueries: true });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    errors.setFailure(undefined);
    try {
      const input = { email: email.trim(), displayName: displayName.trim(), role, password, practitionerId: isClinician(role) && practitionerId.trim() ? practitionerId.trim() : undefined };
      const { data } = await create({ variables: { input } });
      if (data) onCreated(data.createUser);
      setEmail('');
      setDisplayName('');
      setPassword('');
      setPractitionerId('');
    } catch (failure) {
      errors.setFailure(failure as Error);
    }
  };
  return (
    <form className="form-grid" onSubmit={(event) => void submit(event)} aria-label="New account" noValidate>
      <Field id="new-email" label="Email" error={errors.fields.email}>
        {(input) => <input {...input} type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
      <Field id="new-name" label="Display name" error={errors.fields.displayName}>
        {(input) => <input {...input} required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />}
      </Field>
      <Field id="new-role" label="Role" error={errors.fields.role}>
        {(input) => <RoleSelect input={input} value={role} onChange={setRole} />}
      </Field>
      <Field id="new-password" label="Initial password" hint="At least 12 characters. Give it to the person in a safe way." error={errors.fields.password}>
        {(input) => <input {...input} type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
      </Field>
      {isClinician(role) ? (
        <Field id="new-practitioner" label="Practitioner ID (optional)" hint="Links the clinician to their directory record." error={errors.fields.practitionerId}>
          {(input) => <input {...input} value={practitionerId} onChange={(e) => setPractitionerId(e.target.value)} />}
        </Field>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Creating…' : 'Create account'}
        </button>
        <FormError message={errors.general} />
      </div>
    </form>
  );
}

function EditAccount({ account, onClose }: { account: Account; onClose(message?: string): void }) {
  const me = useMe();
  const self = account.id === me.id;
  const [displayName, setDisplayName] = useState(account.displayName);
  const [role, setRole] = useState<UserRole>(account.role);
  const [practitionerId, setPractitionerId] = useState(account.practitionerId ?? '');
  const [unlock, setUnlock] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const errors = useFormErrors();
  const [update, updating] = useMutation(UPDATE_ACCOUNT);
  const [deactivate, deactivating] = useMutation(DEACTIVATE_ACCOUNT);
  const heading = useRef<HTMLHeadingElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => heading.current?.focus(), [account.id]);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  const locked = account.lockedUntil && new Date(account.lockedUntil) > new Date();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    errors.setFailure(undefined);
    try {
      await update({
        variables: {
          input: {
            id: account.id,
            displayName: displayName.trim(),
            role: self ? undefined : role,
            practitionerId: isClinician(role) ? practitionerId.trim() || null : null,
            unlock: unlock || undefined,
          },
        },
      });
      onClose(`Saved the changes to ${displayName.trim()}.`);
    } catch (failure) {
      errors.setFailure(failure as Error);
    }
  };
  const confirmDeactivate = async () => {
    errors.setFailure(undefined);
    try {
      await deactivate({ variables: { id: account.id } });
      onClose(`${account.displayName} is deactivated: signed out everywhere and can no longer sign in.`);
    } catch (failure) {
      setConfirming(false);
      errors.setFailure(failure as Error);
    }
  };

  return (
    <section className="card" aria-labelledby="edit-account-heading">
      <div className="card-head">
        <h2 id="edit-account-heading" ref={heading} tabIndex={-1}>
          Edit {account.displayName}
        </h2>
        <button type="button" onClick={() => onClose()}>
          Close
        </button>
      </div>
      <p className="muted">
        {account.email}
        {account.active ? '' : ' · deactivated'}
      </p>
      <form className="form-grid" onSubmit={(event) => void save(event)} aria-label={`Edit ${account.displayName}`} noValidate>
        <Field id="edit-name" label="Display name" error={errors.fields.displayName}>
          {(input) => <input {...input} required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />}
        </Field>
        <Field id="edit-role" label="Role" hint={self ? 'You cannot change your own role.' : 'A new role takes effect when they next sign in.'} error={errors.fields.role}>
          {(input) => <RoleSelect input={input} value={role} onChange={setRole} disabled={self} />}
        </Field>
        {isClinician(role) ? (
          <Field id="edit-practitioner" label="Practitioner ID (optional)" error={errors.fields.practitionerId}>
            {(input) => <input {...input} value={practitionerId} onChange={(e) => setPractitionerId(e.target.value)} />}
          </Field>
        ) : null}
        {locked ? (
          <label className="check">
            <input type="checkbox" checked={unlock} onChange={(e) => setUnlock(e.target.checked)} />
            Lift the lockout after failed sign-ins (locked until {formatDateTime(account.lockedUntil)})
          </label>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={updating.loading}>
            {updating.loading ? 'Saving…' : 'Save changes'}
          </button>
          {account.active && !self ? (
            <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={confirming}>
              Deactivate account
            </button>
          ) : null}
          <FormError message={errors.general} />
        </div>
      </form>
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-labelledby="deactivate-question" aria-describedby="deactivate-effect">
          <p id="deactivate-question">
            <strong>Deactivate {account.displayName}?</strong>
          </p>
          <p id="deactivate-effect">They are signed out everywhere at once and can no longer sign in. The web client cannot reactivate an account.</p>
          <div className="row">
            <button type="button" className="danger" ref={confirmButton} onClick={() => void confirmDeactivate()} disabled={deactivating.loading}>
              {deactivating.loading ? 'Deactivating…' : `Yes, deactivate ${account.displayName}`}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function status(account: Account): string {
  if (!account.active) return 'Deactivated';
  if (account.lockedUntil && new Date(account.lockedUntil) > new Date()) return `Locked until ${formatDateTime(account.lockedUntil)}`;
  return 'Active';
}

function PartnerApps() {
  const pages = useKeysetPages(null);
  const result = useQuery(PARTNER_APPS, { variables: { first: PAGE_SIZE, after: pages.after } });
  const columns: Column<PartnerApp>[] = [
    { header: 'Name', cell: (app) => app.name },
    { header: 'Client ID', cell: (app) => <code>{app.clientId}</code> },
    { header: 'Scopes', cell: (app) => app.scopes.join(' ') },
    { header: 'Status', cell: (app) => (app.active ? 'Active' : 'Deactivated') },
    { header: 'Created', cell: (app) => formatDate(app.createdAt) },
  ];
  return (
    <Section title="Partner apps" id="partner-apps">
      <p className="muted">Apps that call the API for your organization (read-only here; manage them through the API).</p>
      <PagedTable
        query={result}
        connection={result.data?.apiClients}
        what="partner apps"
        empty="Your organization has no partner apps."
        pages={pages}
        pagerLabel="Partner app pages"
        label="Partner apps"
        columns={columns}
        rowKey={(app) => app.id}
      />
    </Section>
  );
}

/** The org admin's accounts screen: the organization's accounts by role, new accounts, edits and deactivation; its partner apps. */
export function AccountsPage() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const roleParam = params.get('role') as UserRole | null;
  const role = roleParam && STAFF_ROLES.includes(roleParam) ? roleParam : undefined;
  const pages = useKeysetPages(role);
  const result = useQuery(ORG_ACCOUNTS, { variables: { role, first: PAGE_SIZE, after: pages.after } });
  const [editing, setEditing] = useState<Account>();
  const [notice, setNotice] = useState<string>();

  const columns: Column<Account>[] = [
    { header: 'Name', cell: (account) => account.displayName },
    { header: 'Email', cell: (account) => account.email },
    { header: 'Role', cell: (account) => ROLE_LABEL[account.role] },
    { header: 'Status', cell: status },
    { header: 'Two-factor', cell: (account) => (account.totpEnabled ? 'On' : 'Off') },
    { header: 'Last sign-in', cell: (account) => formatDateTime(account.lastLoginAt) },
    {
      header: 'Actions',
      cell: (account) => (
        <button type="button" onClick={() => { setNotice(undefined); setEditing(account); }} aria-label={`Edit ${account.displayName}`}>
          Edit
        </button>
      ),
    },
  ];

  return (
    <div className="page">
      <h1>Accounts</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {editing ? (
        <EditAccount
          key={editing.id}
          account={editing}
          onClose={(message) => {
            setEditing(undefined);
            setNotice(message);
          }}
        />
      ) : null}
      <Section
        title={`Accounts at ${me.organizationName ?? 'your organization'}`}
        id="accounts"
        actions={
          <label className="inline">
            Show role
            <select value={role ?? ''} onChange={(e) => setParams(e.target.value ? { role: e.target.value } : {})}>
              <option value="">All roles</option>
              {STAFF_ROLES.map((option) => (
                <option key={option} value={option}>
                  {ROLE_LABEL[option]}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <PagedTable
          query={result}
          connection={result.data?.users}
          what="accounts"
          empty={role ? `No ${ROLE_LABEL[role].toLowerCase()} accounts.` : 'No accounts.'}
          pages={pages}
          pagerLabel="Account pages"
          label="Accounts, oldest first"
          testId="accounts"
          columns={columns}
          rowKey={(account) => account.id}
          rowClassName={(account) => (account.active ? undefined : 'inactive')}
        />
      </Section>
      <Section title="New account" id="new-account">
        <CreateAccountForm onCreated={(account) => setNotice(`Account created for ${account.displayName} (${ROLE_LABEL[account.role]}).`)} />
      </Section>
      <PartnerApps />
    </div>
  );
}
