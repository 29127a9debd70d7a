import { badInput, perRequest, type Connection } from '@caregraph/platform';
import { LockMode } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { billingRecordsOfPatient, requireBillingWriter, visibleBillingRecords } from '../claim/billing-access';
import { allowedSources, moveClaim } from '../claim/claim-lifecycle';
import { Claim, ClaimOutcome, ClaimStatus } from '../claim/claim.entity';
import type { BillingContext } from '../context';
import { formatMinorUnits } from '../money/money';
import { minorUnitsOf } from '../money/money-input';
import type { AdjudicateClaimInput, AdjudicationLineInput, PatientExplanationsOfBenefitArgs } from './adjudication.inputs';
import { ExplanationOfBenefit, type StoredAdjudicationLine } from './explanation-of-benefit.entity';

/** A checked line with its amounts as bigints (stored as JSON integers). */
interface AdjudicatedLine {
  stored: StoredAdjudicationLine;
  net: bigint;
  allowed: bigint;
  payerAmount: bigint;
  patientResponsibility: bigint;
}

/**
 * One line as the payer decided it: a line of the claim that bills an amount, in the claim's
 * currency, allowed ≤ net, payerAmount + patientResponsibility = allowed exactly (what is not
 * allowed is the provider's contractual adjustment, owed by nobody). A denied line (allowed 0 on
 * a line that bills something) needs a denial reason; a line the payer pays in full has none.
 */
function checkLine(line: AdjudicationLineInput, field: string, claim: Claim): AdjudicatedLine {
  const item = claim.items.find((candidate) => candidate.sequence === line.sequence && candidate.net);
  if (!item) throw badInput(`${field}.sequence`, `${field}.sequence is not a line of the claim that bills an amount`);
  const sameCurrencyAs = { currency: claim.currency!, of: 'the claim' };
  const allowed = minorUnitsOf(line.allowed, `${field}.allowed`, { sameCurrencyAs }).minorUnits;
  const payerAmount = minorUnitsOf(line.payerAmount, `${field}.payerAmount`, { sameCurrencyAs }).minorUnits;
  const patientResponsibility = minorUnitsOf(line.patientResponsibility, `${field}.patientResponsibility`, { sameCurrencyAs }).minorUnits;
  const net = BigInt(item.net!.minorUnits);
  if (allowed > net) throw badInput(`${field}.allowed.amount`, `${field}.allowed.amount must not exceed the line's net (${formatMinorUnits(net, claim.currency!)})`);
  if (payerAmount + patientResponsibility !== allowed) {
    throw badInput(`${field}.patientResponsibility.amount`, `${field}: payerAmount + patientResponsibility must equal allowed`);
  }
  if (allowed === 0n && net > 0n && !line.denialReason) throw badInput(`${field}.denialReason`, `${field}.denialReason is required for a denied line (allowed 0)`);
  if (line.denialReason && payerAmount === net) throw badInput(`${field}.denialReason`, `${field}.denialReason is for a denied or reduced line; the payer pays this one in full`);
  const denialReason = line.denialReason ? { system: line.denialReason.system ?? null, code: line.denialReason.code, display: line.denialReason.display ?? null } : null;
  return {
    net, allowed, payerAmount, patientResponsibility,
    stored: {
      sequence: line.sequence,
      submittedMinorUnits: Number(net),
      allowedMinorUnits: Number(allowed),
      payerAmountMinorUnits: Number(payerAmount),
      patientResponsibilityMinorUnits: Number(patientResponsibility),
      denialReason,
    },
  };
}

/** Every line of the claim that bills an amount, each exactly once, in sequence order. */
function checkLines(input: AdjudicateClaimInput, claim: Claim): AdjudicatedLine[] {
  const lines = input.lines.map((line, index) => checkLine(line, `lines[${index}]`, claim));
  const seen = new Set<number>();
  lines.forEach((line, index) => {
    if (seen.has(line.stored.sequence)) throw badInput(`lines[${index}].sequence`, `lines[${index}].sequence is adjudicated twice`);
    seen.add(line.stored.sequence);
  });
  const missing = claim.items.filter((item) => item.net && !seen.has(item.sequence)).map((item) => item.sequence);
  if (missing.length) throw badInput('lines', `every line of the claim that bills an amount is adjudicated; missing sequence ${missing.join(', ')}`);
  return lines.sort((a, b) => a.stored.sequence - b.stored.sequence);
}

/**
 * The claim's outcome from its lines: DENIED when every line that bills something is denied
 * (allowed 0), PARTIALLY_PAID when some are, PAID when none is (a contractual reduction or a
 * patient share does not make a claim partially paid: the payer paid what it allows).
 */
export function outcomeOf(lines: readonly AdjudicatedLine[]): ClaimOutcome {
  const billed = lines.filter((line) => line.net > 0n);
  const denied = billed.filter((line) => line.allowed === 0n).length;
  if (billed.length && denied === billed.length) return ClaimOutcome.DENIED;
  return denied ? ClaimOutcome.PARTIALLY_PAID : ClaimOutcome.PAID;
}

const sum = (lines: readonly AdjudicatedLine[], amount: (line: AdjudicatedLine) => bigint) => lines.reduce((total, line) => total + amount(line), 0n);

/** Adjudication (explanations of benefit): recorded by billing writers, read by who may see the claim. */
export class AdjudicationService {
  static of(ctx: BillingContext): AdjudicationService {
    return perRequest(ctx, AdjudicationService, () => new AdjudicationService(ctx));
  }

  private constructor(private readonly ctx: BillingContext) {}

  /** The explanation of benefit of a claim (Claim.explanationOfBenefit), one query per tick: null where none, or hidden from the caller. */
  readonly byClaim = new DataLoader<string, ExplanationOfBenefit | null>((claimIds) => this.visibleByClaimIds(claimIds));

  private async visibleByClaimIds(claimIds: readonly string[]): Promise<(ExplanationOfBenefit | null)[]> {
    const rows = await this.ctx.em.find(ExplanationOfBenefit, { claimId: { $in: [...new Set(claimIds)] } });
    const byClaim = new Map(rows.map((row) => [row.claimId, row]));
    return visibleBillingRecords(this.ctx, claimIds.map((claimId) => byClaim.get(claimId) ?? null), 'ExplanationOfBenefit');
  }

  /** A patient's explanations of benefit, newest first; null when the caller may not see them. */
  listForPatient(patientId: string, args: PatientExplanationsOfBenefitArgs, includeCount: boolean): Promise<Connection<ExplanationOfBenefit> | null> {
    return billingRecordsOfPatient(this.ctx, ExplanationOfBenefit, 'ExplanationOfBenefit', patientId, {}, { ...args, includeCount });
  }

  /**
   * Records the payer's decision on a SUBMITTED or ACCEPTED claim (payers often skip the
   * acknowledgement): the explanation of benefit with its lines, and on the claim its outcome,
   * allowed / payer / patient totals, first denial reason, adjudicatedAt, status ADJUDICATED and
   * the transition, with the audit row, in one transaction on the locked claim.
   */
  async adjudicate(input: AdjudicateClaimInput): Promise<ExplanationOfBenefit> {
    const writer = requireBillingWriter(this.ctx.principal, 'u', 'record adjudications');
    const [claim] = await this.ctx.claims.writableByIds([input.claimId], writer, () => 'claimId');
    const now = new Date();
    const at = input.adjudicatedAt ?? now;
    if (at.getTime() > now.getTime()) throw badInput('adjudicatedAt', 'adjudicatedAt must not be in the future');

    return this.ctx.em.fork().transactional(async (em) => {
      const locked = await em.findOneOrFail(Claim, { id: claim.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      const sources = allowedSources(ClaimStatus.ADJUDICATED, 'adjudication');
      if (!sources.includes(locked.status)) {
        throw badInput('claimId', `Only ${sources.map((status) => status.toUpperCase()).join(' or ')} claims are adjudicated; this one is ${locked.status.toUpperCase()}`);
      }
      if (locked.totalMinorUnits == null || !locked.currency) throw badInput('claimId', 'The claim has no total to adjudicate');
      if (locked.submittedAt && at.getTime() < locked.submittedAt.getTime()) throw badInput('adjudicatedAt', 'adjudicatedAt must not be before the claim was submitted');

      const lines = checkLines(input, locked);
      const outcome = outcomeOf(lines);
      const allowed = sum(lines, (line) => line.allowed);
      const payerAmount = sum(lines, (line) => line.payerAmount);
      const patientResponsibility = sum(lines, (line) => line.patientResponsibility);
      // the claim's denial reason: the first denied line's, else the first reduced line's
      const reasoned = lines.filter((line) => line.stored.denialReason);
      const denialReason = (reasoned.find((line) => line.allowed === 0n) ?? reasoned[0])?.stored.denialReason ?? null;
      if (locked.payerPaidMinorUnits > payerAmount || locked.patientPaidMinorUnits > patientResponsibility) {
        throw badInput('lines', 'Payments already applied to the claim exceed what this adjudication leaves owed');
      }

      const explanation = em.create(ExplanationOfBenefit, {
        claimId: locked.id,
        patientId: locked.patientId,
        providerOrganizationId: locked.providerOrganizationId,
        payerId: locked.payerId ?? null,
        outcome,
        createdAt: at,
        currency: locked.currency,
        submittedMinorUnits: locked.totalMinorUnits,
        allowedMinorUnits: allowed,
        payerAmountMinorUnits: payerAmount,
        patientResponsibilityMinorUnits: patientResponsibility,
        lines: lines.map((line) => line.stored),
      });
      Object.assign(locked, {
        outcome,
        allowedMinorUnits: allowed,
        payerAmountMinorUnits: payerAmount,
        patientResponsibilityMinorUnits: patientResponsibility,
        denialReasonCode: denialReason?.code ?? null,
        denialReasonDisplay: denialReason?.display ?? null,
      });
      await moveClaim(em, locked, { to: ClaimStatus.ADJUDICATED, via: 'adjudication', actor: writer.actor, at, reason: `outcome ${outcome}`, field: 'claimId' });
      await this.ctx.access.recordWrite(em, locked.patientId, 'billing', 'ExplanationOfBenefit', {
        operation: 'adjudicate', claimId: locked.id, explanationOfBenefitId: explanation.id, outcome,
      });
      return explanation;
    });
  }
}
