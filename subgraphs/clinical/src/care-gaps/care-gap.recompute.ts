import type { AccessCategory, EntityManager } from '@caregraph/platform';
import { publishCareGapsOpened, type CareGapOpenedPayload } from './care-gap.events';
import { OPEN } from './care-gap.status';

/**
 * Where each kind of satisfying record lives: its table, the instant it happened, where its code
 * system is, and the statuses that count as done. The evaluator knows record types, never rules:
 * rules name a record type, a code system and codes (clinical.care_gap_satisfier).
 */
const RECORD_SOURCES: Record<string, { table: string; at: string; system: string; statuses: readonly string[] }> = {
  Immunization: { table: 'immunization', at: 'occurred_at', system: `vaccine_code->>'system'`, statuses: ['completed'] },
  Observation: { table: 'observation', at: 'effective_at', system: `code->>'system'`, statuses: ['final', 'amended', 'corrected'] },
  Procedure: { table: 'procedure', at: 'performed_start', system: `code->>'system'`, statuses: ['completed'] },
  DiagnosticReport: { table: 'diagnostic_report', at: 'effective_at', system: `code->>'system'`, statuses: ['final', 'amended', 'corrected', 'appended'] },
};

/** Chart record types whose changes can change a patient's gaps: what satisfies rules, and conditions (who rules apply to). */
export const CARE_GAP_INPUT_TYPES: ReadonlySet<string> = new Set([...Object.keys(RECORD_SOURCES), 'Condition']);

/** Conditions that count for a rule's condition criterion: current ones, not refuted or in error. */
const CURRENT_CONDITION = `c."clinical_status" in ('active', 'recurrence', 'relapse')
  and (c."verification_status" is null or c."verification_status" not in ('refuted', 'entered-in-error'))`;

/** Advisory-lock class of per-patient recomputes (the second key is a hash of the patient id). */
const CARE_GAP_LOCK_CLASS = 4_242_001;

const quoted = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/** For one (patient, satisfier) pair `pr`/`s`: the patient's most recent record of that kind, code system and code set. */
const LATEST_SATISFYING_RECORD = Object.entries(RECORD_SOURCES).map(([type, source]) => `(
    select '${type}'::text as "record_type", x."id", x."organization_id", x."${source.at}" as "at"
      from "clinical"."${source.table}" x
     where s."record_type" = '${type}' and x."patient_id" = pr."patient_id" and x."code_value" = any(s."codes")
       and x.${source.system} = s."code_system" and x."status" in (${quoted(source.statuses)})
     order by x."${source.at}" desc, x."id" limit 1)`).join('\n    union all ');

/**
 * Evaluates every active rule for a batch of patients (one uuid[] parameter) and inserts one
 * care_gap row per (patient, rule), in one statement. A rule does not apply (reason given) to a
 * deceased patient, one of another gender, one outside its age window today (or whose birth
 * date is unknown, when it has one), or one without a current condition of its set. The due
 * date: the latest "met until" (record date + interval) over the satisfying records, never
 * before eligibility (age from_age, the earliest qualifying condition); never met: eligibility
 * start, or today when that is unknown.
 */
const EVALUATE = `
insert into "clinical"."care_gap" ("patient_id", "rule_id", "applies", "eligible_from", "eligible_until", "due_date",
  "last_met_at", "last_met_type", "last_met_id", "last_met_organization_id", "reason", "evaluated_at")
with "patient" as (
  select p."patient_id", f."patient_id" is not null as "known", f."birth_date", f."gender", coalesce(f."deceased", false) as "deceased"
    from (select distinct unnest(?::uuid[]) as "patient_id") p
    left join "clinical"."patient_facts" f on f."patient_id" = p."patient_id"
), "pair" as (
  select p.*, r."id" as "rule_id", r."eligibility", r."from_age", r."until_age", r."gender" as "rule_gender", r."condition_codes", r."condition_label",
         (p."birth_date" + r."from_age")::date as "age_from", (p."birth_date" + r."until_age")::date as "age_until",
         (now() at time zone 'UTC')::date as "today"
    from "patient" p cross join "clinical"."care_gap_rule" r
   where r."active"
), "qualifying" as (
  select pr."patient_id", pr."rule_id", min(coalesce(c."onset_at", c."recorded_at")) as "since"
    from "pair" pr
    join "clinical"."condition" c on c."patient_id" = pr."patient_id"
   where pr."condition_codes" is not null and ${CURRENT_CONDITION}
     and exists (select 1 from jsonb_array_elements_text(pr."condition_codes" -> (c."code"->>'system')) as q("code")
                  where c."code_value" = q."code" or c."code_value" like q."code" || '.%')
   group by pr."patient_id", pr."rule_id"
), "evidence" as (
  select distinct on (pr."patient_id", pr."rule_id") pr."patient_id", pr."rule_id", m."record_type", m."id", m."organization_id", m."at",
         s."interval_months", s."label",
         ((m."at" at time zone 'UTC')::date + make_interval(months => s."interval_months"))::date as "met_until"
    from "pair" pr
    join "clinical"."care_gap_satisfier" s on s."rule_id" = pr."rule_id"
    cross join lateral (
    ${LATEST_SATISFYING_RECORD}
    ) m
   order by pr."patient_id", pr."rule_id", "met_until" desc, m."at" desc, m."id"
), "labels" as (
  select "rule_id", string_agg(distinct "label", ' or ') as "labels" from "clinical"."care_gap_satisfier" group by "rule_id"
), "judged" as (
  select pr.*, e."record_type", e."id" as "record_id", e."organization_id" as "record_organization_id", e."at", e."interval_months",
         e."label", e."met_until", l."labels",
         greatest(pr."age_from", (q."since" at time zone 'UTC')::date) as "eligible_from",
         case
           when pr."deceased" then 'the patient is deceased'
           when pr."rule_gender" is not null and not pr."known" then format('for %s patients only, and no demographics are known yet', pr."rule_gender")
           when pr."rule_gender" is not null and pr."gender" is null then format('for %s patients only, and no gender is recorded', pr."rule_gender")
           when pr."rule_gender" is not null and pr."gender" <> pr."rule_gender" then format('for %s patients only', pr."rule_gender")
           when (pr."from_age" is not null or pr."until_age" is not null) and pr."birth_date" is null
             then format('the birth date is %s, so the age criterion (%s) cannot be evaluated', case when pr."known" then 'not recorded' else 'not known yet' end, pr."eligibility")
           when pr."age_until" <= pr."today" then format('past the age range (%s)', pr."eligibility")
           when pr."condition_codes" is not null and q."since" is null then format('no current %s on record', pr."condition_label")
         end as "not_applicable"
    from "pair" pr
    left join "qualifying" q on q."patient_id" = pr."patient_id" and q."rule_id" = pr."rule_id"
    left join "evidence" e on e."patient_id" = pr."patient_id" and e."rule_id" = pr."rule_id"
    left join "labels" l on l."rule_id" = pr."rule_id"
)
select "patient_id", "rule_id", "not_applicable" is null, "eligible_from", "age_until",
       case when "not_applicable" is null then coalesce(greatest("eligible_from", "met_until"), "today") end,
       "at", "record_type", "record_id", "record_organization_id",
       case
         when "not_applicable" is not null then 'Not applicable: ' || "not_applicable"
         when "record_id" is null then format('%s; no %s on record', "eligibility", "labels")
         else format('%s; last %s on %s, repeated every %s months', "eligibility", "label", to_char("at" at time zone 'UTC', 'YYYY-MM-DD'), "interval_months")
       end,
       now()
  from "judged"`;

/** A uuid[] parameter (MikroORM would expand a bound array into a list). */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/**
 * Recomputes the care gaps of `patientIds` (any number: one statement per step) inside the
 * caller's transaction. Recomputes of the same patient are serialized (advisory transaction
 * lock per patient, taken in id order): a second writer waits for the first to commit, then
 * evaluates with both changes visible, so no recompute overwrites a newer one with older data.
 */
export async function recomputeCareGaps(em: EntityManager, patientIds: readonly string[], options: { publishOpened?: boolean } = {}): Promise<void> {
  const ids = [...new Set(patientIds.map((id) => id.toLowerCase()))].sort();
  if (ids.length === 0) return;
  await em.execute(
    `select pg_advisory_xact_lock(${CARE_GAP_LOCK_CLASS}, hashtext(t."id"::text)) from (select unnest(?::uuid[]) as "id" order by 1) t`,
    [uuidArray(ids)],
  );
  const before = options.publishOpened ? await openGaps(em, ids) : undefined;
  await evaluate(em, ids);
  if (before) {
    const wasOpen = new Set(before.map((gap) => `${gap.patientId}:${gap.ruleId}`));
    await publishCareGapsOpened(em, (await openGaps(em, ids)).filter((gap) => !wasOpen.has(`${gap.patientId}:${gap.ruleId}`)));
  }
}

/** The open (DUE or OVERDUE) gaps of `ids` today, under active rules. */
async function openGaps(em: EntityManager, ids: readonly string[]): Promise<CareGapOpenedPayload[]> {
  const rows = await em.execute<{ patient_id: string; rule_id: string; code: string; due_date: string; overdue: boolean }[]>(
    `select g."patient_id", g."rule_id", r."code", to_char(g."due_date", 'YYYY-MM-DD') as "due_date", g."due_date" < d."as_of" as "overdue"
       from (select (now() at time zone 'UTC')::date as "as_of") d
       join "clinical"."care_gap" g on g."patient_id" = any(?::uuid[])
       join "clinical"."care_gap_rule" r on r."id" = g."rule_id" and r."active"
      where ${OPEN.both}
      order by g."patient_id", r."code"`,
    [uuidArray(ids)],
  );
  return rows.map((row) => ({ patientId: row.patient_id, ruleId: row.rule_id, ruleCode: row.code, status: row.overdue ? 'OVERDUE' : 'DUE', dueDate: row.due_date }));
}

async function evaluate(em: EntityManager, ids: readonly string[]): Promise<void> {
  await em.execute(`delete from "clinical"."care_gap" where "patient_id" = any(?::uuid[])`, [uuidArray(ids)]);
  await em.execute(EVALUATE, [uuidArray(ids)]);
}

/**
 * Recomputes every patient the clinical subgraph knows demographics of, `batchSize` at a time, in
 * the caller's transaction (a backfill, or after rules changed). The table is locked against
 * concurrent recomputes instead of taking one advisory lock per patient.
 */
export async function recomputeAllCareGaps(em: EntityManager, batchSize = 1000): Promise<number> {
  await em.execute(`lock table "clinical"."care_gap" in share row exclusive mode`);
  let after = '00000000-0000-0000-0000-000000000000';
  let total = 0;
  for (;;) {
    const rows = await em.execute<{ patient_id: string }[]>(
      `select "patient_id" from "clinical"."patient_facts" where "patient_id" > ?::uuid order by "patient_id" limit ?`,
      [after, batchSize],
    );
    if (rows.length === 0) return total;
    await evaluate(em, rows.map((row) => row.patient_id));
    total += rows.length;
    after = rows[rows.length - 1].patient_id;
  }
}

/**
 * The step every audited clinical write runs after its flush, in its transaction (registered on
 * the request's access gate, see context.ts): a change to a record a rule can be met by, or to a
 * condition, recomputes that patient's gaps before the write commits, and announces the gaps it
 * opened (`clinical.care-gap-opened`).
 */
export async function recomputeAfterWrite(em: EntityManager, write: { patientId: string | null; category: AccessCategory; recordType: string }): Promise<void> {
  if (write.patientId && write.category === 'clinical' && CARE_GAP_INPUT_TYPES.has(write.recordType)) await recomputeCareGaps(em, [write.patientId], { publishOpened: true });
}
