import { badInput, notFound, perRequest } from '@caregraph/platform';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { BillingContext } from '../context';
import { Coverage, CoverageStatus } from '../coverage/coverage.entity';
import { payloadHash, writeOnce } from '../idempotency/idempotency';
import { formatMinorUnits } from '../money/money';
import { minorUnitsOf } from '../money/money-input';
import { requireBillingWriter, type BillingWriter } from './billing-access';
import { moveClaim } from './claim-lifecycle';
import { Claim, ClaimStatus, type ClaimDiagnosis, type StoredClaimItem } from './claim.entity';
import type { ClaimDiagnosisInput, ClaimInput, ClaimItemInput, SubmitClaimInput, TransitionClaimInput } from './claim-write.inputs';

/** Diagnosis code systems a claim accepts, and the shape of their codes. */
const DIAGNOSIS_SYSTEMS: Record<string, { name: string; code: RegExp }> = {
  'http://hl7.org/fhir/sid/icd-10-cm': { name: 'ICD-10-CM', code: /^[A-TV-Z]\d[0-9A-Z](?:\.?[0-9A-Z]{1,4})?$/ },
  'http://snomed.info/sct': { name: 'SNOMED CT', code: /^\d{6,18}$/ },
};

/** A positive quantity with at most 4 decimals, up to a million. */
const QUANTITY = /^(\d{1,7})(?:\.(\d{1,4}))?$/;
const MAX_QUANTITY_UNITS = 1_000_000n;

/** A claim as checked and normalized from its input: what is stored, and what its idempotency hash covers. */
export interface ClaimData {
  patientId: string;
  encounterId: string | null;
  coverageId: string | null;
  typeCode: string;
  billablePeriodStart: Date;
  billablePeriodEnd: Date | null;
  diagnoses: ClaimDiagnosis[];
  items: StoredClaimItem[];
  totalMinorUnits: bigint;
  currency: string;
}

/** A decimal quantity as an integer and its power-of-ten scale ("2.5" → 25 / 10). */
function parseQuantity(text: string | null | undefined, field: string): { units: bigint; scale: bigint } {
  if (text == null) return { units: 1n, scale: 1n };
  const match = QUANTITY.exec(text);
  const units = match ? BigInt(match[1] + (match[2] ?? '')) : 0n;
  const scale = 10n ** BigInt(match?.[2]?.length ?? 0);
  if (!match || units === 0n || units > MAX_QUANTITY_UNITS * scale) {
    throw badInput(field, `${field} must be a positive decimal string up to 1000000 with at most 4 decimals, e.g. "1" or "2.5"`);
  }
  return { units, scale };
}

function checkDiagnosis(diagnosis: ClaimDiagnosisInput, field: string): ClaimDiagnosis {
  if ((diagnosis.code == null) === (diagnosis.conditionId == null)) throw badInput(`${field}.code`, `${field} needs a code or a conditionId, not both`);
  if (diagnosis.conditionId) return { sequence: diagnosis.sequence, code: null, conditionId: diagnosis.conditionId.toLowerCase() };
  const code = diagnosis.code!;
  const system = DIAGNOSIS_SYSTEMS[code.system ?? ''];
  if (!system) throw badInput(`${field}.code.system`, `${field}.code.system must be ${Object.keys(DIAGNOSIS_SYSTEMS).join(' or ')}`);
  if (!system.code.test(code.code)) throw badInput(`${field}.code.code`, `${field}.code.code is not a ${system.name} code`);
  return { sequence: diagnosis.sequence, code: { system: code.system, code: code.code, display: code.display ?? null }, conditionId: null };
}

function checkItem(item: ClaimItemInput, field: string, currency: string, encounterId: string | null): StoredClaimItem {
  if (!item.productOrService.system) throw badInput(`${field}.productOrService.system`, `${field}.productOrService.system is required`);
  const sameCurrencyAs = { currency, of: 'the claim total' };
  const quantity = parseQuantity(item.quantity, `${field}.quantity`);
  const net = minorUnitsOf(item.net, `${field}.net`, { sameCurrencyAs }).minorUnits;
  const unitPrice = item.unitPrice ? minorUnitsOf(item.unitPrice, `${field}.unitPrice`, { sameCurrencyAs }).minorUnits : null;
  // quantity × unitPrice, rounded half up to the minor unit
  if (unitPrice != null && net !== (quantity.units * unitPrice * 2n + quantity.scale) / (2n * quantity.scale)) {
    throw badInput(`${field}.net.amount`, `${field}.net.amount must be quantity × unitPrice`);
  }
  return {
    sequence: item.sequence,
    productOrService: { system: item.productOrService.system, code: item.productOrService.code, display: item.productOrService.display ?? null },
    quantity: item.quantity == null ? null : Number(quantity.units) / Number(quantity.scale),
    unitPrice: unitPrice == null ? null : { minorUnits: Number(unitPrice), currency },
    net: { minorUnits: Number(net), currency },
    encounterId,
  };
}

/** Names the first repeated sequence (`${list}[i].sequence`). */
function requireUniqueSequences(entries: readonly { sequence: number }[], list: string): void {
  const seen = new Set<number>();
  entries.forEach((entry, index) => {
    if (seen.has(entry.sequence)) throw badInput(`${list}[${index}].sequence`, `${list}[${index}].sequence repeats an earlier one`);
    seen.add(entry.sequence);
  });
}

/**
 * A claim input checked without the database: the period (not starting in the future, not ending
 * before it starts), diagnoses, lines (each net = quantity × unitPrice, all in the total's
 * currency, none negative) and a positive total equal to the sum of the lines. BAD_USER_INPUT
 * naming `${prefix}<field>`, never the value.
 */
export function checkClaimInput(input: ClaimInput, prefix: string, now: Date): ClaimData {
  const { start, end } = input.billablePeriod;
  if (start.getTime() > now.getTime()) throw badInput(`${prefix}billablePeriod.start`, `${prefix}billablePeriod.start must not be in the future`);
  if (end && end.getTime() < start.getTime()) throw badInput(`${prefix}billablePeriod.end`, `${prefix}billablePeriod.end must not be before its start`);
  const total = minorUnitsOf(input.total, `${prefix}total`, { positive: true });
  const encounterId = input.encounterId?.toLowerCase() ?? null;

  const diagnosisInputs = input.diagnoses ?? [];
  requireUniqueSequences(diagnosisInputs, `${prefix}diagnoses`);
  const diagnoses = diagnosisInputs.map((diagnosis, index) => checkDiagnosis(diagnosis, `${prefix}diagnoses[${index}]`)).sort((a, b) => a.sequence - b.sequence);
  requireUniqueSequences(input.items, `${prefix}items`);
  const items = input.items.map((item, index) => checkItem(item, `${prefix}items[${index}]`, total.currency, encounterId)).sort((a, b) => a.sequence - b.sequence);
  const sum = items.reduce((acc, item) => acc + BigInt(item.net!.minorUnits), 0n);
  if (sum !== total.minorUnits) {
    throw badInput(`${prefix}total.amount`, `${prefix}total.amount must equal the sum of the lines' net (${formatMinorUnits(sum, total.currency)} ${total.currency})`);
  }
  return {
    patientId: input.patientId.toLowerCase(),
    encounterId,
    coverageId: input.coverageId?.toLowerCase() ?? null,
    typeCode: input.typeCode,
    billablePeriodStart: start,
    billablePeriodEnd: end ?? null,
    diagnoses,
    items,
    totalMinorUnits: total.minorUnits,
    currency: total.currency,
  };
}

/** The payer of the coverage billed: the coverage must be the patient's, active, and cover the service start. */
async function payerOfCoverage(em: EntityManager, data: ClaimData, field: string): Promise<string | null> {
  if (!data.coverageId) return null;
  const coverage = await em.findOne(Coverage, { id: data.coverageId, patientId: data.patientId });
  // someone else's coverage answers like an unknown one
  if (!coverage) throw badInput(field, `${field} must be a coverage of the patient`);
  if (coverage.status !== CoverageStatus.ACTIVE) throw badInput(field, `${field} is not an active coverage`);
  const start = data.billablePeriodStart.getTime();
  if ((coverage.periodStart && start < coverage.periodStart.getTime()) || (coverage.periodEnd && start > coverage.periodEnd.getTime())) {
    throw badInput(field, `${field} does not cover the start of the billable period`);
  }
  return coverage.payerId;
}

/** What closing an adjudicated claim writes off, as its transition states it; null when nothing is owed. */
function writeOffNote(claim: Claim): string | null {
  const payer = claim.payerOutstandingMinorUnits;
  const patient = claim.patientOutstandingMinorUnits;
  const currency = claim.currency;
  if ((!payer && !patient) || !currency) return null;
  const format = (minor: bigint) => formatMinorUnits(minor, currency);
  return `wrote off ${format(payer + patient)} ${currency} still owed (payer ${format(payer)}, patient ${format(patient)})`;
}

/** Claims created, submitted (idempotently) and moved along their lifecycle by billing writers. */
export class ClaimWriteService {
  static of(ctx: BillingContext): ClaimWriteService {
    return perRequest(ctx, ClaimWriteService, () => new ClaimWriteService(ctx));
  }

  private constructor(private readonly ctx: BillingContext) {}

  /** A draft claim of the caller's organization, with its first transition and audit row. */
  async create(input: ClaimInput): Promise<Claim> {
    const writer = requireBillingWriter(this.ctx.principal, 'c', 'create claims');
    const now = new Date();
    const data = checkClaimInput(input, '', now);
    return this.reload(await this.insert(data, writer, { status: ClaimStatus.DRAFT, now, prefix: '', key: null, hash: null }));
  }

  /**
   * A claim created and submitted in one step. The idempotency hash covers the claim as
   * normalized (checked without the database first), so a retry of the same claim replays even
   * if its text differs ("12.5" vs "12.50", lines reordered).
   */
  async submit(input: SubmitClaimInput): Promise<{ claim: Claim; replayed: boolean }> {
    const writer = requireBillingWriter(this.ctx.principal, 'c', 'submit claims');
    const now = new Date();
    const data = checkClaimInput(input.claim, 'claim.', now);
    const hash = payloadHash(data);
    const { record, replayed } = await writeOnce({
      key: input.idempotencyKey,
      hash,
      constraint: 'claim_idempotency_key',
      stored: async () => {
        const claim = await this.ctx.em.fork().findOne(Claim, { providerOrganizationId: writer.organizationId, idempotencyKey: input.idempotencyKey });
        return claim && { payloadHash: claim.payloadHash ?? null, record: claim.id };
      },
      write: () => this.insert(data, writer, { status: ClaimStatus.SUBMITTED, now, prefix: 'claim.', key: input.idempotencyKey, hash }),
    });
    if (!replayed) return { claim: await this.reload(record), replayed };
    // a replay reads the claim as it is now: through the same visibility as any read
    const [claim] = await this.ctx.claims.visibleByIds([record]);
    if (!claim) throw notFound('Claim', 'idempotencyKey');
    return { claim, replayed };
  }

  /**
   * Moves a claim along its lifecycle (claim-lifecycle.ts). The row is locked while checked and
   * changed: of two moves at once, the second sees the status the first left and is judged on it.
   */
  async transition(input: TransitionClaimInput): Promise<Claim> {
    const writer = requireBillingWriter(this.ctx.principal, 'u', 'move claims');
    const [claim] = await this.ctx.claims.writableByIds([input.claimId], writer, () => 'claimId');
    await this.ctx.em.fork().transactional(async (em) => {
      const locked = await em.findOneOrFail(Claim, { id: claim.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      const from = locked.status;
      const writeOff = from === ClaimStatus.ADJUDICATED && input.to === ClaimStatus.CLOSED ? writeOffNote(locked) : null;
      const reason = [input.reason?.trim(), writeOff].filter(Boolean).join('; ') || null;
      await moveClaim(em, locked, { to: input.to, via: 'transition', actor: writer.actor, at: new Date(), reason, field: 'to' });
      await this.ctx.access.recordWrite(em, locked.patientId, 'billing', 'Claim', { operation: 'transition', claimId: locked.id, from, to: input.to });
    });
    return this.reload(claim.id);
  }

  /** Inserts a checked claim of the writer's organization in `status`, with its transition and audit row, in one transaction; returns its id. */
  private async insert(data: ClaimData, writer: BillingWriter, options: { status: ClaimStatus; now: Date; prefix: string; key: string | null; hash: string | null }): Promise<string> {
    await this.ctx.access.requireWrite(data.patientId, 'billing', 'Claim', `${options.prefix}patientId`, () => true);
    return this.ctx.em.fork().transactional(async (em) => {
      const payerId = await payerOfCoverage(em, data, `${options.prefix}coverageId`);
      const claim = em.create(Claim, {
        ...data,
        payerId,
        providerOrganizationId: writer.organizationId,
        status: options.status,
        createdAt: options.now,
        idempotencyKey: options.key,
        payloadHash: options.hash,
      });
      await moveClaim(em, claim, { to: options.status, via: 'create', created: true, actor: writer.actor, at: options.now, field: `${options.prefix}patientId` });
      await this.ctx.access.recordWrite(em, data.patientId, 'billing', 'Claim', { operation: options.status === ClaimStatus.DRAFT ? 'create' : 'submit', claimId: claim.id });
      return claim.id;
    });
  }

  /** The claim as stored now (generated outstanding columns included), read by the writer who just changed it. */
  private async reload(id: string): Promise<Claim> {
    return this.ctx.em.fork().findOneOrFail(Claim, { id });
  }
}
