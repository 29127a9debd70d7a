import type { ApolloError } from '@apollo/client';
import { useEffect, useState, type ReactNode } from 'react';
import { Empty, QueryState } from './states';

export interface Column<Row> {
  /** The column header (also what a screen reader announces with each cell). */
  header: string;
  cell(row: Row): ReactNode;
  /** `num` right-aligns numbers. */
  className?: string;
}

/**
 * A table of rows with column headers, scrolling sideways inside its card when the screen is
 * narrower than the table (tablet width) instead of widening the page.
 */
export function DataTable<Row>({ label, columns, rows, rowKey, rowClassName, testId }: {
  /** Names the table for screen readers (its accessible name). */
  label: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey(row: Row): string;
  rowClassName?(row: Row): string | undefined;
  testId?: string;
}) {
  return (
    <div className="table-scroll">
      <table className="table" aria-label={label} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col" className={column.className}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              {columns.map((column) => (
                <td key={column.header} className={column.className}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Keyset paging: the cursors of the pages before the one shown, for "Previous page". Starts over
 * on the first page whenever `resetOn` changes (a new filter).
 */
export function useKeysetPages(resetOn: unknown) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  useEffect(() => setCursors([null]), [resetOn]);
  return {
    after: cursors[cursors.length - 1],
    page: cursors.length,
    previous: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined,
    next: (endCursor: string | null | undefined) => setCursors([...cursors, endCursor ?? null]),
  };
}

/** "Previous page" / "Page n" / "Next page" under a keyset-paged table. */
export function KeysetPager({ pages, pageInfo, label }: {
  pages: ReturnType<typeof useKeysetPages>;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  label: string;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={!pages.previous} onClick={() => pages.previous?.()}>
        Previous page
      </button>
      <span>Page {pages.page}</span>
      <button type="button" disabled={!pageInfo.hasNextPage} onClick={() => pages.next(pageInfo.endCursor)}>
        Next page
      </button>
    </nav>
  );
}

interface PageInfo {
  hasNextPage: boolean;
  endCursor?: string | null;
}

/**
 * One keyset page of a connection query as a table: its loading and error states, the rows, the
 * pager (left out while everything fits on one page) and what to say when nothing matches.
 */
export function PagedTable<Row>({ query, connection, what, empty, pages, pagerLabel, ...table }: {
  query: { loading: boolean; error?: ApolloError; refetch(): unknown };
  connection: { edges: readonly { node: Row }[]; pageInfo: PageInfo } | undefined;
  /** "the audit log": "Loading the audit log…", "Could not load the audit log." */
  what: string;
  empty: string;
  pages: ReturnType<typeof useKeysetPages>;
  pagerLabel: string;
  label: string;
  columns: readonly Column<Row>[];
  rowKey(row: Row): string;
  rowClassName?(row: Row): string | undefined;
  testId?: string;
}) {
  return (
    <QueryState loading={query.loading} error={query.error} data={connection} what={what} retry={() => void query.refetch()}>
      {({ edges, pageInfo }) =>
        edges.length ? (
          <>
            <DataTable {...table} rows={edges.map(({ node }) => node)} />
            {pages.previous || pageInfo.hasNextPage ? <KeysetPager pages={pages} pageInfo={pageInfo} label={pagerLabel} /> : null}
          </>
        ) : (
          <Empty>{empty}</Empty>
        )
      }
    </QueryState>
  );
}
