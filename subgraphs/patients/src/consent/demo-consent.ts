import type { EntityManager } from '@mikro-orm/postgresql';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';
import { ConsentCategory, PatientConsent } from './consent.entity';

/**
 * The demo's consent story: this patient shares their whole record with this organization
 * (granted by the demo seed, recorded as a system grant). Idempotent.
 */
export async function seedDemoConsent(em: EntityManager, input: { patientId: string; organizationId: string }): Promise<void> {
  const existing = await em.count(PatientConsent, { patient: input.patientId, organization: input.organizationId, revokedAt: null });
  if (existing) return;
  em.create(PatientConsent, {
    patient: em.getReference(Patient, input.patientId),
    organization: em.getReference(Organization, input.organizationId),
    category: ConsentCategory.ALL,
    grantedAt: new Date(),
    grantedByType: 'system',
    grantedById: 'demo-seed',
  });
  await em.flush();
}
