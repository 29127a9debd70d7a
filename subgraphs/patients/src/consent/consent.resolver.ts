import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { PatientsContext } from '../context';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';
import { PatientConsent } from './consent.entity';
import { GrantConsentInput } from './consent.inputs';

@Resolver(() => PatientConsent)
export class ConsentResolver {
  @Mutation(() => PatientConsent, { description: 'Lets an organization see part of a patient\'s record (the patient, or staff of an organization where they are registered)' })
  grantConsent(@Arg('input') input: GrantConsentInput, @Ctx() ctx: PatientsContext): Promise<PatientConsent> {
    return ctx.consents.grant(input);
  }

  @Mutation(() => PatientConsent, { description: 'Ends a consent from now on; it stays in the patient\'s consent history' })
  revokeConsent(@Arg('id', () => ID) id: string, @Ctx() ctx: PatientsContext): Promise<PatientConsent> {
    return ctx.consents.revoke(id);
  }

  @FieldResolver(() => ID)
  patientId(@Root() consent: PatientConsent): string {
    return consent.patient.id;
  }

  @FieldResolver(() => Organization, { description: 'The organization allowed to see' })
  async organization(@Root() consent: PatientConsent, @Ctx() ctx: PatientsContext): Promise<Organization> {
    return (await ctx.loaders.organization.load(consent.organization.id))!; // foreign key: always there
  }

  @FieldResolver(() => Boolean, { description: 'Not revoked and not expired' })
  active(@Root() consent: PatientConsent): boolean {
    return consent.isActive();
  }
}

@Resolver(() => Patient)
export class PatientConsentsResolver {
  @FieldResolver(() => [PatientConsent], {
    nullable: true,
    description: 'Consents given for this patient, active and past, newest first. Only the patient and staff of organizations where they are registered may see them.',
  })
  consents(@Root() patient: Patient, @Ctx() ctx: PatientsContext): Promise<PatientConsent[]> {
    return ctx.loaders.patientConsents.load(patient.id);
  }
}
