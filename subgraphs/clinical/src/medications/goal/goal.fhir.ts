import { badInput, fhirInstant, firstCodingOf, resourceId, type BundleView } from '@caregraph/platform';
import type { CarePlan as FhirCarePlan, Goal as FhirGoal } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirCoding, fhirConcept, fhirReference, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { carePlanStart } from '../care-plan/care-plan.fhir';
import { bundleEntryReference, conceptText, referencedIds } from '../fhir-helpers';
import { GOAL_LIFECYCLE_CODES, Goal, GoalStartSource, type GoalLifecycleStatus } from './goal.entity';

const planStarts = new WeakMap<BundleView, Map<string, Date>>();

/** Goal id → the start of the earliest care plan of the bundle that names it (memoised per bundle). */
function carePlanStartsByGoal(bundle: BundleView): Map<string, Date> {
  let starts = planStarts.get(bundle);
  if (!starts) {
    starts = new Map();
    for (const plan of (bundle.byType.get('CarePlan') ?? []) as FhirCarePlan[]) {
      if (!plan.goal?.length) continue;
      const start = carePlanStart(plan, bundle);
      for (const goalId of referencedIds(plan.goal, bundle)) {
        const known = starts.get(goalId);
        if (!known || start < known) starts.set(goalId, start);
      }
    }
    planStarts.set(bundle, starts);
  }
  return starts;
}

/**
 * Our row for one FHIR Goal. startAt: Goal.startDate when given; else the start of the care plan
 * naming the goal (every Synthea goal); else the time of its first import, kept on re-import so
 * the list order stays stable.
 */
export function goalData(resource: FhirGoal, bundle: BundleView, previous: Map<string, Goal>, importedAt: Date) {
  const { patientId, encounterId, organizationId } = provenanceOf(resource, bundle);
  if (!GOAL_LIFECYCLE_CODES.includes(resource.lifecycleStatus)) throw badInput('Goal.lifecycleStatus', 'Goal.lifecycleStatus is not a FHIR goal lifecycle status');
  const description = conceptText(resource.description);
  if (!description) throw badInput('Goal.description', 'Goal.description must have a text or a coding with a display');
  const descriptionCode = firstCodingOf(resource.description);

  const id = resourceId('Goal', resource.id!);
  const startDate = fhirInstant(resource.startDate, 'Goal.startDate');
  const planStart = carePlanStartsByGoal(bundle).get(id);
  const before = previous.get(id);
  const [startAt, startSource] = startDate
    ? [startDate, GoalStartSource.START_DATE]
    : planStart
      ? [planStart, GoalStartSource.CARE_PLAN]
      : [before?.startSource === GoalStartSource.IMPORT ? before.startAt : importedAt, GoalStartSource.IMPORT];

  return {
    patientId,
    organizationId,
    encounterId,
    lifecycleStatus: resource.lifecycleStatus as GoalLifecycleStatus,
    achievementStatus: firstCodingOf(resource.achievementStatus),
    description,
    descriptionCode,
    codeValue: descriptionCode?.code ?? null,
    target: resource.target?.length ? resource.target : null,
    startAt,
    startSource,
    addressedRecordIds: referencedIds(resource.addresses, bundle),
  };
}

/**
 * Our row as a FHIR Goal: what goalData reads back into the same row. Only a start the goal had
 * itself goes out as startDate (a FHIR date): one taken from its care plan is found again from
 * the exported plans, and the time of the first import is no fact about the goal.
 */
export function goalToFhir(row: Goal): FhirGoal {
  return {
    resourceType: 'Goal',
    ...recordBase(row),
    lifecycleStatus: row.lifecycleStatus,
    achievementStatus: fhirConcept(row.achievementStatus),
    // the stored words as the text, so they come back as written (not the coding's display)
    description: { coding: row.descriptionCode ? [fhirCoding(row.descriptionCode)!] : undefined, text: row.description },
    subject: fhirReference('Patient', row.patientId)!,
    startDate: row.startSource === GoalStartSource.START_DATE ? row.startAt.toISOString().slice(0, 10) : undefined,
    target: row.target ?? undefined,
    addresses: row.addressedRecordIds.map(bundleEntryReference),
  };
}

/** The Goal side of the import and the export (goals are written only by the import). */
export const goalMapper: FhirMapper = {
  resourceType: 'Goal',
  async ingest(em, resources, bundle) {
    const ids = resources.filter((r) => r.resourceType === 'Goal' && r.id).map((r) => resourceId('Goal', r.id!));
    const previous = new Map(ids.length ? (await em.find(Goal, { id: { $in: ids } })).map((goal) => [goal.id, goal]) : []);
    const importedAt = new Date();
    return upsertResources(em, Goal, 'Goal', resources, (resource: FhirGoal) => goalData(resource, bundle, previous, importedAt));
  },
  export: { entity: Goal, toFhir: goalToFhir },
};
