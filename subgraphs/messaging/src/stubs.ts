import { Directive, Field, ID, ObjectType } from 'type-graphql';

/*
 * Entities owned by the patients subgraph, as messaging sees them: only their key. Patient is
 * resolvable here because messaging adds Patient.chartComments; Practitioner is only returned.
 */

@ObjectType('Patient')
@Directive('@key(fields: "id")')
export class PatientRef {
  @Field(() => ID) id!: string;
}

@ObjectType('Practitioner')
@Directive('@key(fields: "id", resolvable: false)')
export class PractitionerRef {
  @Field(() => ID) id!: string;
}

/** `_entities` for Patient: messaging knows patients only by id, and every id may have comments. */
export const patientReference = {
  Patient: {
    __resolveReference: (ref: { id: string }): PatientRef => ({ id: ref.id }),
  },
};
