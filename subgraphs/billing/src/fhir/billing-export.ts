import { compactFhir, fhirReference, type Coding, type EverythingPartSource, type FhirResource } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type {
  ClaimInsurance, CodeableConcept, Claim as FhirClaim, Coverage as FhirCoverage, ExplanationOfBenefit as FhirEob, ExplanationOfBenefitInsurance,
  ExplanationOfBenefitItemAdjudication, Money as FhirMoney, Organization, Reference,
} from '@medplum/fhirtypes';
import { ExplanationOfBenefit } from '../adjudication/explanation-of-benefit.entity';
import { ClaimTransition } from '../claim/claim-transition.entity';
import { Claim, ClaimStatus } from '../claim/claim.entity';
import type { BillingContext } from '../context';
import { Coverage } from '../coverage/coverage.entity';
import { formatMinorUnits } from '../money/money';
import { Payer, PayerKind } from '../payer/payer.entity';
import { Payment } from '../payment/payment.entity';
import { CLAIM_OUTCOME_EXTENSION, eobPaymentId, MEMBER_LIABILITY } from './explanation-of-benefit-import';

/*
 * The billing part of a patient's `$everything`: their coverages, claims and explanations of
 * benefit as FHIR R4, written so that the billing importer stores them back as the same rows
 * (payers, coverages, claims, transitions, EOBs, payments and allocations; see
 * test/fhir-export.test.ts). Payers are billing's own records, keyed by name: every payer
 * reference names it by `display`, which is what the import reads first.
 */

const CLAIM_TYPE = 'http://terminology.hl7.org/CodeSystem/claim-type';
const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';
/** CARIN Blue Button's adjudication discriminator: `denialreason` carries a reason and no amount. */
const ADJUDICATION_DISCRIMINATOR = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator';
const SUBSCRIBER_RELATIONSHIP = 'http://terminology.hl7.org/CodeSystem/subscriber-relationship';
const COVERAGE_CLASS = 'http://terminology.hl7.org/CodeSystem/coverage-class';
const IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const SELF_PAY = 'http://terminology.hl7.org/CodeSystem/coverage-selfpay';

const fhirCoding = (coding: Coding) => compactFhir({ system: coding.system ?? undefined, code: coding.code, display: coding.display ?? undefined });
const fhirConcept = (coding: Coding): CodeableConcept => ({ coding: [fhirCoding(coding)], text: coding.display ?? undefined });
const fhirDateTime = (date: Date | null | undefined): string | undefined => date?.toISOString();

/**
 * Minor units as FHIR Money. The value is a JSON number whose shortest text is the decimal itself
 * (12345 USD → 123.45), which the import reads as text: exact for amounts of up to 15 significant
 * digits (below 10^13 USD), beyond any amount billed.
 */
const fhirMoney = (minorUnits: bigint | number, currency: string): FhirMoney =>
  ({ value: Number(formatMinorUnits(minorUnits, currency)), currency: currency as FhirMoney['currency'] });

/** A payer as the import finds it again: by name (payerNamed reads `display` before any reference). */
const payerDisplay = (payer: Payer | undefined): Reference<Organization> | undefined => (payer ? { display: payer.name } : undefined);
/** A reference to the claim's coverage, naming its payer too (for an export of claims without their coverages, `_type`). */
const coverageReference = (billed: BilledCoverage): Reference<FhirCoverage> =>
  ({ ...fhirReference('Coverage', billed.coverage.id)!, ...(billed.payer ? { display: billed.payer.name } : {}) });

/** Our row as a FHIR Coverage; self-pay names the patient as payor, as FHIR has it. */
export function coverageToFhir(row: Coverage, payer: Payer): FhirCoverage {
  const selfPay = payer.kind === PayerKind.SELF_PAY;
  return {
    resourceType: 'Coverage',
    id: row.id,
    meta: { lastUpdated: row.updatedAt.toISOString() },
    identifier: row.memberId ? [{ type: { coding: [{ system: IDENTIFIER_TYPE, code: 'MB' }] }, value: row.memberId }] : undefined,
    status: row.status,
    type: selfPay ? { coding: [{ system: SELF_PAY, code: 'pay' }] } : undefined,
    subscriberId: row.subscriberId ?? undefined,
    beneficiary: fhirReference('Patient', row.patientId)!,
    relationship: { coding: [{ system: SUBSCRIBER_RELATIONSHIP, code: row.relationship }] },
    period: { start: fhirDateTime(row.periodStart), end: fhirDateTime(row.periodEnd) },
    payor: [selfPay ? { reference: `Patient/${row.patientId}`, display: payer.name } : payerDisplay(payer)!],
    order: row.benefitOrder,
    // we keep one plan text: FHIR requires the class value, and the import reads the name first
    class: row.planName ? [{ type: { coding: [{ system: COVERAGE_CLASS, code: 'plan' }] }, value: row.planName, name: row.planName }] : undefined,
  };
}

/**
 * FHIR Claim.status of our lifecycle: the import reads active as submitted (an adjudicated claim
 * becomes adjudicated again through its EOB), cancelled as closed. A claim closed after its
 * adjudication (it keeps the outcome) stays active: as cancelled, its EOB could not adjudicate it again.
 */
function claimStatus(row: Claim): FhirClaim['status'] {
  if (row.status === ClaimStatus.DRAFT) return 'draft';
  if (row.status === ClaimStatus.CLOSED && !row.outcome) return 'cancelled';
  return 'active';
}

/** The claim's coverage (the focal insurance) and that coverage's payer. */
interface BilledCoverage {
  coverage: Coverage;
  payer: Payer | undefined;
}

/** caregraph does not prioritise claims: every one is processed as `normal` (FHIR requires Claim.priority). */
const NORMAL_PRIORITY = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] };

/** Our row as a FHIR Claim: what claimData and mapClaims read back into the same row. */
export function claimToFhir(row: Claim, billed: BilledCoverage | undefined): FhirClaim {
  const claim: FhirClaim = {
    resourceType: 'Claim',
    id: row.id,
    meta: { lastUpdated: row.updatedAt.toISOString() },
    status: claimStatus(row),
    type: { coding: [{ system: CLAIM_TYPE, code: row.typeCode }] },
    use: 'claim',
    patient: fhirReference('Patient', row.patientId)!,
    priority: NORMAL_PRIORITY,
    billablePeriod: { start: fhirDateTime(row.billablePeriodStart), end: fhirDateTime(row.billablePeriodEnd) },
    created: row.createdAt.toISOString(),
    insurer: payerDisplay(billed?.payer),
    provider: fhirReference('Organization', row.providerOrganizationId)!,
    // FHIR's diagnosis[x] is one of the two: the Condition when we have it
    diagnosis: row.diagnoses.map((diagnosis) => ({
      sequence: diagnosis.sequence,
      diagnosisReference: fhirReference('Condition', diagnosis.conditionId),
      diagnosisCodeableConcept: !diagnosis.conditionId && diagnosis.code ? fhirConcept(diagnosis.code) : undefined,
    })),
    // required by FHIR, but a claim billed to no one has none (compactFhir leaves it out)
    insurance: (billed ? [{ sequence: billed.coverage.benefitOrder, focal: true, coverage: coverageReference(billed) }] : undefined) as ClaimInsurance[],
    item: row.items.map((item) => ({
      sequence: item.sequence,
      productOrService: fhirConcept(item.productOrService),
      encounter: item.encounterId ? [fhirReference('Encounter', item.encounterId)!] : undefined,
      quantity: item.quantity != null ? { value: item.quantity } : undefined,
      unitPrice: item.unitPrice ? fhirMoney(item.unitPrice.minorUnits, item.unitPrice.currency) : undefined,
      net: item.net ? fhirMoney(item.net.minorUnits, item.net.currency) : undefined,
    })),
    total: row.totalMinorUnits != null && row.currency ? fhirMoney(row.totalMinorUnits, row.currency) : undefined,
  };
  return claim;
}

/** What an EOB is exported with besides its row. */
export interface ExplanationContext {
  claim: Claim;
  payer: Payer | undefined;
  billed: BilledCoverage | undefined;
  /** The payer's Payment the import recorded for it (none when it paid nothing). */
  payment: Payment | undefined;
}

const adjudicationCategory = (code: string): CodeableConcept => ({ coding: [{ system: ADJUDICATION, code }] });
const MEMBER_LIABILITY_CATEGORY: CodeableConcept = { coding: [{ ...MEMBER_LIABILITY }] };
const denialReason = (reason: Coding): ExplanationOfBenefitItemAdjudication =>
  ({ category: { coding: [{ system: ADJUDICATION_DISCRIMINATOR, code: 'denialreason' }] }, reason: { coding: [fhirCoding(reason)] } });

/**
 * Our row as a FHIR ExplanationOfBenefit: every line with its stored amounts (submitted,
 * eligible, benefit, member liability) and denial reason, the stored totals, our outcome
 * (CLAIM_OUTCOME_EXTENSION) and the payment. Lines are whole cents while the totals and outcome
 * were decided on the sub-cent amounts Synthea writes, so totals and outcome are stated, not left
 * to be summed again (adjudicationOf takes stated ones at their word).
 */
export function explanationOfBenefitToFhir(row: ExplanationOfBenefit, { claim, payer, billed, payment }: ExplanationContext): FhirEob {
  const money = (minorUnits: bigint | number) => fhirMoney(minorUnits, row.currency);
  const productOf = new Map(claim.items.map((item) => [item.sequence, item.productOrService]));
  const amount = (category: CodeableConcept, minorUnits: bigint | number): ExplanationOfBenefitItemAdjudication => ({ category, amount: money(minorUnits) });
  return {
    resourceType: 'ExplanationOfBenefit',
    id: row.id,
    // the EOB has no updated_at: it is written with its claim (import and adjudication alike)
    meta: { lastUpdated: claim.updatedAt.toISOString() },
    extension: [{ url: CLAIM_OUTCOME_EXTENSION, valueCode: row.outcome }],
    status: 'active',
    type: { coding: [{ system: CLAIM_TYPE, code: claim.typeCode }] },
    use: 'claim',
    patient: fhirReference('Patient', row.patientId)!,
    created: row.createdAt.toISOString(),
    // required by FHIR: left out only when we know no payer (nor coverage) for the claim
    insurer: payerDisplay(payer)!,
    provider: fhirReference('Organization', row.providerOrganizationId)!,
    claim: fhirReference('Claim', row.claimId)!,
    outcome: 'complete',
    insurance: (billed ? [{ focal: true, coverage: coverageReference(billed) }] : undefined) as ExplanationOfBenefitInsurance[],
    item: row.lines.map((line) => {
      const product = productOf.get(line.sequence);
      return {
        sequence: line.sequence,
        // a line of no claim item (the import does not insist) has nothing to name: left out
        productOrService: (product ? fhirConcept(product) : undefined) as CodeableConcept,
        adjudication: [
          amount(adjudicationCategory('submitted'), line.submittedMinorUnits),
          amount(adjudicationCategory('eligible'), line.allowedMinorUnits),
          amount(adjudicationCategory('benefit'), line.payerAmountMinorUnits),
          amount(MEMBER_LIABILITY_CATEGORY, line.patientResponsibilityMinorUnits),
          ...(line.denialReason ? [denialReason(line.denialReason)] : []),
        ],
      };
    }),
    // the claim's denial reason, read when no denied line states one
    adjudication: claim.denialReasonCode ? [denialReason({ code: claim.denialReasonCode, display: claim.denialReasonDisplay })] : undefined,
    total: [
      { category: adjudicationCategory('submitted'), amount: money(row.submittedMinorUnits) },
      { category: adjudicationCategory('eligible'), amount: money(row.allowedMinorUnits) },
      { category: adjudicationCategory('benefit'), amount: money(row.payerAmountMinorUnits) },
      { category: MEMBER_LIABILITY_CATEGORY, amount: money(row.patientResponsibilityMinorUnits) },
    ],
    payment: {
      amount: money(row.payerAmountMinorUnits),
      // FHIR's payment date is a date: written only when the money came on another instant than the adjudication (the import's default)
      date: payment && payment.receivedAt.getTime() !== row.createdAt.getTime() ? payment.receivedAt.toISOString().slice(0, 10) : undefined,
    },
  };
}

/**
 * When each claim was recorded, and adjudicated, as claim_transition ids. Exported in that order,
 * a re-import records the transitions in the same order, so they get the same (identity) ids when
 * the export is imported into an empty database.
 */
async function recordingOrder(em: EntityManager, claimIds: readonly string[]): Promise<{ recorded: Map<string, bigint>; adjudicated: Map<string, bigint> }> {
  const recorded = new Map<string, bigint>();
  const adjudicated = new Map<string, bigint>();
  if (!claimIds.length) return { recorded, adjudicated };
  const transitions = await em.find(ClaimTransition, { claimId: { $in: [...claimIds] } },
    { fields: ['claimId', 'fromStatus', 'toStatus'], orderBy: { id: 'asc' }, disableIdentityMap: true });
  for (const transition of transitions) {
    const id = BigInt(transition.id);
    if (transition.fromStatus == null && !recorded.has(transition.claimId)) recorded.set(transition.claimId, id);
    if (transition.toStatus === ClaimStatus.ADJUDICATED && !adjudicated.has(transition.claimId)) adjudicated.set(transition.claimId, id);
  }
  return { recorded, adjudicated };
}

/** Sorts by the transition id of each row (rows without one last), then by id. */
const inOrderOf = <T extends { id: string }>(rows: T[], key: (row: T) => bigint | undefined): T[] =>
  rows.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    if (x !== y) return x === undefined ? 1 : y === undefined ? -1 : x < y ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });

/**
 * The billing part of GET /fhir/Patient/{id}/$everything: the patient's coverages, claims and
 * EOBs (one query each on their patient_id index; then their payers, payments and transitions by
 * id), changed since `since` when given (an EOB with its claim). Coverages and claims are read
 * whatever the types asked: a claim names its coverage's payer, an EOB its claim's lines and type.
 */
export const billingEverything: EverythingPartSource<BillingContext> = {
  category: 'billing',
  resourceTypes: ['Coverage', 'Claim', 'ExplanationOfBenefit'],
  async read(ctx, { patientId, types, since }) {
    const em = ctx.em.fork();
    const changed = (updatedAt: Date) => !since || updatedAt >= since;
    const options = { disableIdentityMap: true } as const;
    const coverages = await em.find(Coverage, { patientId }, { ...options, orderBy: { benefitOrder: 'asc', id: 'asc' } });
    const claims = types.has('Claim') || types.has('ExplanationOfBenefit') ? await em.find(Claim, { patientId }, options) : [];
    const eobs = types.has('ExplanationOfBenefit') ? await em.find(ExplanationOfBenefit, { patientId }, options) : [];
    const payerIds = [...new Set([...coverages, ...claims, ...eobs].flatMap((row) => row.payerId ?? []))];
    const payers = new Map((payerIds.length ? await em.find(Payer, { id: { $in: payerIds } }, options) : []).map((payer) => [payer.id, payer]));
    const payments = new Map((eobs.length ? await em.find(Payment, { id: { $in: eobs.map((eob) => eobPaymentId(eob.id)) } }, options) : []).map((payment) => [payment.id, payment]));
    const { recorded, adjudicated } = await recordingOrder(em, claims.map((claim) => claim.id));

    const coverageById = new Map(coverages.map((coverage) => [coverage.id, coverage]));
    const claimById = new Map(claims.map((claim) => [claim.id, claim]));
    const billedOf = (claim: Claim): BilledCoverage | undefined => {
      const coverage = claim.coverageId ? coverageById.get(claim.coverageId) : undefined;
      return coverage && { coverage, payer: payers.get(coverage.payerId) };
    };

    const resources: FhirResource[] = [];
    if (types.has('Coverage')) {
      resources.push(...coverages.filter((row) => changed(row.updatedAt)).map((row) => coverageToFhir(row, payers.get(row.payerId)!)));
    }
    if (types.has('Claim')) {
      resources.push(...inOrderOf(claims.filter((row) => changed(row.updatedAt)), (row) => recorded.get(row.id))
        .map((row) => claimToFhir(row, billedOf(row))));
    }
    resources.push(...inOrderOf(eobs.filter((row) => changed(claimById.get(row.claimId)!.updatedAt)), (row) => adjudicated.get(row.claimId)).map((row) => {
      const claim = claimById.get(row.claimId)!;
      return explanationOfBenefitToFhir(row, {
        claim, payer: row.payerId ? payers.get(row.payerId) : undefined, billed: billedOf(claim), payment: payments.get(eobPaymentId(row.id)),
      });
    }));
    return resources.map(compactFhir);
  },
};
