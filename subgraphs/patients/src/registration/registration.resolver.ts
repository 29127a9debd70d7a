import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { PatientsContext } from '../context';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';
import { PatientRegistration } from './registration.entity';
import { RegisterPatientInput, UpdateRegistrationInput } from './registration.inputs';

@Resolver(() => PatientRegistration)
export class RegistrationResolver {
  @Mutation(() => PatientRegistration, { description: 'Records that an organization holds a record of the patient under an MRN' })
  registerPatient(@Arg('input') input: RegisterPatientInput, @Ctx() ctx: PatientsContext): Promise<PatientRegistration> {
    return ctx.registrations.register(input);
  }

  @Mutation(() => PatientRegistration)
  updateRegistration(@Arg('input') input: UpdateRegistrationInput, @Ctx() ctx: PatientsContext): Promise<PatientRegistration> {
    return ctx.registrations.update(input);
  }

  @FieldResolver(() => Patient)
  async patient(@Root() registration: PatientRegistration, @Ctx() ctx: PatientsContext): Promise<Patient> {
    return (await ctx.loaders.patient.load(registration.patient.id))!; // foreign key: always there
  }

  @FieldResolver(() => Organization)
  async organization(@Root() registration: PatientRegistration, @Ctx() ctx: PatientsContext): Promise<Organization> {
    return (await ctx.loaders.organization.load(registration.organization.id))!;
  }
}
