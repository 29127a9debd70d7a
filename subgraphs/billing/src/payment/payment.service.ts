import { badInput, groupedBy, perRequest } from '@caregraph/platform';
import { LockMode } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { requireBillingWriter, type BillingWriter } from '../claim/billing-access';
import { Claim, ClaimStatus } from '../claim/claim.entity';
import type { BillingContext } from '../context';
import { payloadHash, writeOnce } from '../idempotency/idempotency';
import { formatMinorUnits } from '../money/money';
import { minorUnitsOf } from '../money/money-input';
import { Payer } from '../payer/payer.entity';
import { Payment, PaymentAllocation, PaymentSource } from './payment.entity';
import type { RecordPaymentInput } from './payment.inputs';

/** A payment request as checked without the database: what is stored, and what its idempotency hash covers. */
interface PaymentRequest {
  source: PaymentSource;
  payerId: string | null;
  patientId: string | null;
  amountMinorUnits: bigint;
  currency: string;
  receivedAt: Date;
  reference: string | null;
  /** In claim id order: the order they were sent in does not change the payment. */
  allocations: { claimId: string; amountMinorUnits: bigint; field: string }[];
}

/** A payment as applied to one claim (Claim.payments). */
export interface AppliedPayment {
  payment: Payment;
  amountMinorUnits: bigint;
}

/**
 * The payer or the patient named for the source (and only for it), positive amounts in one
 * currency, each claim once, allocations summing to the amount, received not in the future.
 */
function checkPaymentInput(input: RecordPaymentInput, now: Date): PaymentRequest {
  const fromPayer = input.source === PaymentSource.PAYER;
  if (fromPayer && !input.payerId) throw badInput('payerId', 'payerId is required for a payment from a payer');
  if (!fromPayer && !input.patientId) throw badInput('patientId', 'patientId is required for a payment from a patient');
  if (fromPayer && input.patientId) throw badInput('patientId', 'patientId is only for payments from a patient');
  if (!fromPayer && input.payerId) throw badInput('payerId', 'payerId is only for payments from a payer');
  if (input.receivedAt.getTime() > now.getTime()) throw badInput('receivedAt', 'receivedAt must not be in the future');
  const amount = minorUnitsOf(input.amount, 'amount', { positive: true });
  const sameCurrencyAs = { currency: amount.currency, of: 'the payment' };
  const seen = new Set<string>();
  const allocations = input.allocations.map((allocation, index) => {
    const field = `allocations[${index}]`;
    const claimId = allocation.claimId.toLowerCase();
    if (seen.has(claimId)) throw badInput(`${field}.claimId`, `${field}.claimId repeats an earlier allocation's claim`);
    seen.add(claimId);
    return { claimId, amountMinorUnits: minorUnitsOf(allocation.amount, `${field}.amount`, { positive: true, sameCurrencyAs }).minorUnits, field };
  });
  const allocated = allocations.reduce((total, allocation) => total + allocation.amountMinorUnits, 0n);
  if (allocated !== amount.minorUnits) {
    throw badInput('amount.amount', `amount.amount must equal the sum of the allocations (${formatMinorUnits(allocated, amount.currency)} ${amount.currency})`);
  }
  return {
    source: input.source,
    payerId: input.payerId?.toLowerCase() ?? null,
    patientId: input.patientId?.toLowerCase() ?? null,
    amountMinorUnits: amount.minorUnits,
    currency: amount.currency,
    receivedAt: input.receivedAt,
    reference: input.reference?.trim() || null,
    allocations: allocations.sort((a, b) => a.claimId.localeCompare(b.claimId)),
  };
}

/**
 * One allocation against its locked claim: same currency, ADJUDICATED (what each side owes is
 * known only then, so nobody prepays into a credit the ledger could not hold), billed to the
 * paying payer or about the paying patient, and at most what that side still owes.
 */
function checkAllocation(claim: Claim, allocation: PaymentRequest['allocations'][number], request: PaymentRequest): void {
  const { field } = allocation;
  if (claim.currency !== request.currency) throw badInput(`${field}.amount.currency`, `${field}.amount.currency must be ${claim.currency}, the currency of the claim`);
  if (claim.status !== ClaimStatus.ADJUDICATED) throw badInput(`${field}.claimId`, `Payments apply to ADJUDICATED claims; this one is ${claim.status.toUpperCase()}`);
  const fromPayer = request.source === PaymentSource.PAYER;
  if (fromPayer && claim.payerId !== request.payerId) throw badInput(`${field}.claimId`, `${field}.claimId is billed to another payer`);
  if (!fromPayer && claim.patientId !== request.patientId) throw badInput(`${field}.claimId`, `${field}.claimId is another patient's claim`);
  const owed = fromPayer ? claim.payerOutstandingMinorUnits : claim.patientOutstandingMinorUnits;
  if (allocation.amountMinorUnits > owed) {
    throw badInput(`${field}.amount`, `${field}.amount is more than the ${request.source} still owes on the claim (${formatMinorUnits(owed, request.currency)} ${request.currency})`);
  }
}

/** Payments: recorded by billing writers against their organization's claims, read with the claims they pay. */
export class PaymentService {
  static of(ctx: BillingContext): PaymentService {
    return perRequest(ctx, PaymentService, () => new PaymentService(ctx));
  }

  private constructor(private readonly ctx: BillingContext) {}

  /** A payment's allocations, one query per tick. Reached only through a payment the caller recorded: no check of its own. */
  readonly allocations = new DataLoader<string, PaymentAllocation[]>(async (paymentIds) =>
    groupedBy(paymentIds, await this.ctx.em.find(PaymentAllocation, { paymentId: { $in: [...paymentIds] } }, { orderBy: { claimId: 'asc' } }), (row) => row.paymentId));

  /** The payments applied to each claim, oldest first (two queries per tick). Reached through a claim the caller may see: no check of its own. */
  readonly appliedToClaim = new DataLoader<string, AppliedPayment[]>((claimIds) => this.appliedTo(claimIds));

  private async appliedTo(claimIds: readonly string[]): Promise<AppliedPayment[][]> {
    const allocations = await this.ctx.em.find(PaymentAllocation, { claimId: { $in: [...new Set(claimIds)] } });
    const payments = new Map((await this.ctx.em.find(Payment, { id: { $in: [...new Set(allocations.map((row) => row.paymentId))] } })).map((row) => [row.id, row]));
    const applied = allocations
      .map((row) => ({ claimId: row.claimId, payment: payments.get(row.paymentId)!, amountMinorUnits: row.amountMinorUnits }))
      .sort((a, b) => a.payment.receivedAt.getTime() - b.payment.receivedAt.getTime() || a.payment.id.localeCompare(b.payment.id));
    return groupedBy(claimIds, applied, (row) => row.claimId);
  }

  /**
   * Records a payment and applies it to claims: the payment, its allocations and each claim's
   * payer_paid / patient_paid raised, with one audit row per patient, in one transaction with
   * the claims locked (in id order, so two payments on the same claims cannot deadlock) and
   * checked as they are then. Idempotent under `idempotencyKey` like submitClaim.
   */
  async record(input: RecordPaymentInput): Promise<{ payment: Payment; replayed: boolean }> {
    const writer = requireBillingWriter(this.ctx.principal, 'u', 'record payments');
    const request = checkPaymentInput(input, new Date());
    const key = input.idempotencyKey ?? null;
    const hash = payloadHash({ ...request, allocations: request.allocations.map(({ claimId, amountMinorUnits }) => ({ claimId, amountMinorUnits })) });
    const { record, replayed } = await writeOnce({
      key,
      hash,
      constraint: 'payment_idempotency_key',
      stored: async () => {
        const payment = await this.ctx.em.fork().findOne(Payment, { organizationId: writer.organizationId, idempotencyKey: input.idempotencyKey });
        return payment && { payloadHash: payment.payloadHash ?? null, record: payment };
      },
      write: () => this.insert(request, writer, key ? { key, hash } : null),
    });
    return { payment: record, replayed };
  }

  private async insert(request: PaymentRequest, writer: BillingWriter, idempotency: { key: string; hash: string } | null): Promise<Payment> {
    if (request.payerId && !(await this.ctx.em.count(Payer, { id: request.payerId }))) throw badInput('payerId', 'payerId must be a known payer');
    const claims = await this.ctx.claims.writableByIds(request.allocations.map((allocation) => allocation.claimId), writer, (index) => `${request.allocations[index].field}.claimId`);
    const patientIds = [...new Set(claims.map((claim) => claim.patientId))];

    return this.ctx.em.fork().transactional(async (em) => {
      const locked = new Map((await em.find(Claim, { id: { $in: claims.map((claim) => claim.id) } }, {
        lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true,
      })).map((claim) => [claim.id, claim]));
      for (const allocation of request.allocations) checkAllocation(locked.get(allocation.claimId)!, allocation, request);

      const { allocations, ...stored } = request;
      const payment = em.create(Payment, {
        ...stored,
        organizationId: writer.organizationId,
        idempotencyKey: idempotency?.key ?? null,
        payloadHash: idempotency?.hash ?? null,
        recordedBy: `${writer.actor.kind}:${writer.actor.id}`,
      });
      await em.flush(); // the payment row first: allocations point at it
      for (const allocation of allocations) {
        em.create(PaymentAllocation, { paymentId: payment.id, claimId: allocation.claimId, amountMinorUnits: allocation.amountMinorUnits });
        const claim = locked.get(allocation.claimId)!;
        if (request.source === PaymentSource.PAYER) claim.payerPaidMinorUnits += allocation.amountMinorUnits;
        else claim.patientPaidMinorUnits += allocation.amountMinorUnits;
      }
      await em.flush();
      for (const patientId of patientIds) {
        const claimIds = allocations.filter((allocation) => locked.get(allocation.claimId)!.patientId === patientId).map((allocation) => allocation.claimId);
        await this.ctx.access.recordWrite(em, patientId, 'billing', 'PaymentReconciliation', { operation: 'payment', paymentId: payment.id, source: request.source, claimIds });
      }
      return payment;
    });
  }
}
