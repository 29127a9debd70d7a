import { badInput, fhirInstant, firstCodingOf, resourceId, tally, type BundleView, type IngestCounts } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Claim as FhirClaim, ClaimInsurance, Coverage as FhirCoverage, Money as FhirMoney } from '@medplum/fhirtypes';
import { ClaimTransition } from '../claim/claim-transition.entity';
import { Claim, ClaimStatus, type ClaimDiagnosis, type StoredClaimItem, type StoredMoney } from '../claim/claim.entity';
import { toMinorUnits } from '../money/money';
import type { PayerName, PayerRecord } from '../payer/payer-directory';
import { derivedCoverageId, payerOfCoverage, type ImpliedCoverage } from './coverage-import';
import { payerOfReference, storedPayer } from './payer-import';

/** Who the import acts as in claim_transition. */
export const IMPORT_ACTOR = { actorKind: 'system', actorId: 'fhir-import' } as const;

function storedMoney(money: FhirMoney | undefined, field: string): StoredMoney | null {
  if (!money) return null;
  return { minorUnits: Number(toMinorUnits(money.value, money.currency, field)), currency: money.currency! };
}

/** FHIR Claim.status → our lifecycle: an active claim has been sent to the payer. */
const LIFECYCLE_OF_FHIR_STATUS: Record<string, ClaimStatus | undefined> = {
  active: ClaimStatus.SUBMITTED,
  draft: ClaimStatus.DRAFT,
  cancelled: ClaimStatus.CLOSED,
  'entered-in-error': ClaimStatus.CLOSED,
};

/** One Claim.insurance entry: the payer billed, the Coverage resource it references (if any), its order of benefits. */
interface BilledInsurance {
  payer: PayerName;
  /** Our id of the Coverage resource it references, if any. */
  coverageResourceId: string | null;
  order: number;
  focal: boolean;
}

/** The payers of a claim's insurance entries: a referenced Coverage's payor, else the coverage display (Synthea), else Claim.insurer for the focal one. */
function insurancesOf(resource: FhirClaim, bundle: BundleView): BilledInsurance[] {
  const entries: ClaimInsurance[] = resource.insurance ?? [];
  const billed = entries.flatMap((insurance, index): BilledInsurance[] => {
    const field = `Claim.insurance[${index}].coverage`;
    const coverageResourceId = bundle.resolve(insurance.coverage?.reference) ?? null;
    const coverage = coverageResourceId ? bundle.byId.get(coverageResourceId) : undefined;
    const payer = coverage?.resourceType === 'Coverage' ? payerOfCoverage(coverage as FhirCoverage, bundle) : payerOfReference(insurance.coverage, bundle, field);
    if (!payer) return [];
    return [{ payer, coverageResourceId: coverage ? coverageResourceId : null, order: insurance.sequence ?? index + 1, focal: insurance.focal === true }];
  });
  if (!billed.length) {
    const payer = payerOfReference(resource.insurer, bundle, 'Claim.insurer');
    if (payer) billed.push({ payer, coverageResourceId: null, order: 1, focal: true });
  }
  return billed;
}

/** The insurance the claim is billed to now: the focal entry, else the first in order of benefits. */
const focalOf = (billed: readonly BilledInsurance[]) => billed.find((insurance) => insurance.focal) ?? [...billed].sort((a, b) => a.order - b.order)[0];

/** Every payer name a claim's insurance refers to (to ensure them before mapping). */
export const claimPayerNames = (resource: FhirClaim, bundle: BundleView): PayerName[] => insurancesOf(resource, bundle).map((insurance) => insurance.payer);

/** Our row for one FHIR Claim. References resolve through the bundle; only codes and ids are kept. */
function claimData(resource: FhirClaim, bundle: BundleView) {
  const patientId = bundle.resolve(resource.patient?.reference);
  if (!patientId) throw badInput('Claim.patient', 'Claim.patient must reference the patient');
  const providerOrganizationId = bundle.resolve(resource.provider?.reference);
  if (!providerOrganizationId) throw badInput('Claim.provider', 'Claim.provider must reference the organization');
  const status = LIFECYCLE_OF_FHIR_STATUS[resource.status];
  if (!status) throw badInput('Claim.status', 'Claim.status is not a FHIR claim status');
  const typeCode = firstCodingOf(resource.type)?.code;
  if (!typeCode) throw badInput('Claim.type', 'Claim.type must have a code');
  const createdAt = fhirInstant(resource.created, 'Claim.created');
  if (!createdAt) throw badInput('Claim.created', 'Claim.created is required');

  const items: StoredClaimItem[] = (resource.item ?? []).map((item, index) => {
    const field = `Claim.item[${index}]`;
    const productOrService = firstCodingOf(item.productOrService);
    if (!productOrService) throw badInput(`${field}.productOrService`, `${field}.productOrService must have a code`);
    return {
      sequence: item.sequence,
      productOrService,
      quantity: item.quantity?.value ?? null,
      unitPrice: storedMoney(item.unitPrice, `${field}.unitPrice`),
      net: storedMoney(item.net, `${field}.net`),
      encounterId: bundle.resolve(item.encounter?.[0]?.reference) ?? null,
    };
  });
  const diagnoses: ClaimDiagnosis[] = (resource.diagnosis ?? []).map((diagnosis) => ({
    sequence: diagnosis.sequence,
    code: firstCodingOf(diagnosis.diagnosisCodeableConcept),
    conditionId: bundle.resolve(diagnosis.diagnosisReference?.reference) ?? null,
  }));

  return {
    patientId,
    providerOrganizationId,
    encounterId: items.find((item) => item.encounterId)?.encounterId ?? null,
    status,
    submittedAt: status === ClaimStatus.DRAFT ? null : createdAt,
    typeCode,
    billablePeriodStart: fhirInstant(resource.billablePeriod?.start, 'Claim.billablePeriod.start'),
    billablePeriodEnd: fhirInstant(resource.billablePeriod?.end, 'Claim.billablePeriod.end'),
    createdAt,
    totalMinorUnits: resource.total ? toMinorUnits(resource.total.value, resource.total.currency, 'Claim.total') : null,
    currency: resource.total ? resource.total.currency! : null,
    diagnoses,
    items,
  };
}

export interface MappedClaims {
  claims: { id: string; resource: FhirClaim; data: ReturnType<typeof claimData>; payerId: string | null; coverageId: string | null }[];
  /** The coverages the claims' insurance entries imply where they reference no Coverage resource. */
  implied: ImpliedCoverage[];
}

/** Maps the bundle's claims (nothing written yet): their rows, payer and coverage, and the coverages they imply. */
export function mapClaims(resources: readonly FhirClaim[], bundle: BundleView, payers: ReadonlyMap<string, PayerRecord>): MappedClaims {
  const implied: ImpliedCoverage[] = [];
  const claims = resources.map((resource) => {
    if (!resource.id) throw badInput('Claim.id', 'Claim.id is required');
    const data = claimData(resource, bundle);
    const billed = insurancesOf(resource, bundle);
    const coverageOf = (insurance: BilledInsurance) => {
      const payerId = storedPayer(payers, insurance.payer).id;
      if (insurance.coverageResourceId) return { payerId, coverageId: insurance.coverageResourceId };
      implied.push({
        patientId: data.patientId, payerId, benefitOrder: Math.min(Math.max(insurance.order, 1), 9),
        from: data.billablePeriodStart ?? data.createdAt, to: data.billablePeriodEnd ?? data.billablePeriodStart ?? data.createdAt,
      });
      return { payerId, coverageId: derivedCoverageId(data.patientId, payerId) };
    };
    // every entry implies a coverage; the claim is billed to the focal one
    const focal = focalOf(billed);
    let billedTo: { payerId: string | null; coverageId: string | null } = { payerId: null, coverageId: null };
    for (const insurance of billed) {
      const coverage = coverageOf(insurance);
      if (insurance === focal) billedTo = coverage;
    }
    return { id: resourceId('Claim', resource.id), resource, data, ...billedTo };
  });
  return { claims, implied };
}

/**
 * Writes the mapped claims, one query for the existing rows and one flush. A new claim records
 * its first status (claim_transition, as the import); an existing one is updated in place but
 * keeps its lifecycle: after the first import the status moves only by adjudication or the
 * lifecycle mutations, never back by a re-import.
 */
export async function upsertClaims(em: EntityManager, mapped: MappedClaims['claims']): Promise<IngestCounts> {
  const counts: IngestCounts = {};
  const rows = new Map((await em.find(Claim, { id: { $in: [...new Set(mapped.map((claim) => claim.id))] } })).map((row) => [row.id, row]));
  const created: Claim[] = [];
  for (const { id, data, payerId, coverageId } of mapped) {
    const existing = rows.get(id);
    if (existing) {
      const { status: _status, submittedAt: _submittedAt, ...described } = data;
      em.assign(existing, { ...described, payerId, coverageId });
    } else {
      const claim = em.create(Claim, { id, ...data, payerId, coverageId });
      rows.set(id, claim);
      created.push(claim);
    }
    tally(counts, 'Claim', !existing);
  }
  await em.flush();
  // after the claims: the ORM knows no relation to order these inserts by
  for (const claim of created) {
    em.create(ClaimTransition, { claimId: claim.id, fromStatus: null, toStatus: claim.status, ...IMPORT_ACTOR, at: claim.createdAt, reason: 'imported from FHIR Claim' });
  }
  await em.flush();
  return counts;
}
