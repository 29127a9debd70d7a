import type { ApolloError } from '@apollo/client';
import type { ReactNode } from 'react';
import { describeProblem } from './errors';

/** A section that is loading: announced to screen readers, not just a spinner. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function ErrorState({ error, retry, what }: { error: ApolloError | Error | undefined; retry?: () => void; what?: string }) {
  const problem = describeProblem(error);
  return (
    <div className="state state-error" role="alert">
      <p>
        {what ? <strong>Could not load {what}. </strong> : null}
        {problem.message}
      </p>
      {retry ? (
        <button type="button" onClick={() => retry()}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** Shows loading, error or the content of one query, so every section says what is happening. */
export function QueryState<T>({ loading, error, data, what, retry, children }: {
  loading: boolean;
  error?: ApolloError;
  data: T | undefined | null;
  what: string;
  retry?: () => void;
  children: (data: T) => ReactNode;
}) {
  if (error) return <ErrorState error={error} retry={retry} what={what} />;
  if (loading && !data) return <Loading what={what} />;
  if (!data) return <Empty>Nothing to show.</Empty>;
  return <>{children(data)}</>;
}

/** A titled section of a page with its own heading level for keyboard and screen-reader navigation. */
export function Section({ title, id, actions, children }: { title: string; id?: string; actions?: ReactNode; children: ReactNode }) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`;
  return (
    <section className="card" aria-labelledby={headingId} id={id}>
      <div className="card-head">
        <h2 id={headingId}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** What went wrong with a form or an action, announced at once; nothing when there is nothing to say. */
export function FieldError({ children }: { children?: ReactNode }) {
  return children ? (
    <p className="field-error" role="alert">
      {children}
    </p>
  ) : null;
}
