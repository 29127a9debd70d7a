import {
  badInput, CLINICIAN_ROLES, perRequest, requireStaff, unauthenticated, type Connection, type RequestContext,
} from '@caregraph/platform';
import DataLoader from 'dataloader';
import { validate as isUuid } from 'uuid';
import { CareGapRule } from './care-gap-rule.entity';
import { uuidArray } from './care-gap.recompute';
import { OPEN, STATUS } from './care-gap.status';
import type { CareGapPatientsArgs, PatientCareGapsArgs } from './care-gap.inputs';
import { CareGapStatus, OPEN_STATUSES, type CareGap, type CareGapPatient } from './care-gap.types';

/** What the audit log names care-gap reads. */
const RECORD_TYPE = 'CareGap';

interface GapRow {
  patient_id: string;
  rule_id: string;
  applies: boolean;
  status: CareGapStatus;
  eligible_from: string | null;
  eligible_until: string | null;
  due_date: string | null;
  last_met_at: Date | string | null;
  last_met_type: string | null;
  last_met_id: string | null;
  last_met_organization_id: string | null;
  reason: string;
  evaluated_at: Date | string;
}

const STATUS_ORDER = [CareGapStatus.OVERDUE, CareGapStatus.DUE, CareGapStatus.MET, CareGapStatus.NOT_APPLICABLE];

/** The UTC calendar day of an instant (default now), as the SQL takes it. */
const dayOf = (instant: Date | null | undefined): string => (instant ?? new Date()).toISOString().slice(0, 10);
const addDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const toDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

/** A population page cursor: the row's (due date, patient id), the list's order. */
function encodeCursor(dueDate: string, patientId: string): string {
  return Buffer.from(JSON.stringify([dueDate, patientId])).toString('base64url');
}

function decodeCursor(after: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && /^\d{4}-\d{2}-\d{2}$/.test(String(value[0])) && isUuid(String(value[1]))) {
      return [String(value[0]), String(value[1])];
    }
  } catch {
    // reported below
  }
  throw badInput('after', 'Invalid cursor: pass the endCursor of a previous page');
}

/** Care gaps as clinicians read them: a patient's, and their organization's patients with open gaps. */
export class CareGapService {
  constructor(private readonly ctx: RequestContext) {}

  static of(ctx: RequestContext): CareGapService {
    return perRequest(ctx, CareGapService, () => new CareGapService(ctx));
  }

  /** The active rules (loaded once per request). */
  rules(): Promise<CareGapRule[]> {
    if (this.ctx.principal.kind === 'anonymous') return Promise.reject(unauthenticated());
    return perRequest(this.ctx, 'care-gap-rules', () => this.ctx.em.find(CareGapRule, { active: true }, { orderBy: { code: 'asc' } }));
  }

  /**
   * A patient's care gaps on `asOf`: open ones, plus met and not-applicable ones when asked, most
   * urgent first. Null when the caller may not see the patient's clinical record; the read is audited.
   */
  async forPatient(patientId: string, args: PatientCareGapsArgs): Promise<CareGap[] | null> {
    if (!isUuid(patientId) || !(await this.ctx.access.check(patientId, 'clinical', RECORD_TYPE))) return null;
    const shown = new Set<CareGapStatus>([...OPEN_STATUSES, ...(args.includeMet ? [CareGapStatus.MET] : []), ...(args.includeNotApplicable ? [CareGapStatus.NOT_APPLICABLE] : [])]);
    const day = dayOf(args.asOf);
    const rows = (await this.rowsOn(day).load(patientId.toLowerCase())).filter((row) => shown.has(row.status));
    const gaps = await this.toGaps(rows, day);
    if (gaps.length) this.ctx.access.noteRead(patientId, 'clinical', RECORD_TYPE, gaps.length);
    return gaps;
  }

  /**
   * The patients registered at the caller's organization with open gaps (of `ruleCode`, in
   * `status`), most overdue first: by their earliest open due date, then patient id. One SQL
   * statement per page walks the open gaps in due-date order (care_gap_due_idx, or
   * care_gap_rule_due_idx for one rule), keeps the organization's patients (an index probe of
   * the registration copy) at their earliest open gap (a primary-key probe of care_gap) and stops
   * at the page size; for a small organization the planner starts from its registrations instead.
   * Clinicians only (the gaps are clinical data); every patient returned is confirmed with the
   * access policy and the read audited.
   */
  async patientsWithOpenGaps(args: CareGapPatientsArgs, includeCount: boolean): Promise<Connection<CareGapPatient>> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'list patients with care gaps');
    if (args.status && !OPEN_STATUSES.includes(args.status)) throw badInput('status', 'status must be DUE or OVERDUE: the list holds open gaps');
    const rules = await this.rules();
    const rule = args.ruleCode ? rules.find((candidate) => candidate.code === args.ruleCode) : undefined;
    if (args.ruleCode && !rule) throw badInput('ruleCode', 'ruleCode is not a care gap rule (see careGapRules)');
    const cursor = args.after ? decodeCursor(args.after) : null;
    const day = dayOf(args.asOf);
    const statuses = args.status ? [args.status] : [...OPEN_STATUSES];
    // an index bound for the due date: nothing due later than the widest "due soon" window is open
    const horizon = addDays(day, Math.max(0, ...(rule ? [rule] : rules).map((r) => r.dueSoonDays)));

    const openGaps = `"open_gap" as not materialized (
      select g."patient_id", g."rule_id", g."due_date"
        from (select ?::date as "as_of") d
        cross join "clinical"."care_gap" g
        join "clinical"."care_gap_rule" r on r."id" = g."rule_id" and r."active"
       where g."applies" and g."due_date" <= ?::date ${rule ? `and g."rule_id" = ?::uuid` : ''}
         and ${OPEN[args.status ?? 'both']})`;
    const openParams = [day, horizon, ...(rule ? [rule.id] : [])];
    const ofOrganization = `exists (select 1 from "clinical"."patient_registration" pr where pr."organization_id" = ?::uuid and pr."patient_id" = o."patient_id")`;

    const rows = await this.ctx.em.execute<{ patient_id: string; due_date: string }[]>(
      `with ${openGaps}
       select o."patient_id", to_char(o."due_date", 'YYYY-MM-DD') as "due_date"
         from "open_gap" o
        where ${ofOrganization}
          and not exists (select 1 from "open_gap" e where e."patient_id" = o."patient_id" and (e."due_date", e."rule_id") < (o."due_date", o."rule_id"))
          ${cursor ? `and (o."due_date", o."patient_id") > (?::date, ?::uuid)` : ''}
        order by o."due_date", o."patient_id"
        limit ?`,
      [...openParams, clinician.organizationId, ...(cursor ?? []), args.first + 1],
    );
    const page = rows.slice(0, args.first);
    let totalCount: number | undefined;
    if (includeCount) {
      const [count] = await this.ctx.em.execute<{ count: string }[]>(
        `with ${openGaps} select count(distinct o."patient_id") as "count" from "open_gap" o where ${ofOrganization}`,
        [...openParams, clinician.organizationId],
      );
      totalCount = Number(count.count);
    }

    // the registration copy is eventually consistent: the policy has the last word on every patient
    const allowed = await Promise.all(page.map((row) => this.ctx.access.check(row.patient_id, 'clinical', RECORD_TYPE)));
    const visible = page.filter((_row, index) => allowed[index]);
    const gapRows = await this.rowsOn(day).loadMany(visible.map((row) => row.patient_id));
    const edges = await Promise.all(visible.map(async (row, index) => {
      const mine = gapRows[index];
      if (mine instanceof Error) throw mine;
      const gaps = await this.toGaps(mine.filter((gap) => statuses.includes(gap.status) && (!rule || gap.rule_id === rule.id)), day);
      this.ctx.access.noteRead(row.patient_id, 'clinical', RECORD_TYPE, gaps.length);
      return { cursor: encodeCursor(row.due_date, row.patient_id), node: { patient: { id: row.patient_id }, gaps, firstDueDate: row.due_date } };
    }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > args.first,
        hasPreviousPage: Boolean(cursor),
        startCursor: page.length ? encodeCursor(page[0].due_date, page[0].patient_id) : null,
        endCursor: page.length ? encodeCursor(page[page.length - 1].due_date, page[page.length - 1].patient_id) : null,
      },
      totalCount,
    };
  }

  /** Every gap row of the patients of this request, with its status on `day`: one query per tick and day. */
  private rowsOn(day: string): DataLoader<string, GapRow[]> {
    return perRequest(this.ctx, `care-gap-rows:${day}`, () => new DataLoader<string, GapRow[]>(async (patientIds) => {
      const rows = await this.ctx.em.execute<GapRow[]>(
        `select g."patient_id", g."rule_id", g."applies", ${STATUS} as "status",
                to_char(g."eligible_from", 'YYYY-MM-DD') as "eligible_from", to_char(g."eligible_until", 'YYYY-MM-DD') as "eligible_until",
                to_char(g."due_date", 'YYYY-MM-DD') as "due_date", g."last_met_at", g."last_met_type", g."last_met_id",
                g."last_met_organization_id", g."reason", g."evaluated_at"
           from (select ?::date as "as_of") d
           cross join "clinical"."care_gap" g
           join "clinical"."care_gap_rule" r on r."id" = g."rule_id" and r."active"
          where g."patient_id" = any(?::uuid[])`,
        [day, uuidArray(patientIds)],
      );
      const byPatient = new Map<string, GapRow[]>(patientIds.map((id) => [id, []]));
      for (const row of rows) byPatient.get(row.patient_id)?.push(row);
      return patientIds.map((id) => byPatient.get(id)!);
    }));
  }

  /** Rows as the API shows them, most urgent first (status, due date, rule code). */
  private async toGaps(rows: readonly GapRow[], day: string): Promise<CareGap[]> {
    const rules = new Map((await this.rules()).map((rule) => [rule.id, rule]));
    return rows
      .filter((row) => rules.has(row.rule_id))
      .map((row): CareGap => ({
        rule: rules.get(row.rule_id)!,
        status: row.status,
        reason: reasonOn(row, day),
        lastMetAt: toDate(row.last_met_at),
        lastMetBy: row.last_met_id ? { type: row.last_met_type!, id: row.last_met_id, organization: row.last_met_organization_id ? { id: row.last_met_organization_id } : null } : null,
        dueDate: row.status === CareGapStatus.NOT_APPLICABLE ? null : row.due_date,
        evaluatedAt: new Date(row.evaluated_at),
      }))
      .sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status)
        || (a.dueDate ?? '').localeCompare(b.dueDate ?? '') || a.rule.code.localeCompare(b.rule.code));
  }
}

/**
 * The stored reason, unless the rule applies to the patient but not on `day` (before they are
 * eligible, or after they aged out): the stored one speaks of the day it was evaluated.
 */
function reasonOn(row: GapRow, day: string): string {
  if (row.status !== CareGapStatus.NOT_APPLICABLE || !row.applies) return row.reason;
  if (row.eligible_until && row.eligible_until <= day) return `Not applicable on ${day}: the age range ended on ${row.eligible_until}`;
  return `Not applicable on ${day}: applies from ${row.eligible_from}`;
}
