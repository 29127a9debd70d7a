import { ConnectionType, Identifier, badInput, selectedFields, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { validate as isUuid } from 'uuid';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { PatientsContext } from '../context';
import { PatientRegistration } from '../registration/registration.entity';
import { Patient } from './patient.entity';
import { toIdentifier } from './patient-identifier.entity';
import { CreatePatientInput, PatientsArgs, UpdatePatientInput } from './patient.inputs';

@ObjectType()
export class PatientConnection extends ConnectionType(Patient) {}

@Resolver(() => Patient)
export class PatientResolver {
  @Query(() => Patient, { nullable: true, description: 'One patient by id' })
  patient(@Arg('id', () => ID) id: string, @Ctx() ctx: PatientsContext, @Info() info: GraphQLResolveInfo): Promise<Patient | null> {
    if (!isUuid(id)) throw badInput('id', 'id must be a UUID');
    // the registrations (and their organizations) a chart header shows are read beside the patient
    // instead of after it; they are returned only through the patient, once the policy lets it out
    if (selectedFields(info).has('registrations')) {
      const registrations = ctx.loaders.patientRegistrations.load(id.toLowerCase()); // the key Patient.registrations asks with
      const withOrganizations = selectedFields(info, ['registrations']).has('organization')
        ? registrations.then((rows) => ctx.loaders.organization.loadMany(rows.map((row) => row.organization.id)))
        : registrations;
      withOrganizations.catch(() => undefined); // an error reaches the field that asks again
    }
    return ctx.loaders.patient.load(id);
  }

  @Query(() => PatientConnection, { description: 'Patients by name words, birth date, identifier and organization, in name order' })
  patients(@Args() args: PatientsArgs, @Ctx() ctx: PatientsContext, @Info() info: GraphQLResolveInfo) {
    return ctx.patients.list(args, selectsTotalCount(info));
  }

  @Mutation(() => Patient)
  createPatient(@Arg('input') input: CreatePatientInput, @Ctx() ctx: PatientsContext): Promise<Patient> {
    return ctx.patients.create(input);
  }

  @Mutation(() => Patient, { description: 'Changes the fields given; identifiers and names replace the stored lists' })
  updatePatient(@Arg('input') input: UpdatePatientInput, @Ctx() ctx: PatientsContext): Promise<Patient> {
    return ctx.patients.update(input);
  }

  @FieldResolver(() => [Identifier], { description: 'Business identifiers: MRNs, SSN, driver license, ...' })
  async identifiers(@Root() patient: Patient, @Ctx() ctx: PatientsContext): Promise<Identifier[]> {
    // just written or loaded with its rows: no query; else batched per request
    if (patient.identifierRows.isInitialized()) {
      return patient.identifierRows.getItems().map(toIdentifier).sort((a, b) => a.system.localeCompare(b.system) || a.value.localeCompare(b.value));
    }
    return (await ctx.loaders.patientIdentifiers.load(patient.id)).map(toIdentifier);
  }

  @FieldResolver(() => [PatientRegistration], { description: 'The organizations that hold a record of this patient' })
  registrations(@Root() patient: Patient, @Ctx() ctx: PatientsContext): Promise<PatientRegistration[]> {
    return ctx.loaders.patientRegistrations.load(patient.id);
  }
}
