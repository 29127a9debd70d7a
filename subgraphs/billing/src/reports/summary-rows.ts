import { allOf, type Sql } from '../worklist/claim-query';

/** The summary's measure columns, the same in the daily and the monthly table. */
const MEASURES = `t."organization_id", t."payer_id", t."status", t."outcome", t."denial_reason_code", t."currency", t."claim_count",
  t."billed_minor_units", t."allowed_minor_units", t."paid_minor_units", t."payer_outstanding_minor_units", t."patient_outstanding_minor_units"`;

const firstOfMonth = (day: string) => `${day.slice(0, 7)}-01`;
const nextMonth = (day: string) => {
  const date = new Date(`${firstOfMonth(day)}T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() + 1);
  return date.toISOString().slice(0, 10);
};
const dayBefore = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/**
 * The whole months inside from..to, as [start, end) month starts (null: unbounded), cut short
 * at `dailyFrom` (a month start) when days from there on must keep their day.
 */
function wholeMonths(from: string | null | undefined, to: string | null | undefined, dailyFrom?: string): { start: string | null; end: string | null } {
  const start = from ? (from === firstOfMonth(from) ? from : nextMonth(from)) : null;
  // `to` on its month's last day closes that month; otherwise the month before is the last whole one
  let end = to ? (dayBefore(nextMonth(to)) === to ? nextMonth(to) : firstOfMonth(to)) : null;
  if (dailyFrom && (end === null || dailyFrom < end)) end = dailyFrom;
  return { start, end };
}

/**
 * Summary rows (alias them t) for service days from..to matching `dimensions` (conditions on
 * t's organization, payer, status, outcome, denial reason or amounts, never on its day): the
 * whole months from claim_monthly_totals, the days at the edges from claim_daily_totals. Rows
 * read from months carry the month's first day as "day"; pass `dailyFrom` (a month start) when
 * days from there on are needed as days (receivables aging).
 */
export function summaryRows(dimensions: Sql, range: { from?: string | null; to?: string | null }, dailyFrom?: string): Sql {
  const months = wholeMonths(range.from, range.to, dailyFrom);
  const hasMonths = months.start === null || months.end === null || months.start < months.end;
  const daily: Sql[] = [dimensions];
  if (range.from) daily.push({ text: 't."day" >= ?::date', params: [range.from] });
  if (range.to) daily.push({ text: 't."day" <= ?::date', params: [range.to] });
  if (hasMonths) {
    // the days outside the whole months (both ends unbounded: none)
    const outside = [
      ...(months.start ? [{ text: 't."day" < ?::date', params: [months.start] }] : []),
      ...(months.end ? [{ text: 't."day" >= ?::date', params: [months.end] }] : []),
    ];
    if (!outside.length) daily.push({ text: 'false', params: [] });
    else daily.push({ text: `(${outside.map((part) => part.text).join(' or ')})`, params: outside.flatMap((part) => part.params) });
  }
  const dailyWhere = allOf(daily);
  const parts: Sql[] = [{ text: `select ${MEASURES}, t."day" from "billing"."claim_daily_totals" t where ${dailyWhere.text}`, params: dailyWhere.params }];
  if (hasMonths) {
    const monthly: Sql[] = [dimensions];
    if (months.start) monthly.push({ text: 't."month" >= ?::date', params: [months.start] });
    if (months.end) monthly.push({ text: 't."month" < ?::date', params: [months.end] });
    const monthlyWhere = allOf(monthly);
    parts.push({ text: `select ${MEASURES}, t."month" as "day" from "billing"."claim_monthly_totals" t where ${monthlyWhere.text}`, params: monthlyWhere.params });
  }
  return { text: `(${parts.map((part) => part.text).join(' union all ')})`, params: parts.flatMap((part) => part.params) };
}

/** The first day of the month that holds `day - days` (days before it are all older than `days`). */
export function monthStartBefore(day: string, days: number): string {
  return firstOfMonth(new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10));
}
