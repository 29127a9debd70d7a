import { badInput, fhirInstant, firstCodingOf, resourceId, tally, type BundleView, type IngestCounts } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Coverage as FhirCoverage } from '@medplum/fhirtypes';
import { Coverage, CoverageStatus, SubscriberRelationship } from '../coverage/coverage.entity';
import type { PayerName, PayerRecord } from '../payer/payer-directory';
import { payerOfReference, storedPayer } from './payer-import';

const STATUSES = new Set<string>(Object.values(CoverageStatus));
/** FHIR subscriber-relationship codes we keep; the others (parent, common, injured) are 'other'. */
const RELATIONSHIPS: Record<string, SubscriberRelationship> = { self: SubscriberRelationship.SELF, spouse: SubscriberRelationship.SPOUSE, child: SubscriberRelationship.CHILD };

/** The coverage a bundle implies where it has no Coverage resource: one per patient and payer. */
export const derivedCoverageId = (patientId: string, payerId: string): string => resourceId('Coverage', `derived/${patientId}/${payerId}`);

function benefitOrder(order: number | undefined, field: string): number {
  if (order === undefined) return 1;
  if (!Number.isInteger(order) || order < 1 || order > 9) throw badInput(field, `${field} must be an order of benefits from 1 to 9`);
  return order;
}

/** The payer a Coverage resource names (its first payor). */
export function payerOfCoverage(resource: FhirCoverage, bundle: BundleView): PayerName {
  const payer = payerOfReference(resource.payor?.[0], bundle, 'Coverage.payor[0]');
  if (!payer) throw badInput('Coverage.payor', 'Coverage.payor must name the payer');
  return payer;
}

/** Our row for a Coverage resource. */
function coverageData(resource: FhirCoverage, bundle: BundleView, payers: ReadonlyMap<string, PayerRecord>) {
  const patientId = bundle.resolve(resource.beneficiary?.reference);
  if (!patientId) throw badInput('Coverage.beneficiary', 'Coverage.beneficiary must reference the patient');
  if (!STATUSES.has(resource.status)) throw badInput('Coverage.status', 'Coverage.status is not a FHIR coverage status');
  const relationship = firstCodingOf(resource.relationship)?.code;
  const plan = resource.class?.find((item) => firstCodingOf(item.type)?.code === 'plan');
  const member = resource.identifier?.find((identifier) => firstCodingOf(identifier.type)?.code === 'MB') ?? resource.identifier?.[0];
  return {
    patientId,
    payerId: storedPayer(payers, payerOfCoverage(resource, bundle)).id,
    planName: plan?.name ?? plan?.value ?? null,
    memberId: member?.value ?? null,
    subscriberId: resource.subscriberId ?? bundle.resolve(resource.subscriber?.reference) ?? null,
    relationship: relationship ? (RELATIONSHIPS[relationship] ?? SubscriberRelationship.OTHER) : SubscriberRelationship.SELF,
    periodStart: fhirInstant(resource.period?.start, 'Coverage.period.start'),
    periodEnd: fhirInstant(resource.period?.end, 'Coverage.period.end'),
    status: resource.status as CoverageStatus,
    benefitOrder: benefitOrder(resource.order, 'Coverage.order'),
  };
}

/** A coverage that claims imply: the patient billed to the payer, at an order of benefits, over the claims' service dates. */
export interface ImpliedCoverage {
  patientId: string;
  payerId: string;
  benefitOrder: number;
  from: Date | null;
  to: Date | null;
}

const earlier = (a: Date | null | undefined, b: Date | null) => (a && (!b || a < b) ? a : b);
const later = (a: Date | null | undefined, b: Date | null) => (a && (!b || a > b) ? a : b);

/**
 * Upserts the bundle's Coverage resources (by their ids), then one derived coverage per patient
 * and payer the claims name without one: active, the lowest insurance sequence seen as its order
 * of benefits, its period the span of the claims billed to it (widened, never narrowed, by later
 * imports). Returns the counts; rows are flushed.
 */
export async function upsertCoverages(
  em: EntityManager,
  resources: readonly FhirCoverage[],
  implied: readonly ImpliedCoverage[],
  bundle: BundleView,
  payers: ReadonlyMap<string, PayerRecord>,
): Promise<IngestCounts> {
  const counts: IngestCounts = {};
  const derived = new Map<string, ImpliedCoverage>();
  for (const coverage of implied) {
    const id = derivedCoverageId(coverage.patientId, coverage.payerId);
    const seen = derived.get(id);
    derived.set(id, seen ? {
      ...seen,
      benefitOrder: Math.min(seen.benefitOrder, coverage.benefitOrder),
      from: earlier(coverage.from, seen.from),
      to: later(coverage.to, seen.to),
    } : coverage);
  }
  const ids = resources.map((resource) => {
    if (!resource.id) throw badInput('Coverage.id', 'Coverage.id is required');
    return resourceId('Coverage', resource.id);
  });
  const rows = new Map((await em.find(Coverage, { id: { $in: [...ids, ...derived.keys()] } })).map((row) => [row.id, row]));

  resources.forEach((resource, index) => {
    const data = coverageData(resource, bundle, payers);
    const existing = rows.get(ids[index]);
    if (existing) em.assign(existing, data);
    else rows.set(ids[index], em.create(Coverage, { id: ids[index], ...data }));
    tally(counts, 'Coverage', !existing);
  });
  for (const [id, coverage] of derived) {
    const existing = rows.get(id);
    if (existing) {
      existing.benefitOrder = coverage.benefitOrder;
      existing.periodStart = earlier(existing.periodStart, coverage.from);
      existing.periodEnd = later(existing.periodEnd, coverage.to);
    } else {
      em.create(Coverage, {
        id, patientId: coverage.patientId, payerId: coverage.payerId, status: CoverageStatus.ACTIVE,
        benefitOrder: coverage.benefitOrder, periodStart: coverage.from, periodEnd: coverage.to,
      });
    }
    tally(counts, 'Coverage', !existing);
  }
  await em.flush();
  return counts;
}
