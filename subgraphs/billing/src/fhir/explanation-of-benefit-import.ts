import { badInput, fhirInstant, firstCodingOf, resourceId, tally, type BundleView, type Coding, type IngestCounts } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Coverage as FhirCoverage, ExplanationOfBenefit as FhirEob, ExplanationOfBenefitItemAdjudication, Money as FhirMoney } from '@medplum/fhirtypes';
import { ExplanationOfBenefit, type StoredAdjudicationLine } from '../adjudication/explanation-of-benefit.entity';
import { ClaimTransition } from '../claim/claim-transition.entity';
import { Claim, ClaimOutcome, ClaimStatus } from '../claim/claim.entity';
import type { PayerName, PayerRecord } from '../payer/payer-directory';
import { Payment, PaymentAllocation, PaymentSource } from '../payment/payment.entity';
import { IMPORT_ACTOR } from './claim-import';
import { checkedCurrency, exactAmount, exactFromMinorUnits, roundToMinorUnits, type ExactAmount } from './exact-amount';
import { payerOfReference, storedPayer } from './payer-import';

/*
 * An imported ExplanationOfBenefit adjudicates its claim: the claim becomes adjudicated with the
 * totals below, the EOB is stored with its lines, and a non-zero EOB.payment becomes the payer's
 * Payment applied to the claim (so the payer owes nothing more on it).
 *
 * Lines: the adjudication categories of FHIR (submitted, eligible, benefit, copay, deductible) or
 * of CMS Blue Button, which Synthea writes (line_sbmtd_chrg_amt, line_alowd_chrg_amt,
 * line_prvdr_pmt_amt, line_coinsrnc_amt, line_bene_ptb_ddctbl_amt), and CARIN Blue Button's
 * memberliability (the whole patient share, as our export writes it); a line's denial reason is the
 * `reason` of any of its adjudications (CARC codes). A line is denied when it has a reason, or
 * was allowed nothing of what was billed. Lines the EOB does not adjudicate (Synthea's encounter
 * line) are not covered: billed to the patient as priced.
 *
 * Claim totals: submitted S = EOB.total 'submitted' (it must equal Claim.total); not covered
 * U = S - the adjudicated lines' submitted; allowed = the lines' allowed + U; payer amount =
 * EOB.payment.amount (else the lines' payer amounts); patient responsibility = the lines'
 * deductible, copay and coinsurance + U. Sums are exact, rounded half up to the minor unit once.
 * An EOB that states its allowed (EOB.total 'eligible') or patient responsibility (EOB.total
 * 'memberliability') total is taken at its word, as for the submitted total: our export states
 * them, since its lines are whole cents and their sum can miss the total by rounding.
 *
 * Outcome: `paid` when the payer paid its whole share (payment >= the sum of the lines' payer
 * amounts) and no line was denied, Synthea's zero payments on claims with no covered line
 * included (the patient's share is all of it); `denied` when the payer paid nothing and a line
 * was denied; `partially-paid` otherwise (paid less than its share, or denied some lines).
 * The claim's denial reason is the first denied line's, else a header-level adjudication's.
 * An EOB stating our outcome (CLAIM_OUTCOME_EXTENSION, our export) keeps it.
 */

type Meaning = 'submitted' | 'allowed' | 'payer' | 'patient' | 'liability';
const MEANING: Record<string, Meaning> = {
  submitted: 'submitted', line_sbmtd_chrg_amt: 'submitted',
  eligible: 'allowed', line_alowd_chrg_amt: 'allowed',
  benefit: 'payer', line_prvdr_pmt_amt: 'payer',
  copay: 'patient', deductible: 'patient', coinsurance: 'patient', line_coinsrnc_amt: 'patient', line_bene_ptb_ddctbl_amt: 'patient',
  // CARIN Blue Button's whole patient share (copay, deductible and coinsurance are parts of it, not added to it)
  memberliability: 'liability',
};
/** The patient responsibility category (CARIN Blue Button): what our export writes for a line's and the claim's patient share. */
export const MEMBER_LIABILITY = { system: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication', code: 'memberliability' } as const;

/**
 * Our outcome (paid, partially-paid, denied) as our export states it: FHIR has no element for it,
 * and recomputing it from lines stored in whole cents can differ by a cent from the sub-cent
 * amounts it was decided on. An EOB that states it is taken at its word.
 */
export const CLAIM_OUTCOME_EXTENSION = 'https://caregraph.dev/fhir/StructureDefinition/claim-outcome';
const OUTCOMES = new Set<string>(Object.values(ClaimOutcome));

/** The outcome an EOB states through CLAIM_OUTCOME_EXTENSION, if it does. */
function statedOutcomeOf(resource: FhirEob): ClaimOutcome | undefined {
  const code = resource.extension?.find((extension) => extension.url === CLAIM_OUTCOME_EXTENSION)?.valueCode;
  if (code !== undefined && !OUTCOMES.has(code)) throw badInput('ExplanationOfBenefit.extension', 'the claim-outcome extension must be paid, partially-paid or denied');
  return code as ClaimOutcome | undefined;
}
/** A category code, Blue Button's being whole URLs (…/variables/line_coinsrnc_amt). */
const categoryOf = (adjudication: ExplanationOfBenefitItemAdjudication) => firstCodingOf(adjudication.category)?.code?.split('/').pop() ?? '';

interface LineAmounts {
  sequence: number;
  adjudicated: boolean;
  submitted: ExactAmount | null;
  allowed: ExactAmount;
  payer: ExactAmount;
  patient: ExactAmount;
  reason: Coding | null;
  denied: boolean;
}

const sum = (amounts: readonly ExactAmount[]) => amounts.reduce((total, amount) => total + amount, 0n);

function amountIn(money: FhirMoney | undefined, currency: string, field: string): ExactAmount {
  if (checkedCurrency(money?.currency, field) !== currency) throw badInput(`${field}.currency`, `${field}.currency differs from the claim's`);
  return exactAmount(money!.value, field);
}

function lineOf(adjudications: readonly ExplanationOfBenefitItemAdjudication[], sequence: number, currency: string, field: string): LineAmounts {
  const amounts: Record<Meaning, ExactAmount[]> = { submitted: [], allowed: [], payer: [], patient: [], liability: [] };
  let reason: Coding | null = null;
  adjudications.forEach((adjudication, index) => {
    reason ??= firstCodingOf(adjudication.reason);
    const meaning = MEANING[categoryOf(adjudication)];
    if (meaning && adjudication.amount) amounts[meaning].push(amountIn(adjudication.amount, currency, `${field}.adjudication[${index}].amount`));
  });
  const adjudicated = Object.values(amounts).some((list) => list.length > 0) || reason !== null;
  const payer = sum(amounts.payer);
  const patient = amounts.liability.length ? sum(amounts.liability) : sum(amounts.patient);
  const submitted = amounts.submitted.length ? sum(amounts.submitted) : null;
  const allowed = amounts.allowed.length ? sum(amounts.allowed) : payer + patient;
  return { sequence, adjudicated, submitted, allowed, payer, patient, reason, denied: reason !== null || (adjudicated && allowed === 0n && (submitted ?? 0n) > 0n) };
}

/** What one EOB decides about its claim, in minor units of the claim's currency. */
export interface Adjudication {
  currency: string;
  submitted: bigint;
  allowed: bigint;
  payerAmount: bigint;
  patientResponsibility: bigint;
  outcome: ClaimOutcome;
  denialReason: Coding | null;
  lines: StoredAdjudicationLine[];
}

/** The adjudication an EOB states for `claim` (see the comment at the top). */
export function adjudicationOf(resource: FhirEob, claim: Claim): Adjudication {
  const currency = claim.currency ?? checkedCurrency(resource.payment?.amount?.currency ?? resource.total?.[0]?.amount?.currency, 'ExplanationOfBenefit.payment.amount');
  const minor = (amount: ExactAmount, field: string) => roundToMinorUnits(amount, currency, field);
  const netOf = new Map(claim.items.map((item) => [item.sequence, item.net ? exactFromMinorUnits(BigInt(item.net.minorUnits), currency) : null]));

  const lines = (resource.item ?? []).map((item, index) =>
    lineOf(item.adjudication ?? [], item.sequence, currency, `ExplanationOfBenefit.item[${index}]`));
  const adjudicated = lines.filter((line) => line.adjudicated);
  /** A total the EOB states (EOB.total of that category) in minor units, null when it states none: a stated total wins over its lines' sum. */
  const statedTotal = (category: string): bigint | null => {
    const index = resource.total?.findIndex((total) => categoryOf(total) === category) ?? -1;
    if (index < 0) return null;
    const field = `ExplanationOfBenefit.total[${index}].amount`;
    return minor(amountIn(resource.total![index].amount, currency, field), field);
  };
  const submitted = statedTotal('submitted')
    ?? (claim.totalMinorUnits ?? minor(sum(lines.map((line) => line.submitted ?? netOf.get(line.sequence) ?? 0n)), 'ExplanationOfBenefit.item'));
  if (claim.totalMinorUnits != null && submitted !== claim.totalMinorUnits) {
    throw badInput('ExplanationOfBenefit.total', 'ExplanationOfBenefit.total (submitted) differs from the total of the claim it adjudicates');
  }
  const adjudicatedSubmitted = minor(sum(adjudicated.map((line) => line.submitted ?? netOf.get(line.sequence) ?? line.allowed)), 'ExplanationOfBenefit.item');
  const notCovered = submitted - adjudicatedSubmitted;
  if (notCovered < 0n) throw badInput('ExplanationOfBenefit.item', 'ExplanationOfBenefit.item adjudicates more than the claim submitted');

  const payerShare = minor(sum(lines.map((line) => line.payer)), 'ExplanationOfBenefit.item');
  const payerAmount = resource.payment?.amount
    ? minor(amountIn(resource.payment.amount, currency, 'ExplanationOfBenefit.payment.amount'), 'ExplanationOfBenefit.payment.amount')
    : payerShare;
  const deniedLine = lines.find((line) => line.denied);
  const outcome = statedOutcomeOf(resource)
    ?? (payerAmount >= payerShare && !deniedLine ? ClaimOutcome.PAID
    : payerAmount === 0n && deniedLine ? ClaimOutcome.DENIED
    : ClaimOutcome.PARTIALLY_PAID);

  // the part no line prices (Synthea's encounter charge) is shown on the first unpriced line the EOB leaves unadjudicated
  let unpriced = notCovered - minor(sum(lines.filter((line) => !line.adjudicated).map((line) => netOf.get(line.sequence) ?? 0n)), 'ExplanationOfBenefit.item');
  const stored = lines.map((line): StoredAdjudicationLine => {
    if (line.adjudicated) {
      return {
        sequence: line.sequence,
        submittedMinorUnits: Number(minor(line.submitted ?? netOf.get(line.sequence) ?? line.allowed, 'ExplanationOfBenefit.item')),
        allowedMinorUnits: Number(minor(line.allowed, 'ExplanationOfBenefit.item')),
        payerAmountMinorUnits: Number(minor(line.payer, 'ExplanationOfBenefit.item')),
        patientResponsibilityMinorUnits: Number(minor(line.patient, 'ExplanationOfBenefit.item')),
        denialReason: line.reason,
      };
    }
    const net = netOf.get(line.sequence);
    let billed = net != null ? minor(net, 'ExplanationOfBenefit.item') : 0n;
    if (net == null && unpriced > 0n) [billed, unpriced] = [unpriced, 0n];
    const units = Number(billed);
    return { sequence: line.sequence, submittedMinorUnits: units, allowedMinorUnits: units, payerAmountMinorUnits: 0, patientResponsibilityMinorUnits: units, denialReason: null };
  });

  return {
    currency,
    submitted,
    allowed: statedTotal('eligible') ?? minor(sum(adjudicated.map((line) => line.allowed)), 'ExplanationOfBenefit.item') + notCovered,
    payerAmount,
    patientResponsibility: statedTotal(MEMBER_LIABILITY.code) ?? minor(sum(adjudicated.map((line) => line.patient)), 'ExplanationOfBenefit.item') + notCovered,
    outcome,
    denialReason: deniedLine?.reason ?? lineOf(resource.adjudication ?? [], 0, currency, 'ExplanationOfBenefit').reason,
    lines: stored,
  };
}

/** The payer an EOB names: its insurer, else the payor of the coverage it was billed to (Synthea contains it). */
export function eobPayerName(resource: FhirEob, bundle: BundleView): PayerName | undefined {
  const insurer = payerOfReference(resource.insurer, bundle, 'ExplanationOfBenefit.insurer');
  if (insurer) return insurer;
  const insurance = resource.insurance?.find((entry) => entry.focal) ?? resource.insurance?.[0];
  const reference = insurance?.coverage?.reference;
  const coverage = reference?.startsWith('#')
    ? resource.contained?.find((contained) => contained.resourceType === 'Coverage' && `#${contained.id}` === reference)
    : bundle.byId.get(bundle.resolve(reference) ?? '');
  return (coverage?.resourceType === 'Coverage' ? payerOfReference((coverage as FhirCoverage).payor?.[0], bundle, 'ExplanationOfBenefit.insurance.coverage') : undefined)
    ?? payerOfReference(insurance?.coverage, bundle, 'ExplanationOfBenefit.insurance.coverage');
}

/** The payer's Payment for an EOB: derived from the EOB's id, so a re-import finds it again. */
export const eobPaymentId = (eobId: string): string => resourceId('Payment', `ExplanationOfBenefit/${eobId}`);

const AWAITING_ADJUDICATION = new Set([ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED]);

/**
 * Adjudicates the claims of the bundle's EOBs (see the top of this file). Claims must be stored
 * (this bundle's were flushed before). Re-importing updates every row in place: the EOB, the
 * payment and its allocation keep their ids and the claim's payer_paid moves by the difference.
 */
export async function importExplanationsOfBenefit(
  em: EntityManager,
  resources: readonly FhirEob[],
  bundle: BundleView,
  payers: ReadonlyMap<string, PayerRecord>,
): Promise<IngestCounts> {
  const counts: IngestCounts = {};
  if (!resources.length) return counts;
  const ids = resources.map((resource) => {
    if (!resource.id) throw badInput('ExplanationOfBenefit.id', 'ExplanationOfBenefit.id is required');
    return resourceId('ExplanationOfBenefit', resource.id);
  });
  const claimIds = resources.map((resource) => {
    const claimId = bundle.resolve(resource.claim?.reference);
    if (!claimId) throw badInput('ExplanationOfBenefit.claim', 'ExplanationOfBenefit.claim must reference the claim it adjudicates');
    return claimId;
  });
  const paymentIds = ids.map(eobPaymentId);
  // one after the other: the transaction has one connection
  const claims = await em.find(Claim, { id: { $in: [...new Set(claimIds)] } });
  const eobs = await em.find(ExplanationOfBenefit, { id: { $in: ids } });
  const payments = await em.find(Payment, { id: { $in: paymentIds } });
  const allocations = await em.find(PaymentAllocation, { paymentId: { $in: paymentIds } });
  const claimById = new Map(claims.map((row) => [row.id, row]));
  const eobById = new Map(eobs.map((row) => [row.id, row]));
  const paymentById = new Map(payments.map((row) => [row.id, row]));
  const allocationOf = new Map(allocations.map((row) => [row.paymentId, row]));
  const newAllocations: { paymentId: string; claimId: string; amountMinorUnits: bigint }[] = [];
  const transitions: { claimId: string; fromStatus: ClaimStatus; at: Date; reason: string }[] = [];

  resources.forEach((resource, index) => {
    const id = ids[index];
    const claim = claimById.get(claimIds[index]);
    if (!claim) throw badInput('ExplanationOfBenefit.claim', 'ExplanationOfBenefit.claim references a claim that was never imported');
    if (bundle.resolve(resource.patient?.reference) !== claim.patientId) {
      throw badInput('ExplanationOfBenefit.patient', "ExplanationOfBenefit.patient must be the claim's patient");
    }
    if (resource.status !== 'active') throw badInput('ExplanationOfBenefit.status', 'only active ExplanationOfBenefit resources can be imported');
    if (resource.outcome !== 'complete' && resource.outcome !== 'partial') {
      throw badInput('ExplanationOfBenefit.outcome', 'ExplanationOfBenefit.outcome must be complete or partial: the claim is adjudicated');
    }
    const existing = eobById.get(id);
    if (!existing && !AWAITING_ADJUDICATION.has(claim.status)) {
      throw badInput('ExplanationOfBenefit.claim', `the claim it adjudicates is ${claim.status}, not awaiting adjudication`);
    }
    const createdAt = fhirInstant(resource.created, 'ExplanationOfBenefit.created');
    if (!createdAt) throw badInput('ExplanationOfBenefit.created', 'ExplanationOfBenefit.created is required');
    const adjudication = adjudicationOf(resource, claim);
    const payerName = eobPayerName(resource, bundle);
    const payerId = payerName ? storedPayer(payers, payerName).id : (claim.payerId ?? null);

    const row = {
      claimId: claim.id, patientId: claim.patientId, providerOrganizationId: claim.providerOrganizationId, payerId,
      outcome: adjudication.outcome, createdAt, currency: adjudication.currency,
      submittedMinorUnits: adjudication.submitted, allowedMinorUnits: adjudication.allowed,
      payerAmountMinorUnits: adjudication.payerAmount, patientResponsibilityMinorUnits: adjudication.patientResponsibility,
      lines: adjudication.lines,
    };
    if (existing) em.assign(existing, row);
    else em.create(ExplanationOfBenefit, { id, ...row });
    tally(counts, 'ExplanationOfBenefit', !existing);

    // a closed claim keeps what closing it decided; only its EOB's record is refreshed
    if (claim.status === ClaimStatus.CLOSED) return;
    if (claim.status !== ClaimStatus.ADJUDICATED) {
      transitions.push({ claimId: claim.id, fromStatus: claim.status, at: createdAt, reason: `imported from FHIR ExplanationOfBenefit: ${adjudication.outcome}` });
    }
    const paymentId = paymentIds[index];
    const previouslyPaid = allocationOf.get(paymentId)?.amountMinorUnits ?? 0n;
    em.assign(claim, {
      status: ClaimStatus.ADJUDICATED,
      outcome: adjudication.outcome,
      payerId,
      adjudicatedAt: createdAt,
      allowedMinorUnits: adjudication.allowed,
      payerAmountMinorUnits: adjudication.payerAmount,
      patientResponsibilityMinorUnits: adjudication.patientResponsibility,
      denialReasonCode: adjudication.denialReason?.code ?? null,
      denialReasonDisplay: adjudication.denialReason?.display ?? null,
      payerPaidMinorUnits: claim.payerPaidMinorUnits - previouslyPaid + adjudication.payerAmount,
      ...(claim.totalMinorUnits == null ? { totalMinorUnits: adjudication.submitted, currency: adjudication.currency } : {}),
    });

    const payment = paymentById.get(paymentId);
    if (adjudication.payerAmount === 0n) {
      if (payment) em.remove(payment); // the allocation goes with it (on delete cascade)
      return;
    }
    if (!payerId) throw badInput('ExplanationOfBenefit.insurer', 'ExplanationOfBenefit.insurer must name the payer that paid');
    const paid = {
      source: PaymentSource.PAYER, payerId, organizationId: claim.providerOrganizationId,
      amountMinorUnits: adjudication.payerAmount, currency: adjudication.currency,
      receivedAt: fhirInstant(resource.payment?.date, 'ExplanationOfBenefit.payment.date') ?? createdAt,
      reference: `ExplanationOfBenefit/${resource.id}`, recordedBy: `system:${IMPORT_ACTOR.actorId}`,
    };
    if (payment) em.assign(payment, paid);
    else em.create(Payment, { id: paymentId, ...paid });
    tally(counts, 'Payment', !payment);
    const allocation = allocationOf.get(paymentId);
    if (allocation) allocation.amountMinorUnits = adjudication.payerAmount;
    else newAllocations.push({ paymentId, claimId: claim.id, amountMinorUnits: adjudication.payerAmount });
  });

  // in the order of the foreign keys: the ORM knows no relation between these entities
  await em.flush();
  for (const transition of transitions) em.create(ClaimTransition, { ...transition, toStatus: ClaimStatus.ADJUDICATED, ...IMPORT_ACTOR });
  for (const allocation of newAllocations) em.create(PaymentAllocation, allocation);
  await em.flush();
  return counts;
}
