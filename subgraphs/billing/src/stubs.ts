import { Directive, Field, ID, ObjectType } from 'type-graphql';

/*
 * Entities owned by other subgraphs, as billing sees them: only their key. Patient is resolvable
 * here because billing adds Patient.claims; the others are only returned. Billing keeps no
 * clinical data: an Encounter is just the id a claim points at.
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

@ObjectType('Encounter')
@Directive('@key(fields: "id", resolvable: false)')
export class EncounterRef {
  @Field(() => ID) id!: string;
}

/** `_entities` for Patient: billing knows patients only by id, and every id may have claims. */
export const patientReference = {
  Patient: {
    __resolveReference: (ref: { id: string }): PatientRef => ({ id: ref.id }),
  },
};
