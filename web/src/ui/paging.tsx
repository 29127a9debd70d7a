import { useState } from 'react';
import { describeProblem } from '../ui/errors';

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** The next page's edges after the ones shown (fetchMore's updateQuery): the newest counts and page info win. */
export function appendPage<C extends { edges: readonly unknown[] }>(shown: C, next: C): C {
  return { ...next, edges: [...shown.edges, ...next.edges] };
}

/** "Show more …" while the list has a next page; says so when loading it fails. */
export function MoreButton({ pageInfo, load, what }: { pageInfo: PageInfo | undefined; load(after: string): Promise<unknown>; what: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (!pageInfo?.hasNextPage || !pageInfo.endCursor) return null;
  const after = pageInfo.endCursor;
  const onClick = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await load(after);
    } catch (failure) {
      setError(describeProblem(failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="pager">
      <button type="button" onClick={() => void onClick()} disabled={busy}>
        {busy ? 'Loading…' : `Show ${what}`}
      </button>
      {error ? <p className="field-error" role="alert">{error}</p> : null}
    </div>
  );
}
