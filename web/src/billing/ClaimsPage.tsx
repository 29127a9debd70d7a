import { useQuery } from '@apollo/client';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useAuth } from '../auth/AuthProvider';
import { graphql } from '../gql';
import type { ClaimOutcome, ClaimSortField, ClaimStatus } from '../gql/graphql';
import { formatDate, formatMoney, humanize, personName } from '../ui/format';
import { Empty, ErrorState, QueryState, Section } from '../ui/states';
import { CLAIM_OUTCOMES, CLAIM_STATUSES, claimsQueryFromParams, paramsFromClaimsQuery, SORT_FIELDS, type ClaimsQuery } from './claims-filter';
import { downloadClaimsCsv } from './csv-export';

const CLAIMS_WORKLIST = graphql(`
  query ClaimsWorklist($filter: ClaimFilter, $orderBy: ClaimOrder, $first: Int!, $after: String) {
    claims(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      totals {
        count
        byCurrency {
          currency
          claims
          billed { ...MoneyParts }
          allowed { ...MoneyParts }
          paid { ...MoneyParts }
          outstanding { ...MoneyParts }
        }
      }
      edges {
        node {
          id
          status
          outcome
          billablePeriodStart
          total { ...MoneyParts }
          outstanding { ...MoneyParts }
          payer {
            id
            name
          }
          denialReason {
            code
            display
          }
          patient {
            id
            names { ...NameParts }
          }
        }
      }
    }
  }
`);

export const BILLING_PAYERS = graphql(`
  query BillingPayers {
    billingReport {
      byPayer {
        payer {
          id
          name
        }
      }
    }
  }
`);

const PAGE_SIZE = 25;

function toggle<T>(values: readonly T[] | null | undefined, value: T): T[] {
  const current = values ?? [];
  return current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
}

function Filters({ query, onApply }: { query: ClaimsQuery; onApply(next: ClaimsQuery): void }) {
  const [draft, setDraft] = useState(query);
  useEffect(() => setDraft(query), [query]);
  const payers = useQuery(BILLING_PAYERS);
  const payerOptions = useMemo(() => {
    const byId = new Map<string, string>();
    for (const row of payers.data?.billingReport.byPayer ?? []) if (row.payer) byId.set(row.payer.id, row.payer.name);
    return [...byId].sort((a, b) => a[1].localeCompare(b[1]));
  }, [payers.data]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft);
  };
  const filter = draft.filter;
  return (
    <form className="card filters" onSubmit={submit} aria-label="Claim filters">
      <fieldset>
        <legend>Status</legend>
        {CLAIM_STATUSES.map((status: ClaimStatus) => (
          <label key={status} className="check">
            <input type="checkbox" checked={filter.status?.includes(status) ?? false} onChange={() => setDraft({ ...draft, filter: { ...filter, status: toggle(filter.status, status) } })} />
            {humanize(status)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Outcome</legend>
        {CLAIM_OUTCOMES.map((outcome: ClaimOutcome) => (
          <label key={outcome} className="check">
            <input type="checkbox" checked={filter.outcome?.includes(outcome) ?? false} onChange={() => setDraft({ ...draft, filter: { ...filter, outcome: toggle(filter.outcome, outcome) } })} />
            {humanize(outcome)}
          </label>
        ))}
      </fieldset>
      <div className="row wrap">
        <label>
          Payer
          <select value={filter.payerId?.[0] ?? ''} onChange={(e) => setDraft({ ...draft, filter: { ...filter, payerId: e.target.value ? [e.target.value] : undefined } })}>
            <option value="">All payers</option>
            {payerOptions.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Service from
          <input type="date" value={filter.serviceFrom ?? ''} onChange={(e) => setDraft({ ...draft, filter: { ...filter, serviceFrom: e.target.value || undefined } })} />
        </label>
        <label>
          Service to
          <input type="date" value={filter.serviceTo ?? ''} onChange={(e) => setDraft({ ...draft, filter: { ...filter, serviceTo: e.target.value || undefined } })} />
        </label>
        <label>
          Sort by
          <select value={draft.orderBy.field} onChange={(e) => setDraft({ ...draft, orderBy: { ...draft.orderBy, field: e.target.value as ClaimSortField } })}>
            {SORT_FIELDS.map((sort) => (
              <option key={sort.field} value={sort.field}>
                {sort.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Order
          <select value={draft.orderBy.direction} onChange={(e) => setDraft({ ...draft, orderBy: { ...draft.orderBy, direction: e.target.value === 'ASC' ? 'ASC' : 'DESC' } })}>
            <option value="DESC">Highest / newest first</option>
            <option value="ASC">Lowest / oldest first</option>
          </select>
        </label>
      </div>
      <div className="row">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button type="button" onClick={() => onApply({ filter: {}, orderBy: { field: 'SERVICE_DATE', direction: 'DESC' } })}>
          Clear
        </button>
      </div>
    </form>
  );
}

/** The billing worklist: filters and sort in the URL, keyset pages, totals of the whole filtered set. */
export function ClaimsPage() {
  const { session } = useAuth();
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => claimsQueryFromParams(params), [params]);
  // cursors of the pages before this one, for "Previous"
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  useEffect(() => setCursors([null]), [params]);
  const after = cursors[cursors.length - 1];
  const result = useQuery(CLAIMS_WORKLIST, { variables: { filter: query.filter, orderBy: query.orderBy, first: PAGE_SIZE, after } });
  const [exportError, setExportError] = useState<Error>();
  const [exporting, setExporting] = useState(false);
  const exportCsv = async () => {
    setExporting(true);
    setExportError(undefined);
    try {
      await downloadClaimsCsv(session, paramsFromClaimsQuery(query));
    } catch (failure) {
      setExportError(failure as Error);
    } finally {
      setExporting(false);
    }
  };
  const worklist = result.data?.claims;
  return (
    <div className="page">
      <h1>Claims</h1>
      <Filters query={query} onApply={(next) => setParams(paramsFromClaimsQuery(next))} />
      <Section
        title="Totals of the filtered claims"
        id="claim-totals"
        actions={
          <button type="button" onClick={() => void exportCsv()} disabled={exporting}>
            {exporting ? 'Exporting…' : 'Export CSV'}
          </button>
        }
      >
        {exportError ? <ErrorState error={exportError} /> : null}
        {worklist ? (
          <>
            <p className="totals-count">
              <strong data-testid="claims-total-count">{worklist.totals.count}</strong> claims match
            </p>
            {worklist.totals.byCurrency.length ? (
              <table className="table compact" data-testid="claims-totals">
                <thead>
                  <tr>
                    <th scope="col">Currency</th>
                    <th scope="col">Claims</th>
                    <th scope="col">Billed</th>
                    <th scope="col">Allowed</th>
                    <th scope="col">Paid</th>
                    <th scope="col">Outstanding</th>
                  </tr>
                </thead>
                <tbody>
                  {worklist.totals.byCurrency.map((row) => (
                    <tr key={row.currency}>
                      <th scope="row">{row.currency}</th>
                      <td>{row.claims}</td>
                      <td>{formatMoney(row.billed)}</td>
                      <td>{formatMoney(row.allowed)}</td>
                      <td>{formatMoney(row.paid)}</td>
                      <td>{formatMoney(row.outstanding)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </>
        ) : null}
      </Section>
      <Section title="Claim list" id="claim-list">
        <QueryState {...result} data={worklist} what="claims" retry={() => void result.refetch()}>
          {(claims) =>
            claims.edges.length ? (
              <>
                <div className="table-scroll">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">Service date</th>
                        <th scope="col">Patient</th>
                        <th scope="col">Payer</th>
                        <th scope="col">Status</th>
                        <th scope="col">Outcome</th>
                        <th scope="col" className="num">Total</th>
                        <th scope="col" className="num">Outstanding</th>
                        <th scope="col">Denial</th>
                      </tr>
                    </thead>
                    <tbody>
                      {claims.edges.map(({ node }) => (
                        <tr key={node.id}>
                          <td>
                            <Link to={`/billing/claims/${node.id}`}>{formatDate(node.billablePeriodStart)}</Link>
                          </td>
                          <td>{node.patient ? personName(node.patient.names) : <span className="muted">not visible</span>}</td>
                          <td>{node.payer?.name ?? '—'}</td>
                          <td>{humanize(node.status)}</td>
                          <td>{humanize(node.outcome)}</td>
                          <td className="num">{formatMoney(node.total)}</td>
                          <td className="num">{formatMoney(node.outstanding)}</td>
                          <td>{node.denialReason ? `${node.denialReason.code} ${node.denialReason.display ?? ''}` : ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <nav className="pager" aria-label="Pages">
                  <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
                    Previous page
                  </button>
                  <span>Page {cursors.length}</span>
                  <button type="button" disabled={!claims.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, claims.pageInfo.endCursor ?? null])}>
                    Next page
                  </button>
                </nav>
              </>
            ) : (
              <Empty>No claims match these filters.</Empty>
            )
          }
        </QueryState>
      </Section>
    </div>
  );
}
