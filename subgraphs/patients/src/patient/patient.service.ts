import {
  badInput, escapeLike, findByIds, findPage, notFound, orderByIds, requireStaff, searchTerms, toConnection,
  type Coding, type CodingInput, type Connection, type IdentifierInput, type RequestContext, type Role,
} from '@caregraph/platform';
import { UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { accessiblePatients } from '../access/access-policy';
import { PatientRegistration } from '../registration/registration.entity';
import { nameTokens, namesFromInput, sortName } from '../shared/names';
import { syncCollection } from '../shared/collection-sync';
import { Patient } from './patient.entity';
import { PatientIdentifier, identifierKey } from './patient-identifier.entity';
import { PatientNameToken } from './patient-name-token.entity';
import type { CreatePatientInput, PatientsArgs, UpdatePatientInput } from './patient.inputs';
import { publishDemographics } from './demographics-events';
import { publishRegistrations } from '../registration/registration-events';

export interface IdentifierData {
  system: string;
  value: string;
  type?: string | null;
}

/**
 * Keeps a patient's identifier rows and name tokens in line with its data. The collections must
 * be initialized (new patient, or loaded with populate); the next flush writes only the difference.
 */
export function syncPatientRows(patient: Patient, identifiers: readonly IdentifierData[] | undefined): void {
  if (identifiers) {
    syncCollection(
      patient.identifierRows,
      identifiers,
      identifierKey,
      identifierKey,
      (item) => Object.assign(new PatientIdentifier(), { patient, system: item.system, value: item.value, type: item.type ?? null }),
      (row, item) => {
        if ((row.type ?? null) !== (item.type ?? null)) row.type = item.type ?? null;
      },
    );
  }
  patient.sortName = sortName(patient.names);
  syncCollection(
    patient.nameTokens,
    nameTokens(patient.names),
    (row) => row.token,
    (token) => token,
    (token) => Object.assign(new PatientNameToken(), { patient, token }),
  );
}

const toCoding = (input: CodingInput | null | undefined): Coding | null =>
  input ? { system: input.system ?? null, code: input.code, display: input.display ?? null } : null;

/** Staff who create patients and change their demographics (at an organization where the patient is registered). */
export const PATIENT_EDITORS: readonly Role[] = ['physician', 'nurse', 'org_admin'];

const EMPTY_PAGE: Connection<Patient> = { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };

/** A medical record number for a patient registered without one: CG- and 10 base32 characters. */
function generatedMrn(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return `CG-${[...randomBytes(10)].map((byte) => alphabet[byte % alphabet.length]).join('')}`;
}

/** Patients: demographics shared by every organization that treats them. */
export class PatientService {
  constructor(private readonly ctx: RequestContext) {}

  /** Patients by id, in id order; those the caller may not see are null, like ids that do not exist. */
  async visibleByIds(ids: readonly string[]): Promise<(Patient | null)[]> {
    // the policy decides while the rows load (nothing leaves before `visible` has its answer)
    const deciding = Promise.allSettled(ids.map((id) => this.ctx.access.decision(id, 'demographics')));
    const rows = orderByIds(ids, await findByIds(this.ctx.em, Patient, ids, {}, { readOnly: true }));
    await deciding;
    return this.ctx.access.visible(rows, 'demographics', 'Patient', (patient) => patient.id);
  }

  async identifiersOf(patientIds: readonly string[]): Promise<PatientIdentifier[]> {
    return this.ctx.em.find(PatientIdentifier, { patient: { $in: [...patientIds] } }, { orderBy: { system: 'asc', value: 'asc' } });
  }

  /**
   * One keyset page ordered by (sort_name, id). Every filter is a condition the database answers
   * with an index: name words via `id in (select patient_id from patient_name_token where token
   * like 'w%')` (one per word), identifier via (system, value), organization via registrations.
   */
  async list(args: PatientsArgs, includeCount: boolean): Promise<Connection<Patient>> {
    // only patients the caller may see: the access policy as a condition the database answers
    const accessible = accessiblePatients(this.ctx.principal, 'demographics');
    if (!accessible) return EMPTY_PAGE;
    const and: FilterQuery<Patient>[] = [accessible];
    for (const term of searchTerms(args.name ?? '')) {
      and.push({ nameTokens: { $some: { token: { $like: `${escapeLike(term)}%` } } } });
    }
    if (args.birthDate) and.push({ birthDate: args.birthDate });
    if (args.identifier) and.push({ identifierRows: { $some: { system: args.identifier.system, value: args.identifier.value } } });
    if (args.organizationId) and.push({ registrationRows: { $some: { organization: args.organizationId } } });
    const page = await findPage(this.ctx.em, Patient, and.length ? { $and: and } : {}, {
      first: args.first,
      after: args.after,
      orderBy: { sortName: 'asc', id: 'asc' },
      includeCount,
    });
    const connection = toConnection(page, (row) => row as Patient);
    // confirmed patient by patient (and audited, with break-glass flagged) like any other read
    const visible = await this.ctx.access.visible(connection.edges.map((edge) => edge.node), 'demographics', 'Patient', (patient) => patient.id);
    return { ...connection, edges: connection.edges.filter((_edge, index) => visible[index]) };
  }

  /** A new patient, registered at the caller's organization (so they can see it) in the same transaction. */
  async create(input: CreatePatientInput): Promise<Patient> {
    const staff = requireStaff(this.ctx.principal, PATIENT_EDITORS, 'create patients');
    const names = namesFromInput(input.names);
    const identifiers = checkIdentifiers(input.identifiers);
    const deceasedAt = input.deceasedAt ?? null;
    if (input.deceased === false && deceasedAt) throw badInput('deceasedAt', 'deceasedAt requires deceased to be true');
    checkDeathAfterBirth(input.birthDate ?? null, deceasedAt);
    try {
      return await this.ctx.em.transactional(async (em) => {
        const patient = em.create(Patient, {
          names,
          sortName: sortName(names),
          birthDate: input.birthDate ?? null,
          gender: input.gender,
          telecom: input.telecom,
          addresses: input.addresses,
          language: input.language ?? null,
          maritalStatus: toCoding(input.maritalStatus),
          deceased: Boolean(input.deceased) || deceasedAt !== null,
          deceasedAt,
        });
        syncPatientRows(patient, identifiers);
        em.create(PatientRegistration, { patient, organization: staff.organizationId, mrn: input.mrn?.trim() ?? generatedMrn(), registeredAt: new Date() });
        await em.flush(); // patient, identifiers, tokens and registration together, with the audit row
        await this.ctx.access.recordWrite(em, patient.id, 'demographics', 'Patient', { operation: 'create' });
        await publishDemographics(em, [patient.id]); // other services learn it with the same commit
        await publishRegistrations(em, [patient.id]);
        return patient;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw badInput('mrn', 'This MRN is already used at your organization');
      throw error;
    }
  }

  async update(input: UpdatePatientInput): Promise<Patient> {
    // staff of an organization where the patient is registered; hidden patients answer NOT_FOUND
    await this.ctx.access.requireWrite(input.id, 'demographics', 'Patient', 'id',
      (decision) => decision.basis === 'registration' && PATIENT_EDITORS.includes((this.ctx.principal as { role?: Role }).role as Role));
    const patient = await this.ctx.em.findOne(Patient, { id: input.id }, { populate: ['identifierRows', 'nameTokens'], strategy: 'select-in' });
    if (!patient) throw notFound('Patient', 'id');
    const identifiers = input.identifiers ? checkIdentifiers(input.identifiers) : undefined;
    if (input.names) patient.names = namesFromInput(input.names);
    if (input.birthDate !== undefined) patient.birthDate = input.birthDate;
    if (input.gender) patient.gender = input.gender;
    if (input.telecom) patient.telecom = input.telecom;
    if (input.addresses) patient.addresses = input.addresses;
    if (input.language !== undefined) patient.language = input.language;
    if (input.maritalStatus !== undefined) patient.maritalStatus = toCoding(input.maritalStatus);
    if (input.active !== undefined && input.active !== null) patient.active = input.active;
    if (input.deceased === false) {
      if (input.deceasedAt) throw badInput('deceasedAt', 'deceasedAt requires deceased to be true');
      patient.deceased = false;
      patient.deceasedAt = null;
    } else {
      if (input.deceased === true) patient.deceased = true;
      if (input.deceasedAt !== undefined) patient.deceasedAt = input.deceasedAt;
      if (patient.deceasedAt) patient.deceased = true;
    }
    checkDeathAfterBirth(patient.birthDate ?? null, patient.deceasedAt ?? null);
    syncPatientRows(patient, identifiers);
    patient.updatedAt = new Date(); // also when only identifier rows changed
    await this.ctx.em.transactional(async (em) => {
      await em.flush();
      await this.ctx.access.recordWrite(em, patient.id, 'demographics', 'Patient', { operation: 'update' });
      await publishDemographics(em, [patient.id]);
    });
    return patient;
  }
}

/** Identifiers from input: no (system, value) twice. */
function checkIdentifiers(identifiers: readonly IdentifierInput[]): IdentifierData[] {
  const seen = new Set<string>();
  return identifiers.map((identifier, index) => {
    const item = { system: identifier.system.trim(), value: identifier.value.trim(), type: identifier.type ?? null };
    if (!item.system) throw badInput(`identifiers[${index}].system`, 'system must not be blank');
    if (!item.value) throw badInput(`identifiers[${index}].value`, 'value must not be blank');
    if (seen.has(identifierKey(item))) throw badInput(`identifiers[${index}]`, 'The same identifier is listed twice');
    seen.add(identifierKey(item));
    return item;
  });
}

function checkDeathAfterBirth(birthDate: string | null, deceasedAt: Date | null): void {
  // compared on calendar dates: a death on the day of birth is valid whatever the time zone
  if (birthDate && deceasedAt && deceasedAt.toISOString().slice(0, 10) < birthDate) {
    throw badInput('deceasedAt', 'deceasedAt must not be before birthDate');
  }
}
