import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { validate as isUuid } from 'uuid';
import type { AccessCategory } from '../access/policy';
import type { RequestContext } from '../context';

/** The id-only shape other subgraphs see of an entity they do not own. */
export interface EntityStubShape {
  id: string;
}

/**
 * Declares an entity owned by another subgraph, as this subgraph sees it: only its key.
 * `resolvable: true` when this subgraph adds fields to it (e.g. Patient.encounters), so the gateway
 * may send it references; `false` when this subgraph only returns it (Encounter.organization).
 */
export function entityStub(typeName: string, options: { resolvable: boolean }) {
  @ObjectType(typeName)
  @Directive(options.resolvable ? '@key(fields: "id")' : '@key(fields: "id", resolvable: false)')
  class EntityStub implements EntityStubShape {
    @Field(() => ID) id!: string;
  }
  return EntityStub;
}

/** `_entities` for a resolvable stub: this subgraph knows the entity only by id, and any id may have data here. */
export function stubReference(typeName: string) {
  return { [typeName]: { __resolveReference: (ref: { id: string }): EntityStubShape => ({ id: ref.id }) } };
}

/**
 * `_entities` for Patient in a subgraph whose Patient fields are all under one access `category`
 * (clinical's chart, billing's claims): a reference means the query is about to read that category
 * of the patient, so the policy is asked at once (PatientAccessGate.decideSoon) rather than after
 * the fields' reads are under way. An id that is no UUID is nobody's: nothing to ask.
 */
export function patientAccessReference(category: AccessCategory) {
  return {
    Patient: {
      __resolveReference: (ref: { id: string }, ctx: RequestContext): EntityStubShape => {
        if (isUuid(ref.id)) ctx.access.decideSoon(ref.id, category);
        return { id: ref.id };
      },
    },
  };
}
