import { CLINICIAN_ROLES, conflict, findReadOnly, forbidden, notFound, requireStaff, type RequestContext } from '@caregraph/platform';
import { PATIENT_EDITORS } from '../patient/patient.service';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';
import { publishAccessNarrowing } from '../access/access-narrowing-events';
import { PatientRegistration, RegistrationStatus } from './registration.entity';
import { publishRegistrations } from './registration-events';
import type { RegisterPatientInput, UpdateRegistrationInput } from './registration.inputs';

const duplicatePatient = () => conflict('The patient is already registered at this organization', { field: 'organizationId' });
const duplicateMrn = () => conflict('This MRN is already used at this organization', { field: 'mrn' });

/** Registrations: which organizations hold a record of a patient, under which local MRN. */
export class RegistrationService {
  constructor(private readonly ctx: RequestContext) {}

  async ofPatients(patientIds: readonly string[]): Promise<PatientRegistration[]> {
    return findReadOnly(this.ctx.em, PatientRegistration, { patient: { $in: [...patientIds] } }, { orderBy: { registeredAt: 'asc', id: 'asc' } });
  }

  /** Staff register a patient they may see at their own organization (e.g. one referred with consent). */
  async register(input: RegisterPatientInput): Promise<PatientRegistration> {
    const { em } = this.ctx;
    // clinicians, who may see a referred patient through consent; an admin sees registered patients only
    const staff = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'register patients seen elsewhere');
    if (input.organizationId.toLowerCase() !== staff.organizationId) throw forbidden('Patients are registered at your own organization only');
    await this.ctx.access.requireWrite(input.patientId, 'demographics', 'PatientRegistration', 'patientId', () => true);
    if (!(await em.findOne(Patient, { id: input.patientId }))) throw notFound('Patient', 'patientId');
    if (!(await em.findOne(Organization, { id: input.organizationId }))) throw notFound('Organization', 'organizationId');
    const mrn = input.mrn.trim();
    const existing = await em.find(PatientRegistration, {
      organization: input.organizationId,
      $or: [{ patient: input.patientId }, { mrn }],
    });
    if (existing.some((row) => row.patient.id === input.patientId)) throw duplicatePatient();
    if (existing.length) throw duplicateMrn();
    const registration = em.create(PatientRegistration, {
      patient: input.patientId,
      organization: input.organizationId,
      mrn,
      registeredAt: input.registeredAt ?? new Date(),
    });
    await this.flush(input.patientId);
    return registration;
  }

  async update(input: UpdateRegistrationInput): Promise<PatientRegistration> {
    const { em } = this.ctx;
    const staff = requireStaff(this.ctx.principal, PATIENT_EDITORS, 'change registrations');
    const registration = await em.findOne(PatientRegistration, { id: input.id });
    if (!registration) throw notFound('PatientRegistration', 'id');
    if (registration.organization.id !== staff.organizationId) {
      // another organization's registration: as unknown as the patient is to the caller, else not theirs to change
      const visible = await this.ctx.access.check(registration.patient.id, 'demographics', 'PatientRegistration');
      if (!visible) throw notFound('PatientRegistration', 'id');
      throw forbidden('Registrations are changed by their own organization');
    }
    await this.ctx.access.decision(registration.patient.id, 'demographics'); // known to the audit row below
    if (input.mrn) {
      const mrn = input.mrn.trim();
      const taken = await em.count(PatientRegistration, { organization: registration.organization.id, mrn, id: { $ne: registration.id } });
      if (taken) throw duplicateMrn();
      registration.mrn = mrn;
    }
    const ended = registration.status === RegistrationStatus.ACTIVE && input.status != null && input.status !== RegistrationStatus.ACTIVE;
    if (input.status) registration.status = input.status;
    await this.flush(registration.patient.id, ended ? registration.organization.id : null);
    return registration;
  }

  /**
   * Writes the change with its audit row and the patient's `patient.registrations` event (and
   * `patient.access-narrowing` when the registration of `endedOrganizationId` ended), in one
   * transaction. A concurrent writer can still win the race: its unique violation names the field too.
   */
  private async flush(patientId: string, endedOrganizationId: string | null = null): Promise<void> {
    try {
      await this.ctx.em.transactional(async (em) => {
        await em.flush();
        await this.ctx.access.recordWrite(em, patientId, 'demographics', 'PatientRegistration');
        await publishRegistrations(em, [patientId]);
        if (endedOrganizationId) await publishAccessNarrowing(em, [{ patientId, reason: 'registration-ended', effectiveAt: new Date(), organizationId: endedOrganizationId }]);
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw String((error as { constraint?: string }).constraint ?? error.message).includes('mrn') ? duplicateMrn() : duplicatePatient();
      }
      throw error;
    }
  }
}
