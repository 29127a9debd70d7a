import type { ReactNode } from 'react';
import type { UserRole } from '../gql/graphql';
import { ROLE_LABEL } from '../roles';

/** Roles an org admin gives staff accounts here (patient accounts are made through the API, with their Patient record). */
export const STAFF_ROLES: readonly UserRole[] = ['PHYSICIAN', 'NURSE', 'BILLING', 'ORG_ADMIN', 'COMPLIANCE'];
/** Only clinicians are linked to a Practitioner record. */
export const isClinician = (role: UserRole) => role === 'PHYSICIAN' || role === 'NURSE';

export interface InputProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/**
 * A labelled input with its hint and, when the server refused the value, the reason right below it
 * (announced, and tied to the input with aria-describedby).
 */
export function Field({ id, label, hint, error, children }: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children(input: InputProps): ReactNode;
}) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': described || undefined })}
      {hint ? (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function RoleSelect({ value, onChange, disabled, input }: { value: UserRole; onChange(role: UserRole): void; disabled?: boolean; input: InputProps }) {
  return (
    <select {...input} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as UserRole)}>
      {STAFF_ROLES.map((role) => (
        <option key={role} value={role}>
          {ROLE_LABEL[role]}
        </option>
      ))}
    </select>
  );
}

/** What went wrong with a form that is about no one field (announced). */
export function FormError({ message }: { message: string | undefined }) {
  return message ? (
    <p className="field-error" role="alert">
      {message}
    </p>
  ) : null;
}
