import { badInput, fhirInstant, firstCodingOf, resourceId, tally, type BundleView, type FhirIngestor, type IngestCounts } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Claim as FhirClaim, Money as FhirMoney } from '@medplum/fhirtypes';
import { Claim, ClaimStatus, type ClaimDiagnosis, type StoredClaimItem, type StoredMoney } from '../claim/claim.entity';
import { toMinorUnits } from '../money/money';

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

/**
 * Persists the Claims of a bundle into the billing schema, inside the importer's transaction:
 * one query for the existing rows, then inserts and updates in one flush. Importing the same
 * bundle again updates in place (ids derive from the FHIR ids).
 */
export const billingIngestor: FhirIngestor = {
  subgraph: 'billing',
  resourceTypes: ['Claim'],
  async ingest(em: EntityManager, resources, bundle): Promise<IngestCounts> {
    const counts: IngestCounts = {};
    const claims = resources.filter((resource): resource is FhirClaim => resource.resourceType === 'Claim');
    if (!claims.length) return counts;

    const ids = claims.map((resource) => {
      if (!resource.id) throw badInput('Claim.id', 'Claim.id is required');
      return resourceId('Claim', resource.id);
    });
    const rows = new Map((await em.find(Claim, { id: { $in: [...new Set(ids)] } })).map((row) => [row.id, row]));

    claims.forEach((resource, index) => {
      const id = ids[index];
      const data = claimData(resource, bundle);
      const existing = rows.get(id);
      if (existing) em.assign(existing, data);
      else rows.set(id, em.create(Claim, { id, ...data }));
      tally(counts, 'Claim', !existing);
    });
    await em.flush();
    return counts;
  },
};
