import type { ClaimFilter, ClaimOutcome, ClaimSortField, ClaimStatus, SortDirection } from '../gql/graphql';

export const CLAIM_STATUSES: ClaimStatus[] = ['DRAFT', 'SUBMITTED', 'ACCEPTED', 'REJECTED', 'ADJUDICATED', 'CLOSED'];
export const CLAIM_OUTCOMES: ClaimOutcome[] = ['PAID', 'PARTIALLY_PAID', 'DENIED'];
export const SORT_FIELDS: { field: ClaimSortField; label: string }[] = [
  { field: 'SERVICE_DATE', label: 'Service date' },
  { field: 'TOTAL', label: 'Total' },
  { field: 'OUTSTANDING', label: 'Outstanding' },
  { field: 'SUBMITTED_AT', label: 'Submitted' },
];

export interface ClaimsQuery {
  filter: ClaimFilter;
  orderBy: { field: ClaimSortField; direction: SortDirection };
}

const list = <T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T[] | undefined => {
  const values = (params.get(name) ?? '').split(',').filter((value): value is T => (allowed as readonly string[]).includes(value));
  return values.length ? values : undefined;
};
const date = (params: URLSearchParams, name: string) => (/^\d{4}-\d{2}-\d{2}$/.test(params.get(name) ?? '') ? params.get(name)! : undefined);

/**
 * The worklist's filter and order as the page's URL keeps them. The parameter names are the CSV
 * export's (GET /billing/claims.csv), so the export link is the same query string.
 */
export function claimsQueryFromParams(params: URLSearchParams): ClaimsQuery {
  const payerId = params.get('payerId');
  const filter: ClaimFilter = {
    status: list(params, 'status', CLAIM_STATUSES),
    outcome: list(params, 'outcome', CLAIM_OUTCOMES),
    payerId: payerId ? [payerId] : undefined,
    serviceFrom: date(params, 'serviceFrom'),
    serviceTo: date(params, 'serviceTo'),
  };
  const field = SORT_FIELDS.find((sort) => sort.field === params.get('orderBy.field'))?.field ?? 'SERVICE_DATE';
  const direction: SortDirection = params.get('orderBy.direction') === 'ASC' ? 'ASC' : 'DESC';
  return { filter: Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as ClaimFilter, orderBy: { field, direction } };
}

export function paramsFromClaimsQuery({ filter, orderBy }: ClaimsQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.status?.length) params.set('status', filter.status.join(','));
  if (filter.outcome?.length) params.set('outcome', filter.outcome.join(','));
  if (filter.payerId?.length) params.set('payerId', filter.payerId.join(','));
  if (filter.serviceFrom) params.set('serviceFrom', filter.serviceFrom);
  if (filter.serviceTo) params.set('serviceTo', filter.serviceTo);
  if (orderBy.field !== 'SERVICE_DATE' || orderBy.direction !== 'DESC') {
    params.set('orderBy.field', orderBy.field);
    params.set('orderBy.direction', orderBy.direction);
  }
  return params;
}
