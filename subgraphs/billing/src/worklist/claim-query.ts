import { badInput, forbidden, type Principal } from '@caregraph/platform';
import { ClaimOutcome, ClaimStatus } from '../claim/claim.entity';
import { toMinorUnits } from '../money/money';
import { billingOrganizationOf } from './billing-reader';
import { CLAIM_CURRENCY, CLAIM_SUMS, SUMMARY_SUMS } from './billing-amounts';
import { ClaimAmountKind, ClaimSortField, SortDirection, type ClaimFilter, type ClaimOrder } from './claim-filter.inputs';

/** A piece of SQL with `?` placeholders and their values, in order. */
export interface Sql {
  text: string;
  params: unknown[];
}

const sql = (text: string, ...params: unknown[]): Sql => ({ text, params });
const inList = (column: string, values: readonly unknown[]): Sql => sql(`${column} in (${values.map(() => '?').join(', ')})`, ...values);

/** Conditions joined with `and`, as one piece. */
export function allOf(parts: readonly Sql[]): Sql {
  return { text: parts.map((part) => part.text).join(' and '), params: parts.flatMap((part) => part.params) };
}

/** `?` placeholders as node-postgres' `$n` (the statements here never contain a literal `?`). */
export function numbered(statement: Sql): { text: string; values: unknown[] } {
  let n = 0;
  return { text: statement.text.replace(/\?/g, () => `$${++n}`), values: statement.params };
}

/** A checked filter of one organization's claims, what every statement below is built from. */
export interface ClaimQuery {
  organizationId: string;
  statuses: ClaimStatus[];
  payerIds: string[];
  serviceFrom: string | null;
  serviceTo: string | null;
  patientId: string | null;
  amount: { of: ClaimAmountKind; currency: string; min: bigint | null; max: bigint | null } | null;
  denialReasonCodes: string[];
  outcomes: ClaimOutcome[];
  order: { field: ClaimSortField; direction: SortDirection };
}

export function isLocalDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/** A YYYY-MM-DD date, or BAD_USER_INPUT naming `field`. */
export function checkedDay(value: string | null | undefined, field: string): string | null {
  if (value == null) return null;
  if (!isLocalDate(value)) throw badInput(field, `${field} must be a date (YYYY-MM-DD)`);
  return value;
}

/** from..to as checked dates: `to` before `from` is BAD_USER_INPUT on `toField`. */
export function checkedRange(from: string | null | undefined, to: string | null | undefined, fromField: string, toField: string): { from: string | null; to: string | null } {
  const range = { from: checkedDay(from, fromField), to: checkedDay(to, toField) };
  if (range.from && range.to && range.to < range.from) throw badInput(toField, `${toField} is before ${fromField}`);
  return range;
}

const distinct = <T>(values: readonly T[] | null | undefined): T[] => [...new Set(values ?? [])];

/**
 * The filter and order as the statements take them, for the caller's organization: values
 * checked and normalised (ids lowercased, amounts in minor units), BAD_USER_INPUT naming the
 * field (its path in the filter, as for every input) otherwise, FORBIDDEN for another
 * organization or a caller who is not billing staff (or a partner app with a Claim read scope).
 */
export function toClaimQuery(principal: Principal, filter: ClaimFilter | null | undefined, order: ClaimOrder | null | undefined): ClaimQuery {
  const organizationId = billingOrganizationOf(principal, "list their organization's claims");
  const f = filter ?? {};
  const requested = f.providerOrganizationId?.toLowerCase();
  if (requested && requested !== organizationId) throw forbidden("Claims are listed for the caller's own organization only", 'providerOrganizationId');
  const { from, to } = checkedRange(f.serviceFrom, f.serviceTo, 'serviceFrom', 'serviceTo');
  let amount: ClaimQuery['amount'] = null;
  if (f.amount) {
    const field = 'amount';
    const { currency } = f.amount;
    const bound = (value: string | null | undefined, key: string) => (value == null ? null : toMinorUnits(value, currency, field, key));
    amount = { of: f.amount.of ?? ClaimAmountKind.TOTAL, currency, min: bound(f.amount.min, 'min'), max: bound(f.amount.max, 'max') };
    if (amount.min !== null && amount.max !== null && amount.max < amount.min) throw badInput(`${field}.max`, `${field}.max is less than ${field}.min`);
  }
  return {
    organizationId,
    statuses: distinct(f.status),
    payerIds: distinct(f.payerId?.map((id) => id.toLowerCase())),
    serviceFrom: from,
    serviceTo: to,
    patientId: f.patientId?.toLowerCase() ?? null,
    amount,
    denialReasonCodes: distinct(f.denialReasonCode),
    outcomes: distinct(f.outcome),
    order: { field: order?.field ?? ClaimSortField.SERVICE_DATE, direction: order?.direction ?? SortDirection.DESC },
  };
}

/** The filter as conditions on billing.claim (alias c). */
export function claimConditions(q: ClaimQuery): Sql[] {
  const where = [sql('c."provider_organization_id" = ?', q.organizationId)];
  if (q.statuses.length) where.push(inList('c."status"', q.statuses));
  if (q.payerIds.length) where.push(inList('c."payer_id"', q.payerIds));
  if (q.serviceFrom) where.push(sql('c."service_date" >= ?::date', q.serviceFrom));
  if (q.serviceTo) where.push(sql('c."service_date" <= ?::date', q.serviceTo));
  if (q.patientId) where.push(sql('c."patient_id" = ?', q.patientId));
  if (q.amount) {
    const column = q.amount.of === ClaimAmountKind.TOTAL ? 'c."total_minor_units"' : 'c."outstanding_minor_units"';
    where.push(sql(`${CLAIM_CURRENCY} = ?`, q.amount.currency));
    if (q.amount.min !== null) where.push(sql(`${column} >= ?::bigint`, q.amount.min.toString()));
    if (q.amount.max !== null) where.push(sql(`${column} <= ?::bigint`, q.amount.max.toString()));
  }
  if (q.denialReasonCodes.length) where.push(inList('c."denial_reason_code"', q.denialReasonCodes));
  if (q.outcomes.length) where.push(inList('c."outcome"', q.outcomes));
  return where;
}

/**
 * The filter as conditions on billing.claim_daily_totals (alias t), when every condition is one
 * of its dimensions (status, payer, service day, outcome, denial reason); null otherwise.
 */
export function summaryConditions(q: ClaimQuery): Sql[] | null {
  if (q.patientId || q.amount) return null;
  const where = [sql('t."organization_id" = ?', q.organizationId)];
  if (q.serviceFrom) where.push(sql('t."day" >= ?::date', q.serviceFrom));
  if (q.serviceTo) where.push(sql('t."day" <= ?::date', q.serviceTo));
  if (q.statuses.length) where.push(inList('t."status"', q.statuses));
  if (q.payerIds.length) where.push(inList('t."payer_id"', q.payerIds));
  if (q.denialReasonCodes.length) where.push(inList('t."denial_reason_code"', q.denialReasonCodes));
  if (q.outcomes.length) where.push(inList('t."outcome"', q.outcomes));
  return where;
}

/**
 * Count and sums of the filtered set per currency: from claim_daily_totals when the filter is
 * made of its dimensions (cost follows days × payers × statuses, not claims), else one
 * aggregate over the matching claims.
 */
export function totalsStatement(q: ClaimQuery): { statement: Sql; source: 'summary' | 'claims' } {
  const summary = summaryConditions(q);
  if (summary) {
    const where = allOf(summary);
    return {
      source: 'summary',
      statement: sql(`select t."currency", ${SUMMARY_SUMS} from "billing"."claim_daily_totals" t where ${where.text} group by t."currency" having sum(t."claim_count") <> 0 order by t."currency"`, ...where.params),
    };
  }
  const where = allOf(claimConditions(q));
  return {
    source: 'claims',
    statement: sql(`select ${CLAIM_CURRENCY} as "currency", ${CLAIM_SUMS} from "billing"."claim" c where ${where.text} group by 1 order by 1`, ...where.params),
  };
}

/** How each sort reads its column, compares a cursor value with it, and prints it into a cursor. */
interface SortColumn {
  column: string;
  nullable: boolean;
  cast: string;
  /** The value as text, exactly (microseconds of a timestamp included), for the cursor. */
  key: string;
}

const SORT_COLUMNS: Record<ClaimSortField, SortColumn> = {
  [ClaimSortField.SERVICE_DATE]: { column: 'c."service_date"', nullable: false, cast: 'date', key: 'c."service_date"::text' },
  [ClaimSortField.TOTAL]: { column: 'c."total_minor_units"', nullable: true, cast: 'bigint', key: 'c."total_minor_units"::text' },
  [ClaimSortField.OUTSTANDING]: { column: 'c."outstanding_minor_units"', nullable: false, cast: 'bigint', key: 'c."outstanding_minor_units"::text' },
  [ClaimSortField.SUBMITTED_AT]: {
    column: 'c."submitted_at"', nullable: true, cast: 'timestamptz', key: `to_char(c."submitted_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  },
};

/** Where the previous page ended: the sort key of its last claim (null: a claim without the value) and its id. */
export interface ClaimPosition {
  value: string | null;
  id: string;
}

/**
 * The claims after `after` in the query's order, as the statements that return them one after
 * another: claims with the sort value first, ordered by (value, id) in the requested direction,
 * then those without it by id. Each statement reads one index range in index order (the
 * worklist indexes end with (<sort column>, id)), so a page costs its rows, however deep it is.
 */
export function orderedClaims(q: ClaimQuery, select: string, after: ClaimPosition | null): Sql[] {
  const sort = SORT_COLUMNS[q.order.field];
  const direction = q.order.direction === SortDirection.ASC ? 'asc' : 'desc';
  const beyond = direction === 'asc' ? '>' : '<';
  const statement = (extra: Sql[], orderBy: string) => {
    const where = allOf([...claimConditions(q), ...extra]);
    return sql(`select ${select}, ${sort.key} as "sort_key" from "billing"."claim" c where ${where.text} order by ${orderBy}`, ...where.params);
  };
  const statements: Sql[] = [];
  if (!after || after.value !== null) {
    const extra = [
      ...(sort.nullable ? [sql(`${sort.column} is not null`)] : []),
      ...(after ? [sql(`(${sort.column}, c."id") ${beyond} (?::${sort.cast}, ?::uuid)`, after.value, after.id)] : []),
    ];
    statements.push(statement(extra, `${sort.column} ${direction}, c."id" ${direction}`));
  }
  if (sort.nullable) {
    const extra = [sql(`${sort.column} is null`), ...(after?.value === null ? [sql(`c."id" ${beyond} ?::uuid`, after.id)] : [])];
    statements.push(statement(extra, `c."id" ${direction}`));
  }
  return statements;
}

/** A cursor value as its sort column stores it; BAD_USER_INPUT on `after` otherwise. */
export function checkSortValue(field: ClaimSortField, value: unknown): string | null {
  const sort = SORT_COLUMNS[field];
  if (value === null && sort.nullable) return null;
  const valid = typeof value === 'string' && (
    sort.cast === 'date' ? isLocalDate(value)
      : sort.cast === 'bigint' ? /^-?\d{1,19}$/.test(value)
        : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value) && !Number.isNaN(Date.parse(value)));
  if (!valid) throw badInput('after', 'Invalid cursor: pass the endCursor of a previous page');
  return value as string;
}
