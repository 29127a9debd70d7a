import { Directive, Field, ID, ObjectType } from 'type-graphql';

/*
 * Entities owned by the patients subgraph, as clinical sees them: only their key. Patient is
 * resolvable here because clinical adds fields to it (Patient.encounters); the others are only
 * returned, so the gateway never asks clinical to resolve them.
 */

@ObjectType('Patient')
@Directive('@key(fields: "id")')
export class PatientRef {
  @Field(() => ID) id!: string;
}

@ObjectType('Organization')
@Directive('@key(fields: "id", resolvable: false)')
export class OrganizationRef {
  @Field(() => ID) id!: string;
}

@ObjectType('Practitioner')
@Directive('@key(fields: "id", resolvable: false)')
export class PractitionerRef {
  @Field(() => ID) id!: string;
}

/** `_entities` for Patient: clinical knows patients only by id, and every id may have encounters. */
export const patientReference = {
  Patient: {
    __resolveReference: (ref: { id: string }): PatientRef => ({ id: ref.id }),
  },
};
