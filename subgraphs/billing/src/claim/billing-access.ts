import {
  findPage, forbidden, isStaff, scopesAllow, toConnection, type Connection, type PageArgs, type Principal, type RequestContext, type SmartAction,
} from '@caregraph/platform';
import type { ClassType } from 'type-graphql';
import { validate as isUuid } from 'uuid';

/**
 * Who may see and change billing records, on top of the patient access policy (ctx.access).
 *
 * A claim, its explanation of benefit and its payments are the business records of the provider
 * organization that bills: its billing staff and its partner apps (with a read scope naming the
 * record type, e.g. system/Claim.read, system/ExplanationOfBenefit.read) see them, and the patient
 * they are about does; nobody else, clinicians included. The per-patient policy still applies
 * (registration or a billing consent at the caller's organization, checked on every request), so
 * a revoked consent or an ended registration hides the organization's claims too. A consent does
 * not open another organization's claims: it opens the patient, not someone else's books.
 */

/** What a caller reads billing records as: the patient themself, or an organization. */
export type BillingReader = { patientId: string; organizationId?: never } | { organizationId: string; patientId?: never };

/** The billing record types reads are decided for (the SMART resource type a partner app's scope must name). */
export type BillingRecordType = 'Claim' | 'ExplanationOfBenefit' | 'Coverage';

/** A record of one patient billed by one organization. */
export interface BillingRecord {
  patientId: string;
  providerOrganizationId: string;
}

export function billingReader(principal: Principal, recordType: BillingRecordType): BillingReader | null {
  if (principal.kind === 'user' && principal.role === 'patient') return principal.patientId ? { patientId: principal.patientId.toLowerCase() } : null;
  if (isStaff(principal, ['billing'])) return { organizationId: principal.organizationId.toLowerCase() };
  if (principal.kind === 'client' && principal.organizationId && scopesAllow(principal.scopes, recordType, 'r')) return { organizationId: principal.organizationId.toLowerCase() };
  return null;
}

export function readerMaySee(reader: BillingReader | null, record: BillingRecord): boolean {
  if (!reader) return false;
  return reader.patientId ? record.patientId.toLowerCase() === reader.patientId : record.providerOrganizationId.toLowerCase() === reader.organizationId;
}

/**
 * Records loaded by id: null where the caller may not see them (organization rule, then the
 * patient policy), exactly like ids that do not exist. Reads and refusals are audited.
 */
export async function visibleBillingRecords<T extends BillingRecord>(ctx: RequestContext, records: readonly (T | null)[], recordType: BillingRecordType): Promise<(T | null)[]> {
  const reader = billingReader(ctx.principal, recordType);
  const theirs = records.map((record) => {
    if (!record || readerMaySee(reader, record)) return record;
    ctx.access.audit.noteDenied(record.patientId.toLowerCase(), recordType);
    return null;
  });
  return ctx.access.visible(theirs, 'billing', recordType, (record) => record.patientId);
}

/**
 * One page of a patient's billing records of `entity` (matching `filter`), newest first: all of
 * them for the patient, those the caller's organization billed for staff and partner apps; null
 * when the caller may not see the patient's records of `recordType`. Reads and refusals are audited.
 */
export async function billingRecordsOfPatient<T extends BillingRecord & { id: string; createdAt: Date }>(
  ctx: RequestContext,
  entity: ClassType<T>,
  recordType: BillingRecordType,
  patientId: string,
  filter: Partial<Record<keyof T, unknown>>,
  page: PageArgs & { includeCount: boolean },
): Promise<Connection<T> | null> {
  if (!isUuid(patientId)) return null;
  const id = patientId.toLowerCase();
  const reader = billingReader(ctx.principal, recordType);
  if (!reader) {
    ctx.access.audit.noteDenied(id, recordType);
    return null;
  }
  if (!(await ctx.access.check(id, 'billing', recordType))) return null;
  const where = { ...filter, patientId: id, ...(reader.organizationId && { providerOrganizationId: reader.organizationId }) };
  // (patient_id, created_at desc, id) indexes serve this order
  const rows = await findPage(ctx.em, entity, where, { first: page.first, after: page.after, orderBy: { createdAt: 'desc', id: 'asc' }, includeCount: page.includeCount });
  if (rows.items.length) ctx.access.noteRead(id, 'billing', recordType, rows.items.length);
  return toConnection(rows);
}

/** Who a claim transition or a payment is recorded as having been made by. */
export interface BillingActor {
  kind: 'user' | 'client';
  id: string;
}

/** A caller allowed to write billing records of their organization. */
export interface BillingWriter {
  organizationId: string;
  actor: BillingActor;
}

/**
 * Billing staff of an organization, or a partner app of one whose scopes allow `action` on
 * Claim (create: system/Claim.c; every later change of a claim, adjudication and payments
 * included: system/Claim.u; v1 system/Claim.write covers both); FORBIDDEN for everyone else
 * (patients, clinicians, admins).
 */
export function requireBillingWriter(principal: Principal, action: Extract<SmartAction, 'c' | 'u'>, what: string): BillingWriter {
  if (isStaff(principal, ['billing'])) return { organizationId: principal.organizationId.toLowerCase(), actor: { kind: 'user', id: principal.userId } };
  if (principal.kind === 'client' && principal.organizationId && scopesAllow(principal.scopes, 'Claim', action)) {
    return { organizationId: principal.organizationId.toLowerCase(), actor: { kind: 'client', id: principal.clientId } };
  }
  throw forbidden(`Only billing staff, or a partner app allowed to ${action === 'c' ? 'create' : 'update'} claims (system/Claim.${action}), may ${what}`);
}
