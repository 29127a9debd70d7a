import { type FhirIngestor, type FhirResource, type IngestCounts } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Claim as FhirClaim, Coverage as FhirCoverage, ExplanationOfBenefit as FhirEob } from '@medplum/fhirtypes';
import { ensurePayers } from '../payer/payer-directory';
import { claimPayerNames, mapClaims, upsertClaims } from './claim-import';
import { payerOfCoverage, upsertCoverages } from './coverage-import';
import { eobPayerName, importExplanationsOfBenefit } from './explanation-of-benefit-import';

const ofType = <T extends FhirResource>(resources: readonly FhirResource[], type: T['resourceType']) =>
  resources.filter((resource): resource is T => resource.resourceType === type);

function addCounts(into: IngestCounts, counts: IngestCounts): void {
  for (const [kind, { created, updated }] of Object.entries(counts)) {
    const entry = (into[kind] ??= { created: 0, updated: 0 });
    entry.created += created;
    entry.updated += updated;
  }
}

/**
 * Persists a bundle's Coverage, Claim and ExplanationOfBenefit resources into the billing schema,
 * inside the importer's transaction, in that order: the payers they name (created by name), the
 * coverages (the bundle's, and one derived per patient and payer its claims bill), the claims,
 * then the EOBs, which adjudicate the claims and record the payers' payments. Ids derive from
 * the FHIR ids, so importing the same bundle again updates in place and doubles nothing.
 */
export const billingIngestor: FhirIngestor = {
  subgraph: 'billing',
  resourceTypes: ['Coverage', 'Claim', 'ExplanationOfBenefit'],
  async ingest(em: EntityManager, resources, bundle): Promise<IngestCounts> {
    const counts: IngestCounts = {};
    const coverages = ofType<FhirCoverage>(resources, 'Coverage');
    const claims = ofType<FhirClaim>(resources, 'Claim');
    const eobs = ofType<FhirEob>(resources, 'ExplanationOfBenefit');
    if (!coverages.length && !claims.length && !eobs.length) return counts;

    const { byName: payers, created } = await ensurePayers(em, [
      ...coverages.map((coverage) => payerOfCoverage(coverage, bundle)),
      ...claims.flatMap((claim) => claimPayerNames(claim, bundle)),
      ...eobs.flatMap((eob) => eobPayerName(eob, bundle) ?? []),
    ]);
    if (created) counts.Payer = { created, updated: 0 };

    const mapped = mapClaims(claims, bundle, payers);
    addCounts(counts, await upsertCoverages(em, coverages, mapped.implied, bundle, payers));
    addCounts(counts, await upsertClaims(em, mapped.claims));
    addCounts(counts, await importExplanationsOfBenefit(em, eobs, bundle, payers));
    return counts;
  },
};
