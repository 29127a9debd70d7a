import { mapReadOnly, perRequest, type Edge, type PageArgs, type RequestContext } from '@caregraph/platform';
import { Claim } from '../claim/claim.entity';
import { toBillingAmounts, type SumsRow } from './billing-amounts';
import { decodeClaimCursor, encodeClaimCursor } from './claim-cursor';
import type { ClaimFilter, ClaimOrder } from './claim-filter.inputs';
import { orderedClaims, toClaimQuery, totalsStatement, type ClaimPosition, type ClaimQuery } from './claim-query';
import { ClaimTotals, ClaimWorklist } from './worklist.types';

const NO_TOTALS: ClaimTotals = { count: 0, byCurrency: [] };

/** A claim as the worklist statements return it: its columns, and its sort key as text. */
type ClaimRow = Record<string, unknown> & { id: string; sort_key: string | null };

/**
 * The billing worklist: one organization's claims, filtered, sorted, keyset-paginated, with the
 * totals of the filtered set. Plain SQL over the worklist indexes (see claim-query.ts).
 *
 * Rows are shown as everywhere else in billing (claim/billing-access.ts): the organization's
 * claims, of patients the caller may still see (registration or billing consent, asked per page
 * of the access policy); claims of the others are left out of the page like claims that do not
 * exist. Totals sum every claim of the organization the filter matches: an aggregate names
 * nobody, and the organization's books must add up. A filter on one patient the caller may not
 * see finds nothing, totals included.
 */
export class ClaimWorklistService {
  static of(ctx: RequestContext): ClaimWorklistService {
    return perRequest(ctx, ClaimWorklistService, () => new ClaimWorklistService(ctx));
  }

  private constructor(private readonly ctx: RequestContext) {}

  async list(filter: ClaimFilter | null, orderBy: ClaimOrder | null, args: PageArgs, withTotals: boolean): Promise<ClaimWorklist> {
    const q = toClaimQuery(this.ctx.principal, filter, orderBy);
    const after = decodeClaimCursor(q, args.after);
    if (q.patientId && !(await this.ctx.access.check(q.patientId, 'billing', 'Claim'))) {
      return Object.assign(new ClaimWorklist(), {
        edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, query: q, pendingTotals: Promise.resolve(NO_TOTALS),
      });
    }
    const pendingTotals = withTotals ? this.totals(q) : undefined;
    const [page] = await Promise.all([this.page(q, args.first, after), pendingTotals]);
    return Object.assign(new ClaimWorklist(), { ...page, query: q, pendingTotals });
  }

  /** The totals of a worklist's filtered set (computed once per worklist). */
  totalsOf(worklist: ClaimWorklist): Promise<ClaimTotals> {
    worklist.pendingTotals ??= this.totals(worklist.query);
    return worklist.pendingTotals;
  }

  private async totals(q: ClaimQuery): Promise<ClaimTotals> {
    const { statement } = totalsStatement(q);
    const byCurrency = ((await this.ctx.em.execute(statement.text, statement.params)) as SumsRow[]).map(toBillingAmounts);
    const count = byCurrency.reduce((sum, amounts) => sum + amounts.claims, 0);
    if (count) this.ctx.access.audit.noteRead(null, 'Claim', count);
    return { count, byCurrency };
  }

  private async page(q: ClaimQuery, first: number, after: ClaimPosition | null): Promise<Pick<ClaimWorklist, 'edges' | 'pageInfo'>> {
    const rows: ClaimRow[] = [];
    // one more than the page: whether there is a next one
    for (const statement of orderedClaims(q, 'c.*', after)) {
      const wanted = first + 1 - rows.length;
      if (wanted <= 0) break;
      rows.push(...((await this.ctx.em.execute(`${statement.text} limit ${wanted}`, statement.params)) as ClaimRow[]));
    }
    const fetched = rows.slice(0, first).map((row) => {
      // service_date is the worklist's column, not a property of the entity
      const { sort_key: value, service_date: _serviceDate, ...columns } = row;
      return { claim: mapReadOnly(this.ctx.em, Claim, columns), cursor: encodeClaimCursor(q, { value, id: row.id }) };
    });
    const visible = await this.ctx.access.visible(fetched.map((row) => row.claim), 'billing', 'Claim', (claim) => claim.patientId);
    const edges: Edge<Claim>[] = fetched.filter((_row, index) => visible[index]).map((row) => ({ node: row.claim, cursor: row.cursor }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: after !== null,
        startCursor: edges[0]?.cursor ?? null,
        // the last claim read, shown or not: the next page starts after it
        endCursor: fetched.at(-1)?.cursor ?? null,
      },
    };
  }
}
