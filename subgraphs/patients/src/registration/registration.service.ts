import { conflict, notFound, type RequestContext } from '@caregraph/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';
import { PatientRegistration } from './registration.entity';
import type { RegisterPatientInput, UpdateRegistrationInput } from './registration.inputs';

const duplicatePatient = () => conflict('The patient is already registered at this organization', { field: 'organizationId' });
const duplicateMrn = () => conflict('This MRN is already used at this organization', { field: 'mrn' });

/** Registrations: which organizations hold a record of a patient, under which local MRN. */
export class RegistrationService {
  constructor(private readonly ctx: RequestContext) {}

  async ofPatients(patientIds: readonly string[]): Promise<PatientRegistration[]> {
    return this.ctx.em.find(PatientRegistration, { patient: { $in: [...patientIds] } }, { orderBy: { registeredAt: 'asc', id: 'asc' } });
  }

  async register(input: RegisterPatientInput): Promise<PatientRegistration> {
    const { em } = this.ctx;
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
    await this.flush();
    return registration;
  }

  async update(input: UpdateRegistrationInput): Promise<PatientRegistration> {
    const { em } = this.ctx;
    const registration = await em.findOne(PatientRegistration, { id: input.id });
    if (!registration) throw notFound('PatientRegistration', 'id');
    if (input.mrn) {
      const mrn = input.mrn.trim();
      const taken = await em.count(PatientRegistration, { organization: registration.organization.id, mrn, id: { $ne: registration.id } });
      if (taken) throw duplicateMrn();
      registration.mrn = mrn;
    }
    if (input.status) registration.status = input.status;
    await this.flush();
    return registration;
  }

  /** A concurrent writer can still win the race: its unique violation names the field too. */
  private async flush(): Promise<void> {
    try {
      await this.ctx.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw String((error as { constraint?: string }).constraint ?? error.message).includes('mrn') ? duplicateMrn() : duplicatePatient();
      }
      throw error;
    }
  }
}
