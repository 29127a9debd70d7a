import { badInput, codingsOf, fhirInstant, firstCodingOf, type BundleView } from '@caregraph/platform';
import type { CarePlan as FhirCarePlan, Encounter as FhirEncounter } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirConcept, fhirDateTime, fhirReference, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { conceptText, narrativeText, referencedIds } from '../fhir-helpers';
import {
  CARE_PLAN_ACTIVITY_STATUS_CODES, CARE_PLAN_INTENT_CODES, CARE_PLAN_STATUS_CODES, CarePlan,
  type CarePlanActivity, type CarePlanActivityStatus, type CarePlanIntent, type CarePlanStatus,
} from './care-plan.entity';

/**
 * When a plan starts, never null (lists sort on it): period.start, else created, else the start
 * of its encounter. Goals without a date of their own start with the plan that names them.
 */
export function carePlanStart(resource: FhirCarePlan, bundle: BundleView): Date {
  const encounterId = bundle.resolve(resource.encounter?.reference);
  const encounter = encounterId ? (bundle.byId.get(encounterId) as FhirEncounter | undefined) : undefined;
  const start = fhirInstant(resource.period?.start, 'CarePlan.period.start')
    ?? fhirInstant(resource.created, 'CarePlan.created')
    ?? fhirInstant(encounter?.period?.start, 'Encounter.period.start');
  if (!start) throw badInput('CarePlan.period.start', 'CarePlan.period.start is required (or CarePlan.created, or an encounter with a start)');
  return start;
}

/** Activities with a coded detail (activities that only reference another resource are left out). */
function activitiesOf(resource: FhirCarePlan): CarePlanActivity[] {
  const activities: CarePlanActivity[] = [];
  (resource.activity ?? []).forEach((activity, index) => {
    const detail = activity.detail;
    const code = firstCodingOf(detail?.code);
    if (!detail || !code) return;
    if (!CARE_PLAN_ACTIVITY_STATUS_CODES.includes(detail.status)) {
      throw badInput(`CarePlan.activity[${index}].detail.status`, `CarePlan.activity[${index}].detail.status is not a FHIR care plan activity status`);
    }
    activities.push({ code, status: detail.status as CarePlanActivityStatus, location: detail.location?.display ?? null });
  });
  return activities;
}

/** Our row for one FHIR CarePlan. */
export function carePlanData(resource: FhirCarePlan, bundle: BundleView) {
  const { patientId, encounterId, organizationId } = provenanceOf(resource, bundle);
  if (!CARE_PLAN_STATUS_CODES.includes(resource.status)) throw badInput('CarePlan.status', 'CarePlan.status is not a FHIR care plan status');
  if (!CARE_PLAN_INTENT_CODES.includes(resource.intent)) throw badInput('CarePlan.intent', 'CarePlan.intent is not a FHIR care plan intent');
  const periodStart = carePlanStart(resource, bundle);
  const periodEnd = fhirInstant(resource.period?.end, 'CarePlan.period.end');
  if (periodEnd && periodEnd < periodStart) throw badInput('CarePlan.period.end', 'CarePlan.period.end is before its start');
  const categories = codingsOf(resource.category);
  const firstCategory = resource.category?.find((concept) => conceptText(concept));
  return {
    patientId,
    organizationId,
    encounterId,
    status: resource.status as CarePlanStatus,
    intent: resource.intent as CarePlanIntent,
    categories,
    codeValue: categories[0]?.code ?? null,
    title: resource.title?.trim() || conceptText(firstCategory),
    description: resource.description?.trim() || narrativeText(resource.text?.div),
    periodStart,
    periodEnd,
    activities: activitiesOf(resource),
    addressedConditionIds: referencedIds(resource.addresses, bundle),
    goalIds: referencedIds(resource.goal, bundle),
  };
}

/**
 * Our row as a FHIR CarePlan: what carePlanData reads back into the same row. Title and
 * description go out as stored, so a plan titled after its category, or described by its
 * narrative, comes back the same; the period always has its start (never derived on the way back).
 */
export function carePlanToFhir(row: CarePlan): FhirCarePlan {
  return {
    resourceType: 'CarePlan',
    ...recordBase(row),
    status: row.status,
    intent: row.intent,
    // one concept per stored coding: the import keeps the codings, not how they were grouped
    category: row.categories.map((category) => fhirConcept(category)!),
    title: row.title ?? undefined,
    description: row.description ?? undefined,
    subject: fhirReference('Patient', row.patientId)!,
    encounter: fhirReference('Encounter', row.encounterId),
    period: { start: fhirDateTime(row.periodStart), end: fhirDateTime(row.periodEnd) },
    addresses: row.addressedConditionIds.map((id) => fhirReference('Condition', id)!),
    goal: row.goalIds.map((id) => fhirReference('Goal', id)!),
    activity: row.activities.map((activity) => ({
      detail: { code: fhirConcept(activity.code), status: activity.status, location: activity.location ? { display: activity.location } : undefined },
    })),
  };
}

/** The CarePlan side of the import and the export. */
export const carePlanMapper: FhirMapper = {
  resourceType: 'CarePlan',
  ingest: (em, resources, bundle) => upsertResources(em, CarePlan, 'CarePlan', resources, (resource: FhirCarePlan) => carePlanData(resource, bundle)),
  export: { entity: CarePlan, toFhir: carePlanToFhir },
};
