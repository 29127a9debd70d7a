import { CareGapStatus } from './care-gap.types';

/*
 * SQL for the status of care_gap `g` (rule `r`) on the day `d.as_of`: not applicable when the rule
 * is not for the patient or the patient has aged out; overdue past the due date; due from
 * dueSoonDays before it; met after that, unless the patient is not eligible yet (then not
 * applicable). OPEN is the same for DUE and OVERDUE as plain conditions, which the planner
 * estimates well (the population list's index walk depends on it).
 */
const IN_AGE_RANGE = `(g."eligible_until" is null or g."eligible_until" > d."as_of")`;
const DUE_SOON_BY = `d."as_of" + r."due_soon_days"`;
export const STATUS = `case
    when not g."applies" or not ${IN_AGE_RANGE} then '${CareGapStatus.NOT_APPLICABLE}'
    when g."due_date" < d."as_of" then '${CareGapStatus.OVERDUE}'
    when g."due_date" <= ${DUE_SOON_BY} then '${CareGapStatus.DUE}'
    when g."eligible_from" > d."as_of" then '${CareGapStatus.NOT_APPLICABLE}'
    else '${CareGapStatus.MET}'
  end`;
export const OPEN: Record<string, string> = {
  [CareGapStatus.OVERDUE]: `g."applies" and ${IN_AGE_RANGE} and g."due_date" < d."as_of"`,
  [CareGapStatus.DUE]: `g."applies" and ${IN_AGE_RANGE} and g."due_date" >= d."as_of" and g."due_date" <= ${DUE_SOON_BY}`,
  both: `g."applies" and ${IN_AGE_RANGE} and g."due_date" <= ${DUE_SOON_BY}`,
};
